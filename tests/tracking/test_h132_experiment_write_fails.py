"""The sweep's HParams experiment config on a disk that fills while it is written: TensorBoard
writes the event in a thread of its own whose failure close() does not raise, so
write_experiment returned a file cut at the limit (100 of its bytes) after the thread's
traceback, and mia-train's sweep ended without a word. Now it is the `DataError` naming the
folder (the sweep logs it), and no cut file is left for TensorBoard to read."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mia_defense.tracking.hparams import (
    EXPERIMENT_SUFFIX,
    Session,
    session_hparams,
    write_experiment,
)

SESSIONS = [
    Session(name=f"train.lr={lr}", hparams=session_hparams({"train.lr": lr, "seed": 0}),
            metrics={"utility/test_accuracy": 0.9})
    for lr in (0.1, 0.01, 0.001, 0.0001)
]  # fmt: skip

WRITE = """
import resource, sys
from pathlib import Path
from tests.tracking.test_h132_experiment_write_fails import SESSIONS
from mia_defense.tracking.hparams import write_experiment
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))
write_experiment(Path(sys.argv[1]), SESSIONS, swept=["train.lr"])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_full_disk_is_the_data_error_and_leaves_no_cut_file(tmp_path):
    whole = write_experiment(tmp_path / "whole", SESSIONS, swept=["train.lr"]).stat().st_size
    assert whole > 200  # room for the file's first event below the limit
    log_dir = tmp_path / "sweep"
    log_dir.mkdir()
    done = subprocess.run([sys.executable, "-c", WRITE, str(log_dir), str(whole // 2)],
                          capture_output=True, text=True, timeout=60, check=False,
                          cwd=Path(__file__).parents[2])  # fmt: skip
    assert done.returncode == 1  # the DataError, raised
    assert done.stderr.strip().splitlines()[-1] == (
        f"mia_defense.errors.DataError: {log_dir}: cannot write the HParams experiment config "
        "(File too large); the file is larger than this file system or `ulimit -f` allows: raise "
        "the limit or write elsewhere (a new hydra.sweep.dir, then run the sweep again)"
    )
    assert "Exception in thread" not in done.stderr
    assert not list(log_dir.glob(f"events.out.tfevents.*{EXPERIMENT_SUFFIX}"))

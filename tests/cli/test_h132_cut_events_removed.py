"""mia-train on a disk that fills while it writes the run's TensorBoard events: the run
failed with one line naming tb/, but the events file stayed in tb/ cut where the write
stopped, and TensorBoard showed it as the run's. The cut file is removed."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mia_defense.tracking import read_json
from tests.hostile.test_verdicts_and_faults import file_size_limit

BIN = Path(sys.executable).parent
# the run's files fit in 60 kB (results.json about 40 kB), its events with figures do not
TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=true",
        "train.epochs=1", "attack.bootstrap=0", "attack.queries.num_augmented=0",
        "attack.white_box=false", "~attack.attacks.shokri"]  # fmt: skip


@pytest.mark.slow  # (an end-to-end search or sweep in subprocesses: 1.6-3.7 s)
@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_events_cut_by_a_full_disk_are_removed(tmp_path):
    run_dir = tmp_path / "run"
    with file_size_limit(60):
        done = subprocess.run([str(BIN / "mia-train"), *TINY, f"hydra.run.dir={run_dir}"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"DataError: {run_dir / 'tb'}: cannot write the TensorBoard events (File too " \
           "large)" in done.stderr
    assert read_json(run_dir / "results.json")["status"] == "failed"
    assert (run_dir / "scores.npz").is_file()  # the events were the file that did not fit
    assert not list((run_dir / "tb").glob("events.out.tfevents.*"))

"""SIGTERM (kill, docker stop, systemd, scancel) ends a run as Ctrl-C does: the run directory
reads ``interrupted`` and the resume line is printed, exit 143. By default it ended the
process at once: exit 143 with no word, results.json left reading ``running`` (h115)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from mia_defense.tracking import read_json
from tests.helpers import mia_train, overridden
from tests.hostile.test_verdicts_and_faults import TINY_CLI


@pytest.mark.slow  # ~10 s: a real process terminated after its first checkpoint, then resumed
def test_sigterm_marks_the_run_interrupted_and_the_same_command_resumes(tmp_path):
    run_dir = tmp_path / "run"
    args = [*overridden(TINY_CLI, "plan.num_models=2", "train.epochs=100"),
            "train.engine=opacus", f"hydra.run.dir={run_dir}"]  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "mia_defense.cli.train", *args],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.time() + 120
    while not list(run_dir.glob("checkpoints/model_*.pt")) and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143
    assert "interrupted; run the same command again to resume" in err
    assert "Traceback" not in out + err
    assert read_json(run_dir / "results.json")["status"] == "interrupted"
    resumed = mia_train(*args, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming:" in resumed.stderr
    assert read_json(run_dir / "results.json")["status"] == "complete"


def test_a_sigterm_handler_of_someone_else_is_kept():
    """submitit's job handler bypasses SLURM's SIGTERM before a requeue: run_entry leaves a
    handler it did not install in place, and restores the default it replaced."""
    from mia_defense.cli.entry import run_entry

    def theirs(signum, frame):  # type: ignore[no-untyped-def]
        pass

    before = signal.signal(signal.SIGTERM, theirs)
    try:
        seen = []
        run_entry(lambda: seen.append(signal.getsignal(signal.SIGTERM)),
                  started=lambda: True, interrupted="x")  # fmt: skip
        assert seen == [theirs] and signal.getsignal(signal.SIGTERM) is theirs
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        run_entry(lambda: seen.append(signal.getsignal(signal.SIGTERM)),
                  started=lambda: True, interrupted="x")  # fmt: skip
        assert seen[1] not in (signal.SIG_DFL, theirs)
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, before)

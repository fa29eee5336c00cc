"""`mia-train ... | head` and `mia-attack ... | head`: a reader that closes stdout during a run
ends the tool quietly with exit 141, as the README says (the run's files are written before its
table). Hydra reported the BrokenPipeError as a failed job: a traceback and exit 1."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mia_defense.cli.entry import EXIT_BROKEN_PIPE

TINY = ["plan.num_models=2", "train.epochs=1", "attack.bootstrap=0", "figures=false",
        "progress=false", "attack.queries.num_augmented=0", "attack.white_box=false"]  # fmt: skip


class _GonePipe:
    """A stdout whose reader has gone."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        raise OSError("no descriptor")


def test_the_end_of_run_table_to_a_reader_that_has_gone_exits_141(tmp_path, monkeypatch):
    from mia_defense.cli.train import _print_summary

    monkeypatch.setattr(sys, "stdout", _GonePipe())
    with pytest.raises(SystemExit) as exited:
        _print_summary(tmp_path, ["attack  AUC", "run directory: x"])
    assert exited.value.code == EXIT_BROKEN_PIPE == 141


def _closed_stdout(*argv: str) -> tuple[int, str]:
    child = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)  # fmt: skip
    child.stdout.close()  # mia-train ... | head -0
    _, stderr = child.communicate(timeout=300)
    return child.returncode, stderr.decode()


@pytest.mark.slow  # 5-10 s: a tiny mia-train run, then mia-attack on it
def test_a_reader_that_stops_early_during_a_run_ends_it_quietly_with_141(tmp_path):
    run_dir = tmp_path / "run"
    code, stderr = _closed_stdout("-m", "mia_defense.cli.train", *TINY,
                                  f"hydra.run.dir={run_dir}")  # fmt: skip
    assert code == 141, stderr[-2000:]
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
    assert "Error executing job" not in stderr
    assert json.loads((run_dir / "results.json").read_text())["status"] == "complete"

    again = tmp_path / "again"
    code, stderr = _closed_stdout("-m", "mia_defense.cli.attack", str(run_dir),
                                  "attack.bootstrap=0", "figures=false",
                                  f"hydra.run.dir={again}")  # fmt: skip
    assert code == 141, stderr[-2000:]
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
    assert json.loads((again / "results.json").read_text())["status"] == "complete"


def test_log_lines_to_a_reader_that_has_gone_print_no_traceback(capsys):
    """``hydra/job_logging=stdout`` piped to a reader that went away: every later log line
    printed a '--- Logging error ---' BrokenPipeError traceback on stderr. Other logging
    errors are still reported, and the handlers' own error report is put back after."""
    import logging

    from mia_defense.cli.entry import run_entry

    logger = logging.getLogger("tests.h204_reader_gone")
    handler = logging.StreamHandler(_GonePipe())  # type: ignore[arg-type]
    logger.addHandler(handler)
    logger.propagate = False  # (pytest's capture raises a logging error: its own only here)
    report = logging.Handler.handleError

    def task() -> None:
        logger.warning("one")
        logger.warning("two")
        logger.warning("%d", "not a number")  # (a logging error of another kind)

    try:
        run_entry(task, started=lambda: True, interrupted="interrupted")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    err = capsys.readouterr().err
    assert "BrokenPipeError" not in err
    assert err.count("--- Logging error ---") == 1 and "TypeError" in err
    assert logging.Handler.handleError is report


@pytest.mark.slow  # about 3 s: a tiny mia-train run
def test_log_lines_on_stdout_to_a_reader_that_has_gone_end_quietly_with_141(tmp_path):
    code, stderr = _closed_stdout("-m", "mia_defense.cli.train", *TINY, "hydra/job_logging=stdout",
                                  f"hydra.run.dir={tmp_path / 'run'}")  # fmt: skip
    assert code == 141, stderr[-2000:]
    assert "Logging error" not in stderr and "BrokenPipeError" not in stderr

"""The TensorBoard command mia-report prints names the folder its report went under, not
its first argument: ``mia-report RUN/results.json SWEEP`` (a file first) wrote into
SWEEP/report and printed ``tensorboard --logdir RUN/results.json``, which shows nothing."""

from __future__ import annotations

import contextlib
import shlex
from pathlib import Path

import pytest

from mia_defense.cli.report import main as report_main
from tests.report.fake_runs import two_run_sweep


def _logdir(out: str) -> str:
    line = next(x for x in out.splitlines() if x.startswith("look at it:"))
    return shlex.split(line.removeprefix("look at it:"))[-1]


def test_the_tensorboard_command_names_the_folder_the_report_went_under(
    tmp_path, monkeypatch, capsys
):
    two_run_sweep(tmp_path / "sweep")
    monkeypatch.chdir(tmp_path)
    assert report_main(["sweep/a/results.json", "sweep", "--no-charts"]) == 0
    assert (tmp_path / "sweep" / "report" / "tb").is_dir()
    assert _logdir(capsys.readouterr().out) == "sweep"
    assert report_main(["nothing-here", "sweep", "--no-charts", "--replace"]) == 0
    assert _logdir(capsys.readouterr().out) == "sweep"
    assert report_main(["sweep", "--no-charts", "--out", "elsewhere"]) == 0
    assert _logdir(capsys.readouterr().out) == "elsewhere"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_summary_stdout_cannot_take_is_one_line_after_the_report(tmp_path, monkeypatch, capsys):
    # mia-report ... > /dev/full: an OSError traceback (exit 1) once the report was written
    root = two_run_sweep(tmp_path / "sweep")
    full = open("/dev/full", "w")  # (closed below: closing fails too)
    monkeypatch.setattr("sys.stdout", full)
    try:
        assert report_main([str(root), "--no-charts", "--no-tensorboard"]) == 2
    finally:
        monkeypatch.undo()
        with contextlib.suppress(OSError):
            full.close()
    said = capsys.readouterr().err
    assert (
        "mia-report: cannot write the summary to stdout (No space left on device); the "
        f"report is written: its files are in {root / 'report'} (README.md lists them)" in said
    )
    assert "Traceback" not in said
    assert (root / "report" / "tradeoff.csv").is_file()

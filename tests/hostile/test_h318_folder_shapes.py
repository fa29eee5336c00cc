"""Hostile shapes of the folders mia-report is pointed at (h318): names that end up printed."""

from __future__ import annotations

from mia_defense.cli.report import main as report_main
from tests.report.fake_runs import make_run


def test_a_run_name_quoted_in_another_runs_reason_is_printed_escaped(tmp_path, capsys):
    # a copy of a run (same config and seeds) is not ranked with a reason naming the kept
    # one: a folder named with a terminal's escape codes was printed raw in that reason
    root = tmp_path / "sweep"
    make_run(root / "z", test_accuracy=0.9, signal=1.0)
    make_run(root / "evil\x1b[2J\x1b]0;title\x07\nWARNING forged", test_accuracy=0.9, signal=1.0)
    assert report_main([str(root), "--no-tensorboard", "--no-charts"]) == 0
    printed = capsys.readouterr().out
    assert "the same experiment as" in printed
    assert "\x1b" not in printed and "\x07" not in printed and "\nWARNING" not in printed

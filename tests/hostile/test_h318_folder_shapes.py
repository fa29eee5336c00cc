"""Hostile shapes of the folders mia-report is pointed at (h318): names that end up printed."""

from __future__ import annotations

import pytest

from mia_defense.attack_source import missing_source
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


@pytest.mark.parametrize("shape", ["missing target", "link loop"])
def test_mia_attack_names_a_broken_link_as_one(tmp_path, shape):
    # `ls` shows the link, and mia-attack said "no such file or directory"
    link = tmp_path / "run"
    if shape == "link loop":
        (tmp_path / "other").symlink_to(link)
        link.symlink_to(tmp_path / "other")
    else:
        link.symlink_to(tmp_path / "gone")
    said = missing_source(link)
    assert said is not None and said.startswith(f"{link}: a broken link (to '{tmp_path}/")

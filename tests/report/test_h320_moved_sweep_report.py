"""mia-report of a sweep moved or copied with its report inside (``mv multirun/2026-12-06
archive/``, ``cp -r``, rsync): the report's .mia-report mark named its folders by absolute
path, so the report there was refused as another folder's. Marks now name them relative to
the report's folder; a mark of absolute paths whose folders are gone, moved with the report,
is read as theirs. A report of other folders is still refused, with what to do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mia_defense.cli.report import main as report_main
from tests.report.fake_runs import make_run

FLAGS = ["--no-tensorboard", "--no-charts"]


def _old_mark(report: Path, sweep: Path) -> None:
    """The mark as written before marks were relative: the sweep's absolute path."""
    mark = report / ".mia-report"
    text = mark.read_text().splitlines()
    text[-1] = "sources: " + json.dumps([str(sweep.resolve())])
    mark.write_text("\n".join(text) + "\n")


@pytest.mark.parametrize("mark", ["relative", "absolute"])
@pytest.mark.parametrize("how", ["moved", "copied"])
def test_a_moved_or_copied_sweep_reports_again(tmp_path, capsys, mark, how):
    sweep = tmp_path / "multirun" / "2026-12-06" / "sweep"
    make_run(sweep / "x", test_accuracy=0.9, signal=1.0)
    assert report_main([str(sweep), *FLAGS]) == 0
    if mark == "absolute":
        _old_mark(sweep / "report", sweep)
    before = (sweep / "report" / "tradeoff.csv").read_text()
    moved = tmp_path / "archive" / "2026-12-06"
    (shutil.move if how == "moved" else shutil.copytree)(sweep.parent, moved)
    capsys.readouterr()
    code = report_main([str(moved / "sweep"), *FLAGS])
    if mark == "absolute" and how == "copied":
        # the original still holds its report under the path the mark names: which folder
        # the copied report read is unknown; --replace loses nothing, and the message says so
        assert code == 2
        err = capsys.readouterr().err
        assert "pass --replace to replace it (nothing is lost when" in err, err
        assert "is that folder moved or copied" in err, err
        code = report_main([str(moved / "sweep"), "--replace", *FLAGS])
    assert code == 0
    assert (moved / "sweep" / "report" / "tradeoff.csv").read_text() == before
    assert '\nsources: [".."]\n' in (moved / "sweep" / "report" / ".mia-report").read_text()
    # another sweep's report there is still refused
    make_run(tmp_path / "other" / "y", test_accuracy=0.8, signal=1.0)
    out = str(moved / "sweep" / "report")
    assert report_main([str(tmp_path / "other"), "--out", out, *FLAGS]) == 2
    assert "holds the report of" in capsys.readouterr().err


def test_an_old_mark_of_two_sweeps_moved_with_their_renamed_parent(tmp_path):
    # mia-report p/a p/b --out p/report, then mv p q: the mark's absolute folders are gone
    old, new = tmp_path / "p", tmp_path / "q"
    make_run(old / "a" / "x", test_accuracy=0.9, signal=1.0)
    make_run(old / "b" / "y", test_accuracy=0.8, signal=1.0)
    assert report_main([str(old / "a"), str(old / "b"), "--out", str(old / "r"), *FLAGS]) == 0
    mark = old / "r" / ".mia-report"
    lines = mark.read_text().splitlines()
    lines[-1] = "sources: " + json.dumps([str(old.resolve() / "b"), str(old.resolve() / "a")])
    mark.write_text("\n".join(lines) + "\n")
    old.rename(new)
    assert report_main([str(new / "a"), str(new / "b"), "--out", str(new / "r"), *FLAGS]) == 0
    assert report_main([str(new / "a"), "--out", str(new / "r"), *FLAGS]) == 2  # not both

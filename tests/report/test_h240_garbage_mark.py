"""mia-report: a report folder's .mia-report mark that no mia-report wrote (garbage text, an
unparsable sources line) was read as a mark written before marks named their folders, so a
report of other folders replaced the report there without --replace. Marks earlier versions
wrote (an empty file, the bare mark text, a mark cut short) are still rewritten freely."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.cli.report import main as report_main
from mia_defense.report import out_dir
from tests.report.fake_runs import make_run

FLAGS = ["--no-tensorboard", "--no-charts"]


@pytest.fixture()
def two_sweeps(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Sweeps A and B, and A's report folder (A/report) written by mia-report A."""
    sweep_a, sweep_b = tmp_path / "a", tmp_path / "b"
    make_run(sweep_a / "x", test_accuracy=0.9, signal=1.0)
    make_run(sweep_b / "y", test_accuracy=0.8, signal=1.0)
    assert report_main([str(sweep_a), *FLAGS]) == 0
    return sweep_a, sweep_b, sweep_a / "report"


GARBAGE = [
    b"hello\n",
    b"\x00\xff\xfe garbage",
    b"sources: []\n",  # a sources line alone: not a mark's text
    (out_dir._MARK_TEXT + 'It reports on ...\nsources: ["/x", \n').encode(),  # cut sources
    (out_dir._MARK_TEXT + "sources: {}\n").encode(),
]


@pytest.mark.parametrize("content", GARBAGE)
def test_a_garbage_mark_is_refused_without_replace(two_sweeps, capsys, content):
    sweep_a, sweep_b, out = two_sweeps
    (out / ".mia-report").write_bytes(content)
    before = (out / "tradeoff.csv").read_bytes()
    capsys.readouterr()
    assert report_main([str(sweep_b), "--out", str(out), *FLAGS]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mia-report: {out / '.mia-report'}: is not a mark mia-report "), err
    assert "pass --replace to write this report there" in err
    assert "choose another report directory (mia-report --out DIR)" in err
    assert (out / "tradeoff.csv").read_bytes() == before
    # the same folders are refused too: nothing says the report there is theirs
    assert report_main([str(sweep_a), "--out", str(out), *FLAGS]) == 2
    # --replace writes the report, and a mark naming its folders
    assert report_main([str(sweep_b), "--out", str(out), "--replace", *FLAGS]) == 0
    assert (out / "tradeoff.csv").read_bytes() != before
    assert out_dir._marked_sources(out) == [str(sweep_b.resolve())]  # (relative to out)
    assert report_main([str(sweep_a), "--out", str(out), *FLAGS]) == 2  # now B's


OLD_MARKS = [
    b"",  # f2bedd2 touched an empty mark
    out_dir._MARK_TEXT.encode(),  # 18903c6 wrote the bare text
    out_dir._MARK_TEXT[:30].encode(),  # written in place, cut short by a full disk
    b"This folder holds a report of mia-report\n",
]


@pytest.mark.parametrize("content", OLD_MARKS)
def test_marks_of_earlier_versions_are_rewritten(two_sweeps, content):
    _, sweep_b, out = two_sweeps
    (out / ".mia-report").write_bytes(content)
    assert report_main([str(sweep_b), "--out", str(out), *FLAGS]) == 0
    assert out_dir._marked_sources(out) == [str(sweep_b.resolve())]  # (relative to out)


def test_a_mark_naming_more_than_the_read_limit_is_unknown(two_sweeps, monkeypatch):
    # a sources line cut by the read limit cannot be parsed: a report of unknown folders,
    # as before (no garbage refusal)
    _, sweep_b, out = two_sweeps
    text = (out / ".mia-report").read_text()
    monkeypatch.setattr(out_dir, "_MARK_LIMIT", len(text) - 5)
    assert out_dir._foreign_mark(out) is None
    assert report_main([str(sweep_b), "--out", str(out), *FLAGS]) == 0


def test_a_garbage_mark_does_not_make_a_folder_a_reports(tmp_path):
    # with --replace, a garbage mark beside a README.md of the user's let the report
    # overwrite it (the mark alone made the folder a report's)
    sweep = tmp_path / "a"
    make_run(sweep / "x", test_accuracy=0.9, signal=1.0)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "README.md").write_text("# My project\n")
    (mine / ".mia-report").write_text("not a mark\n")
    assert report_main([str(sweep), "--out", str(mine), "--replace", *FLAGS]) == 2
    assert (mine / "README.md").read_text() == "# My project\n"
    # an old, empty mark beside a report's files is still a report's
    (mine / "README.md").unlink()
    (mine / ".mia-report").write_bytes(b"")
    assert report_main([str(sweep), "--out", str(mine), *FLAGS]) == 0
    # a garbage mark beside a report's own files and nothing else: refused without
    # --replace (whose report is unknown), rewritten with it
    (mine / ".mia-report").write_text("not a mark\n")
    assert report_main([str(sweep), "--out", str(mine), *FLAGS]) == 2
    assert report_main([str(sweep), "--out", str(mine), "--replace", *FLAGS]) == 0
    assert out_dir._foreign_mark(mine) is None

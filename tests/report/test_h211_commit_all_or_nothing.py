"""A report written again into its folder is moved into place all or nothing: a rename that
fails (a full or read-only file system, an I/O error) or a Ctrl-C while the staged files are
moved in leaves the earlier report's files as they were, never new tables beside the
earlier summary and charts.

Measured: a report of a two-run sweep, the DP run then deleted and the report run again,
its third rename failing: tradeoff.csv, tradeoff.md and runs.csv had no DP row while
not_ranked.csv, the charts and README.md (the summary, its front) still showed it, and the
error said only that the report could not be written.
"""

from __future__ import annotations

import os
import shutil

import pytest

from mia_defense.errors import DataError
from mia_defense.report import write_report
from tests.report.fake_runs import two_run_sweep


def _files(out):
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def _stop_the_commit_at(monkeypatch, out, nth, error):
    """Make the ``nth`` rename of a staged file into ``out`` raise ``error`` (the renames
    after it, putting the earlier files back, are let through)."""
    real = os.replace
    moved = []

    def replace(src, dst, *args, **kwargs):
        into_out = os.path.dirname(os.fspath(dst)) == str(out)
        if ".mia-report-" in os.fspath(src) and into_out and len(moved) < nth:
            moved.append(dst)
            if len(moved) == nth:
                raise error
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return moved


def _rerun_after_deleting_a_run(tmp_path):
    root = two_run_sweep(tmp_path / "sweep")
    out = tmp_path / "out"
    write_report([root], out_dir=out, tensorboard=False, charts=False)
    earlier = _files(out)
    shutil.rmtree(root / "b")  # the DP run
    return root, out, earlier


@pytest.mark.parametrize("nth", [1, 3, 5])  # (5: README.md, the last)
def test_a_rename_failing_part_way_leaves_the_earlier_report_whole(tmp_path, monkeypatch, nth):
    root, out, earlier = _rerun_after_deleting_a_run(tmp_path)
    moved = _stop_the_commit_at(monkeypatch, out, nth, OSError(28, "No space left on device"))
    with pytest.raises(DataError, match=r"cannot write the report \(No space left on device\)"):
        write_report([root], out_dir=out, tensorboard=False, charts=False)
    assert len(moved) == nth  # (the commit got that far)
    assert _files(out) == earlier
    assert not list(out.glob(".mia-report-*"))  # no temporary folder left


def test_a_ctrl_c_between_renames_leaves_the_earlier_report_whole(tmp_path, monkeypatch):
    root, out, earlier = _rerun_after_deleting_a_run(tmp_path)
    _stop_the_commit_at(monkeypatch, out, 4, KeyboardInterrupt())  # (a signal between two)
    with pytest.raises(KeyboardInterrupt):
        write_report([root], out_dir=out, tensorboard=False, charts=False)
    assert _files(out) == earlier
    assert not list(out.glob(".mia-report-*"))


def test_a_first_report_failing_part_way_leaves_no_file_of_it(tmp_path, monkeypatch):
    """No earlier report: the files already moved in are taken away again (the mark,
    written before, stays: the folder is a report's)."""
    root = two_run_sweep(tmp_path / "sweep")
    out = tmp_path / "out"
    _stop_the_commit_at(monkeypatch, out, 3, OSError(5, "Input/output error"))
    with pytest.raises(DataError, match="Input/output error"):
        write_report([root], out_dir=out, tensorboard=False, charts=False)
    assert set(_files(out)) <= {".mia-report"}
    assert not list(out.glob(".mia-report-*"))
    monkeypatch.undo()
    write_report([root], out_dir=out, tensorboard=False, charts=False)  # the next one is whole
    assert {"tradeoff.csv", "README.md"} <= set(_files(out))


def test_without_hard_links_the_earlier_files_are_copied_back(tmp_path, monkeypatch):
    """A file system without hard links (os.link refused): the earlier files are kept as
    copies, and put back all the same."""
    root, out, earlier = _rerun_after_deleting_a_run(tmp_path)

    def no_link(*args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    _stop_the_commit_at(monkeypatch, out, 4, OSError(28, "No space left on device"))
    with pytest.raises(DataError, match="No space left on device"):
        write_report([root], out_dir=out, tensorboard=False, charts=False)
    assert _files(out) == earlier
    assert not list(out.glob(".mia-report-*"))
    monkeypatch.undo()
    write_report([root], out_dir=out, tensorboard=False, charts=False)
    assert b"dp" not in (out / "tradeoff.csv").read_bytes()

"""A report killed (SIGKILL, the OOM killer) while moving its files into place left the
folder mixed, and the next report lost the earlier report for good: it removed the folder of
the earlier files the killed one had kept, as a dead writer's temporary folder. Measured: a
report of a two-run sweep, the DP run deleted, the report run again and killed at its 3rd
rename: tradeoff.csv and tradeoff.md without the DP row beside runs.csv, not_ranked.csv and
README.md with it; a next report killed or failing before its own commit left that mix.
Now the commit keeps a journal beside the earlier files, and the next report puts them back
first."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from mia_defense.errors import DataError
from mia_defense.report import out_dir, write_report
from tests.helpers import in_a_child
from tests.report.fake_runs import two_run_sweep


def _killing_itself(root, out, nth):
    """A report written in a process of its own that kills itself at the `nth` rename of its
    commit into `out`, or on its commit's clean-up (`nth` 0), as SIGKILL would."""
    real, moved = os.replace, []

    def replace(src, dst, *args, **kwargs):
        if sys._getframe(1).f_code.co_name == "commit" and Path(dst).parent == out:
            moved.append(dst)
            if len(moved) == nth:
                os.kill(os.getpid(), signal.SIGKILL)
        return real(src, dst, *args, **kwargs)

    os.replace = replace
    if nth == 0:
        out_dir.Staged.close = lambda self: os.kill(os.getpid(), signal.SIGKILL)
    write_report([root], out_dir=out, tensorboard=False, charts=False)


def _files(out):
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def _killed_report(root, out, nth):
    done = in_a_child(lambda: _killing_itself(root, out, nth))
    assert done.returncode == -9, done.stderr[-2000:]


def _fail_the_commit(monkeypatch):
    def commit(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(out_dir.Staged, "commit", commit)


def _sweep_and_two_reports(tmp_path):
    root = two_run_sweep(tmp_path / "sweep")
    out = tmp_path / "out"
    write_report([root], out_dir=out, tensorboard=False, charts=False)
    earlier = _files(out)
    shutil.rmtree(root / "b")  # the DP run
    write_report([root], out_dir=tmp_path / "new", tensorboard=False, charts=False)
    return root, out, earlier, _files(tmp_path / "new")


def test_a_report_killed_between_renames_is_put_back_by_the_next(tmp_path, monkeypatch, caplog):
    root, out, earlier, new = _sweep_and_two_reports(tmp_path)
    _killed_report(root, out, 3)
    mixed = _files(out)
    assert mixed["tradeoff.csv"] == new["tradeoff.csv"]  # (the fault: tables of the new one
    assert mixed["README.md"] == earlier["README.md"]  # beside the earlier summary)
    # the next report fails before its own commit: the earlier report is whole again
    with monkeypatch.context() as patched:
        _fail_the_commit(patched)
        with pytest.raises(DataError, match="No space left on device"):
            write_report([root], out_dir=out, tensorboard=False, charts=False)
    assert _files(out) == earlier
    assert "put back the earlier report's tradeoff.csv, tradeoff.md" in caplog.text
    assert not list(out.glob(".mia-report-*"))  # the killed report's folders removed
    write_report([root], out_dir=out, tensorboard=False, charts=False)
    assert _files(out) == new


def test_a_report_killed_once_its_files_are_in_place_is_kept(tmp_path, monkeypatch):
    root, out, _, new = _sweep_and_two_reports(tmp_path)
    _killed_report(root, out, 0)  # (killed as it removes its temporary folders)
    assert _files(out)["README.md"] == new["README.md"]
    assert list(out.glob(".mia-report-*"))
    with monkeypatch.context() as patched:
        _fail_the_commit(patched)
        with pytest.raises(DataError):
            write_report([root], out_dir=out, tensorboard=False, charts=False)
    assert _files(out)["README.md"] == new["README.md"]  # the new report, whole, stays
    assert _files(out)["tradeoff.csv"] == new["tradeoff.csv"]
    assert not list(out.glob(".mia-report-*"))

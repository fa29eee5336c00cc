"""A report killed (SIGKILL, the OOM killer) while it replaced an earlier report in its
folder left a mix that looked whole until the next mia-report ran: killed at its 3rd rename,
the new tradeoff.csv and tradeoff.md beside the earlier runs.csv, not_ranked.csv and
README.md; killed once its files were in place but before its TensorBoard copy and its mark,
the new tables beside the earlier report's TensorBoard front. Nothing in the folder said so
(h244). Now the folder holds `INCOMPLETE.txt` from the first rename until the report is
whole; a killed commit that the next report puts back whole takes it away again."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from mia_defense.errors import DataError
from mia_defense.report import build, out_dir, write_report
from tests.helpers import in_a_child
from tests.report.fake_runs import two_run_sweep

MARKER = "INCOMPLETE.txt"

def _killing_itself(root, out, nth):
    """A report of ``root`` into ``out`` in a process of its own that kills itself as SIGKILL
    would: at the `nth` rename of its commit into ``out`` (nth > 0), or as it writes its
    TensorBoard copy, its files already in place (nth 0)."""
    real, moved = os.replace, []

    def replace(src, dst, *args, **kwargs):
        if sys._getframe(1).f_code.co_name == "commit" and Path(dst).parent == out:
            moved.append(dst)
            if len(moved) == nth:
                os.kill(os.getpid(), signal.SIGKILL)
        return real(src, dst, *args, **kwargs)

    os.replace = replace
    if nth == 0:
        build._log_tensorboard = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
    write_report([root], out_dir=out, tensorboard=True, charts=False)


def _files(out):
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def _killed_report(root, out, nth):
    done = in_a_child(lambda: _killing_itself(root, out, nth))
    assert done.returncode == -9, done.stderr[-2000:]


def _earlier_report_and_a_deleted_run(tmp_path):
    root = two_run_sweep(tmp_path / "sweep")
    out = tmp_path / "out"
    write_report([root], out_dir=out, tensorboard=True, charts=False)
    assert not (out / MARKER).exists()  # (a whole report has none)
    earlier = _files(out)
    shutil.rmtree(root / "b")  # the DP run
    return root, out, earlier


@pytest.mark.parametrize("nth", [3, 0], ids=["between_renames", "before_tensorboard"])
def test_a_report_killed_part_way_says_so_until_one_is_whole(tmp_path, nth):
    root, out, earlier = _earlier_report_and_a_deleted_run(tmp_path)
    _killed_report(root, out, nth)
    mixed = _files(out)
    assert mixed["tradeoff.csv"] != earlier["tradeoff.csv"]  # (the new table is in place)
    text = " ".join(mixed[MARKER].decode().split())
    assert "may mix this report with an earlier one" in text
    assert "Run the same mia-report command again" in text
    write_report([root], out_dir=out, tensorboard=True, charts=False)
    assert not (out / MARKER).exists()
    assert b"dp" not in (out / "README.md").read_bytes()


def test_a_killed_commit_put_back_whole_leaves_no_marker(tmp_path, monkeypatch):
    """The next report puts the earlier files back and then fails before its own commit:
    the folder is the earlier report, whole, and says nothing of the killed one."""
    root, out, earlier = _earlier_report_and_a_deleted_run(tmp_path)
    _killed_report(root, out, 3)

    def commit(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(out_dir.Staged, "commit", commit)
    with pytest.raises(DataError, match="No space left on device"):
        write_report([root], out_dir=out, tensorboard=True, charts=False)
    assert _files(out) == earlier


def test_the_marker_is_a_reports_own(tmp_path):
    """A folder holding the marker is still the report's (not a folder of the user's that
    the next report refuses)."""
    root, out, _ = _earlier_report_and_a_deleted_run(tmp_path)
    _killed_report(root, out, 0)
    (out / ".mia-report").unlink()  # (as a report written before the mark: its files tell)
    write_report([root], out_dir=out, tensorboard=True, charts=False)
    assert not (out / MARKER).exists()

"""Temporary folders of the old name (``.mia-report-`` and tempfile's 8 characters, before
their names held the writer's process id and machine) that reports killed while writing
left are removed by the next report into the folder once over an hour old: nothing else
removed them, one more per killed attempt. A fresh one (a writer may be filling it), a link,
and one holding a file of another name are left."""

from __future__ import annotations

import os
import time

import pytest

from mia_defense.cli.report import main as report_main
from tests.report.fake_runs import make_run


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners")
def test_old_named_temp_folders_over_an_hour_old_are_removed(tmp_path):
    run, out = tmp_path / "run", tmp_path / "out"
    make_run(run, test_accuracy=0.9, signal=1.0)
    assert report_main([str(run), "--out", str(out), "--no-charts", "--no-tensorboard"]) == 0
    two_hours_ago = time.time() - 7200
    stale = out / ".mia-report-abcd_123"
    kept = {
        "fresh": out / ".mia-report-efgh_456",
        "foreign file": out / ".mia-report-ijkl_789",
        "longer name": out / ".mia-report-mnop_0123",
    }
    for folder in (stale, *kept.values()):
        folder.mkdir()
        (folder / ("notes.txt" if folder == kept["foreign file"] else "runs.csv")).write_text("r")
        if folder != kept["fresh"]:
            os.utime(folder, (two_hours_ago, two_hours_ago))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "runs.csv").write_text("keep me")
    link = out / ".mia-report-link_000"
    link.symlink_to(elsewhere, target_is_directory=True)
    os.utime(link, (two_hours_ago, two_hours_ago), follow_symlinks=False)
    assert report_main([str(run), "--out", str(out), "--no-charts", "--no-tensorboard"]) == 0
    assert not stale.exists()
    for why, folder in kept.items():
        assert folder.is_dir(), why
    assert link.is_symlink() and (elsewhere / "runs.csv").read_text() == "keep me"

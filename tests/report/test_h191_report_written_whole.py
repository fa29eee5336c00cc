"""A report written again into its folder replaces the earlier one as a whole: a rerun
interrupted (Ctrl-C while drawing the charts, most of a report's time) or failing part way
leaves the earlier report's files as they were, never new tables beside the earlier charts
and summary.

Measured: a report of a sweep of no defense and DP, the DP run then deleted and the report
run again, stopped while drawing tradeoff_tpr.png: tradeoff.csv, tradeoff.md, runs.csv and
not_ranked.csv had no DP row, while README.md (the summary, its front) and the charts still
showed it, and nothing said the report was half written.
"""

from __future__ import annotations

import shutil

import pytest

import mia_defense.report.build as build
from mia_defense.errors import DataError
from mia_defense.report import write_report
from tests.report.fake_runs import two_run_sweep


def _files(out):
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def _rerun_stopped_at(tmp_path, monkeypatch, stop):
    root = two_run_sweep(tmp_path / "sweep")
    out = tmp_path / "out"
    write_report([root], out_dir=out, tensorboard=False)
    earlier = _files(out)
    shutil.rmtree(root / "b")  # the DP run
    monkeypatch.setattr(build, "save_figure", stop)
    return root, out, earlier


def test_a_rerun_stopped_while_drawing_leaves_the_earlier_report_whole(tmp_path, monkeypatch):
    def interrupted(fig, path):
        raise KeyboardInterrupt

    root, out, earlier = _rerun_stopped_at(tmp_path, monkeypatch, interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report([root], out_dir=out, tensorboard=False)
    assert _files(out) == earlier
    assert not list(out.glob(".mia-report-*"))  # no temporary folder left


def test_a_rerun_that_fails_part_way_leaves_the_earlier_report_whole(tmp_path, monkeypatch):
    def full_disk(fig, path):
        raise OSError(27, "File too large")

    root, out, earlier = _rerun_stopped_at(tmp_path, monkeypatch, full_disk)
    with pytest.raises(DataError, match=r"tradeoff_tpr\.png: cannot write the report"):
        write_report([root], out_dir=out, tensorboard=False)
    assert _files(out) == earlier
    assert not list(out.glob(".mia-report-*"))


def test_a_whole_rerun_replaces_every_file(tmp_path):
    root = two_run_sweep(tmp_path / "sweep")
    out = tmp_path / "out"
    write_report([root], out_dir=out, tensorboard=False)
    earlier = _files(out)
    shutil.rmtree(root / "b")
    write_report([root], out_dir=out, tensorboard=False)
    now = _files(out)
    assert set(now) == set(earlier)
    changed = {name for name in now if now[name] != earlier[name]}
    assert {"tradeoff.csv", "runs.csv", "README.md", "tradeoff_tpr.png"} <= changed
    assert b"dp" not in now["tradeoff.csv"]
    assert not list(out.glob(".mia-report-*"))

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
from tests.helpers import built_once
from tests.report.fake_runs import two_run_sweep


def _files(out):
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def _first_report(folder):
    write_report([two_run_sweep(folder / "sweep")], out_dir=folder / "out", tensorboard=False)
    return folder


@pytest.fixture(scope="module")
def first_report(tmp_path_factory):
    """A sweep of no defense and DP (``sweep``) and its whole report (``out``), written once
    (charts included: most of a report's time), for each test to copy."""
    return built_once(tmp_path_factory, "h191_first_report", _first_report)


@pytest.fixture
def reported(first_report, tmp_path):
    """A copy of `first_report`'s sweep and report in ``tmp_path``, the sweep's folder named
    as the report of the copy names it (its mark, README.md: as a report written there), the
    sweep's DP run then deleted. The sweep root, the report folder and its files."""
    root = shutil.copytree(first_report / "sweep", tmp_path / "sweep")
    out = shutil.copytree(first_report / "out", tmp_path / "out")
    there, here = str(first_report / "sweep").encode(), str(root).encode()
    for path in out.iterdir():
        if path.is_file() and there in path.read_bytes():
            path.write_bytes(path.read_bytes().replace(there, here))
    shutil.rmtree(root / "b")  # the DP run
    return root, out, _files(out)


def _rerun_stopped_at(reported, monkeypatch, stop):
    monkeypatch.setattr(build, "save_figure", stop)
    return reported


def test_a_rerun_stopped_while_drawing_leaves_the_earlier_report_whole(reported, monkeypatch):
    def interrupted(fig, path):
        raise KeyboardInterrupt

    root, out, earlier = _rerun_stopped_at(reported, monkeypatch, interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report([root], out_dir=out, tensorboard=False)
    assert _files(out) == earlier
    assert not list(out.glob(".mia-report-*"))  # no temporary folder left


def test_a_rerun_that_fails_part_way_leaves_the_earlier_report_whole(reported, monkeypatch):
    def full_disk(fig, path):
        raise OSError(27, "File too large")

    root, out, earlier = _rerun_stopped_at(reported, monkeypatch, full_disk)
    with pytest.raises(DataError, match=r"tradeoff_tpr\.png: cannot write the report"):
        write_report([root], out_dir=out, tensorboard=False)
    assert _files(out) == earlier
    assert not list(out.glob(".mia-report-*"))


def test_a_whole_rerun_replaces_every_file(reported):
    root, out, earlier = reported
    write_report([root], out_dir=out, tensorboard=False)
    now = _files(out)
    assert set(now) == set(earlier)
    changed = {name for name in now if now[name] != earlier[name]}
    assert {"tradeoff.csv", "runs.csv", "README.md", "tradeoff_tpr.png"} <= changed
    assert b"dp" not in now["tradeoff.csv"]
    assert not list(out.glob(".mia-report-*"))

"""A results.json whose config.attack.bootstrap was edited to no count of resamples (-1,
2.5, "50", true, [50]) lost the caveat of its real count: a mia-train run of
attack.bootstrap=50, so edited, was ranked by mia-report with 'TPR@0.1%FPR 0.0100 [0.0033,
0.0200]  AUC 0.572 [0.541, 0.591]', intervals of 50 resamples shown as 95% ones, where the
unedited run's are left out of its row ('attack.bootstrap=50 resamples leave 1.25 in each
2.5% tail ...'). Such a count tells nothing of the resamples: the intervals are left out
and the caveat names the key; a count (or none recorded) reads as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


def _rows(root: Path, out: Path):
    report = write_report([root], out_dir=out, charts=False, tensorboard=False)
    return {g.runs[0].name: g for g in report.groups}, dict(report.caveats)


@pytest.mark.parametrize("count", [-1, 2.5, "50", True, [50]])
def test_a_count_that_is_none_leaves_the_intervals_out(tmp_path, count):
    root = tmp_path / "sweep"
    make_run(root / "edited", test_accuracy=0.9, signal=1.0, config={"attack.bootstrap": 50})
    rewrite_results(root / "edited",
                    lambda p: p["config"]["attack"].update(bootstrap=count))  # fmt: skip
    make_run(root / "full", test_accuracy=0.8, signal=1.0, seed=1,
             config={"attack.bootstrap": 200})  # fmt: skip
    rows, notes = _rows(root, tmp_path / "out")
    edited, full = rows["edited"], rows["full"]
    assert np.isnan(edited.leak_tpr.low) and np.isnan(edited.leak_auc.high)
    assert all(np.isnan(e.low) for k, e in edited.metrics.items() if "." in k)
    assert not np.isnan(full.leak_tpr.low)
    assert (f"config.attack.bootstrap is {count!r}, not a number of resamples (the file was "
            "edited), so nothing tells how many its intervals rest on; rerun it") in notes["edited"]
    assert "full" not in notes


def test_a_count_of_enough_resamples_still_shows_them(tmp_path):
    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0,
             config={"attack.bootstrap": 1000})  # fmt: skip
    rows, notes = _rows(tmp_path / "sweep", tmp_path / "out")
    assert not np.isnan(rows["a"].leak_tpr.low) and "a" not in notes

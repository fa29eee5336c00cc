"""A results.json whose config.attack.confidence was edited to no number ('0.5', true, [])
was read as the report's 95%: a mia-train run of attack.confidence=0.5 so edited had its
50% intervals shown in mia-report's row as 95% ones, with no caveat, where a level of 0.5
leaves them out ('its attacks' intervals are at attack.confidence=0.5, not the 95% the
report shows ...'). Such a level is no 95% either: the intervals are left out and the
caveat shows the value as written; 0.95, or none recorded, reads as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


def _rows(root: Path, out: Path):
    report = write_report([root], out_dir=out, charts=False, tensorboard=False)
    return {g.runs[0].name: g for g in report.groups}, dict(report.caveats)


@pytest.mark.parametrize(("level", "shown"), [("0.5", "'0.5'"), (True, "True"), ([], "[]")])
def test_a_level_that_is_no_number_leaves_the_intervals_out(tmp_path, level, shown):
    root = tmp_path / "sweep"
    make_run(root / "edited", test_accuracy=0.9, signal=1.0,
             config={"attack.bootstrap": 1000, "attack.confidence": 0.5})  # fmt: skip
    rewrite_results(root / "edited",
                    lambda p: p["config"]["attack"].update(confidence=level))  # fmt: skip
    make_run(root / "kept", test_accuracy=0.8, signal=1.0, seed=1,
             config={"attack.bootstrap": 1000})  # fmt: skip
    rows, notes = _rows(root, tmp_path / "out")
    assert np.isnan(rows["edited"].leak_tpr.low) and np.isnan(rows["edited"].leak_auc.high)
    assert not np.isnan(rows["kept"].leak_tpr.low)
    assert (f"its attacks' intervals are at attack.confidence={shown}, not the 95% the "
            "report shows: left out of its row") in notes["edited"]
    assert "kept" not in notes


def test_a_level_of_half_is_said_as_before(tmp_path):
    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0,
             config={"attack.bootstrap": 1000, "attack.confidence": 0.5})  # fmt: skip
    _, notes = _rows(tmp_path / "sweep", tmp_path / "out")
    assert "its attacks' intervals are at attack.confidence=0.5, not the 95%" in notes["a"]

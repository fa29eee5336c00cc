"""mia-report counts the bootstrap resamples a run's intervals rest on (helper 590).

results.json records ``attacks.<name>.ci_one_class_resamples``: resamples that drew members
or non-members only, which have no ROC and are left out of the intervals. mia-report read
attack.bootstrap=200 as enough for 95% intervals though 150 of them drew one kind (the
intervals rest on 50: a tail of 1.25), and ranked those intervals as 95% ones without a
word; a count edited to -1, 2.5 or more than the resamples drawn was read as well.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mia_defense.report import write_report
from mia_defense.report.checks import run_end_lines
from tests.report.fake_runs import make_run, rewrite_results


def _set_left_out(run_dir: Path, count: object, *, attack: str | None = None) -> dict:
    """Record ``count`` as the one-class resamples of ``attack`` (every attack: None)."""
    def change(payload: dict) -> None:
        for name, metrics in payload["attacks"].items():
            if attack is None or name == attack:
                metrics["ci_one_class_resamples"] = count
    return rewrite_results(run_dir, change)


def _report(root: Path, out: Path):
    return write_report([root], out_dir=out, charts=False, tensorboard=False)


def test_intervals_of_too_few_kept_resamples_are_flagged_and_left_out(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "thin", test_accuracy=0.9, signal=1.0, config={"attack.bootstrap": 200})
    make_run(root / "full", test_accuracy=0.8, signal=1.0, defense="dropout",
             config={"attack.bootstrap": 200})  # fmt: skip
    _set_left_out(root / "thin", 150)
    _set_left_out(root / "full", 0)
    report = _report(root, tmp_path / "out")
    rows = {g.runs[0].name: g for g in report.groups}
    notes = dict(report.caveats)
    thin, full = rows["thin"], rows["full"]
    assert np.isnan(thin.leak_tpr.low) and np.isnan(thin.leak_auc.high)
    assert not np.isnan(full.leak_tpr.low) and not np.isnan(full.leak_auc.low)
    assert "full" not in notes
    note = notes["thin"]
    assert "attacks loss, lira" in note
    assert "rest on 50 of the 200 resamples (attack.bootstrap)" in note
    assert "150 drew no member or no non-member" in note
    assert "fewer than the 200 a 95% percentile interval needs" in note


def test_the_attack_with_fewest_kept_is_named(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0, config={"attack.bootstrap": 300})
    _set_left_out(root / "a", 20)
    _set_left_out(root / "a", 160, attack="lira")
    note = dict(_report(root, tmp_path / "out").caveats)["a"]
    assert "attacks lira rest on 140 of the 300 resamples" in note


@pytest.mark.parametrize(("drawn", "left_out"), [(300, 100), (200, 0), (0, 0)])
def test_enough_kept_resamples_or_none_drawn_get_no_caveat(tmp_path, drawn, left_out):
    # (300 - 100: 200 kept, 5 a tail; 0 drawn: no intervals, mia-train records 0 left out)
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0, config={"attack.bootstrap": drawn})
    _set_left_out(root / "a", left_out)
    report = _report(root, tmp_path / "out")
    assert "resamples" not in dict(report.caveats).get("a", "")
    assert np.isnan(report.groups[0].leak_tpr.low) == (drawn == 0)


def test_the_run_end_lines_leave_it_to_the_table(tmp_path):
    # (the run's own table says it as FEW RESAMPLES since h597: test_h597_table_kept_resamples)
    make_run(tmp_path / "a", test_accuracy=0.9, signal=1.0, config={"attack.bootstrap": 200})
    payload = _set_left_out(tmp_path / "a", 150)
    assert not any("rest on 50 of the 200" in line for line in run_end_lines(payload))


@pytest.mark.parametrize(("value", "shown"), [
    (-1, "a number -1"), (2.5, "a number 2.5"), ("3", "a string '3'"),
    (True, "a boolean True"), (201, "a number 201"),
])  # fmt: skip
def test_an_edited_count_is_refused(tmp_path, value, shown):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0, config={"attack.bootstrap": 200})
    make_run(root / "b", test_accuracy=0.8, signal=1.0, seed=1, config={"attack.bootstrap": 200})
    _set_left_out(root / "b", value, attack="lira")
    report = _report(root, tmp_path / "out")
    assert [s.name for s in report.summaries] == ["a"]
    (reason,) = [why for path, why in report.skipped if path.name == "b"]
    assert reason.startswith(f"attacks.lira.ci_one_class_resamples is {shown}, not an integer "
                             ">= 0 and <= config.attack.bootstrap (200)")
    assert reason.endswith("the file was edited; rerun the run")

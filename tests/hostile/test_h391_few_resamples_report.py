"""mia-report showed the intervals of a run of too few bootstrap resamples as 95% ones
(helper 391): mia-train attack.bootstrap=1 plan.num_models=16 train.epochs=1, then mia-report
on it, ranked it 'TPR@0.1%FPR 0.0015 [0.0014, 0.0014]  AUC 0.521 [0.511, 0.511]' (an
interval that does not hold its own figure) without a caveat; only the run's own table said
FEW RESAMPLES. Its intervals are now left out of its row, as another level's are, and a
caveat says why (`few_resamples_note`, the run's own words)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mia_defense.report import write_report
from tests.report.fake_runs import make_run


def _rows(root: Path, out: Path):
    report = write_report([root], out_dir=out, charts=False, tensorboard=False)
    return {g.runs[0].name: g for g in report.groups}, dict(report.caveats)


@pytest.mark.parametrize("count", [1, 2, 199])
def test_intervals_of_too_few_resamples_are_never_shown_as_95_percent(tmp_path, count):
    root = tmp_path / "sweep"
    make_run(root / "thin", test_accuracy=0.9, signal=1.0, config={"attack.bootstrap": count})
    make_run(root / "full", test_accuracy=0.8, signal=1.0, seed=1,
             config={"attack.bootstrap": 200})  # fmt: skip
    rows, notes = _rows(root, tmp_path / "out")
    thin, full = rows["thin"], rows["full"]
    assert np.isnan(thin.leak_tpr.low) and np.isnan(thin.leak_auc.high)
    assert all(np.isnan(e.low) for k, e in thin.metrics.items() if "." in k)  # each attack's
    assert not np.isnan(thin.test_accuracy.low)  # the report's own t interval stays
    assert not np.isnan(full.leak_tpr.low) and not np.isnan(full.leak_auc.low)
    assert f"attack.bootstrap={count} resamples" in notes["thin"]
    assert "use attack.bootstrap=200 or more for 95% intervals" in notes["thin"]
    assert "full" not in notes


@pytest.mark.parametrize("config", [{"attack.bootstrap": 0}, {}])
def test_no_intervals_or_an_unrecorded_count_get_no_caveat(tmp_path, config):
    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0, config=config)
    _, notes = _rows(tmp_path / "sweep", tmp_path / "out")
    assert not any("resamples" in note for note in notes.get("a", "").split(";"))


def test_another_level_is_said_once(tmp_path):
    # (attack.confidence=0.5 with 20 resamples: the level's caveat, not a second one)
    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0,
             config={"attack.bootstrap": 20, "attack.confidence": 0.5})  # fmt: skip
    _, notes = _rows(tmp_path / "sweep", tmp_path / "out")
    assert "attack.confidence=0.5" in notes["a"] and "resamples" not in notes["a"]

"""DP and non-DP rows on one tradeoff chart: which point is which ε.

Measured (mia-report of a sweep of no defense, weight_decay and DP at ε = 1 and 8): both DP
rows were blue circles labelled "dp" in the legend, and which was ε = 1 could be read only off
the report's table.
"""

from __future__ import annotations

import math

from mia_defense.report.charts import tradeoff_figure
from mia_defense.report.groups import RunGroup
from mia_defense.report.stats import Estimate
from mia_defense.report.table import LEAK_TPR


def _row(family: str, acc: float, tpr: float, epsilon: float | None = None,
         valid: bool = True) -> RunGroup:  # fmt: skip
    metrics = {"test_accuracy": Estimate(acc), LEAK_TPR: Estimate(tpr), "max_auc": Estimate(0.6)}
    return RunGroup(name=f"{family} {epsilon}", label=family, dataset="digits", model="MLP",
                    runs=(), family=family, defense=family, release="full", metrics=metrics,
                    epsilon=epsilon, epsilon_valid=valid)  # fmt: skip


def _notes(groups: list[RunGroup]) -> dict[tuple[float, float], str]:
    fig = tradeoff_figure(groups, fronts={("digits", "MLP"): [0, 1]})
    return {t.xy: t.get_text() for t in fig.axes[0].texts if "ε" in t.get_text()}


def test_each_dp_row_says_its_epsilon():
    groups = [_row("dp", 0.70, 0.01, 1.0), _row("dp", 0.80, 0.04, 8.0),
              _row("weight_decay", 0.85, 0.07), _row("no defense", 0.90, 0.21),
              _row("dp", 0.6, 0.3, math.inf), _row("dp", 0.5, 0.3, 2.5, valid=False)]  # fmt: skip
    assert _notes(groups) == {
        (0.01, 0.70): "ε=1", (0.04, 0.80): "ε=8", (0.3, 0.6): "ε=∞",
        (0.3, 0.5): "ε=2.5 (no guarantee)",
    }  # fmt: skip


def test_rows_without_dp_get_no_epsilon():
    groups = [_row("weight_decay", 0.85, 0.07), _row("no defense", 0.90, 0.21)]
    assert _notes(groups) == {}


def test_a_crowded_panel_says_the_epsilon_of_its_front_only():
    from mia_defense.report.charts import _BARS_MAX

    groups = [_row("dp", 0.5 + i / 200, i / 100, float(i + 1)) for i in range(_BARS_MAX + 20)]
    fig = tradeoff_figure(groups, fronts={("digits", "MLP"): [0, 5]})
    notes = sorted(t.get_text() for t in fig.axes[0].texts if "ε" in t.get_text())
    assert notes == ["ε=1", "ε=6"]  # 60 notes over one another otherwise

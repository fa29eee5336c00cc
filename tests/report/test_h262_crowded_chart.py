"""A tradeoff chart of many rows: the front is to be found.

Measured (mia-report of 300 fake runs of a learning-rate sweep, no defense: one panel of 300
black stars): every row's error bars were drawn, 600 bars over one another, under which the
front (black, as the undefended rows' stars and bars) and its numbers could not be found.
Above `_BARS_MAX` rows in a panel only the front's rows get bars; the caption says so.
"""

from __future__ import annotations

from mia_defense.report.charts import _BARS_MAX, tradeoff_figure
from mia_defense.report.groups import RunGroup
from mia_defense.report.stats import Estimate
from mia_defense.report.table import BASELINE, LEAK_TPR


def _row(i: int) -> RunGroup:
    metrics = {
        "test_accuracy": Estimate(0.5 + i / 200, 0.45 + i / 200, 0.55 + i / 200),
        LEAK_TPR: Estimate(i / 100, max(0.0, i / 100 - 0.05), i / 100 + 0.05),
        "max_auc": Estimate(0.6, 0.55, 0.65),
    }
    return RunGroup(name=f"train.lr={i}", label=f"train.lr={i}", dataset="digits", model="MLP",
                    runs=(), family=BASELINE, defense="none", release="full",
                    metrics=metrics)  # fmt: skip


def _barred_points(fig) -> int:
    """How many points of the chart's panel carry an x error bar."""
    ax = fig.axes[0]
    return sum(
        len(c.lines[2][0].get_segments()) for c in ax.containers if c.has_xerr and c.lines[2]
    )


def test_a_crowded_panel_bars_only_its_front():
    groups = [_row(i) for i in range(_BARS_MAX + 20)]
    front = [0, 5, 9]
    fig = tradeoff_figure(groups, fronts={("digits", "MLP"): front})
    assert _barred_points(fig) == len(front)
    drawn = sum(len(c.lines[0].get_xdata()) for c in fig.axes[0].containers)
    assert drawn == len(groups)  # every row still drawn
    assert f"Over {_BARS_MAX} rows in a panel: error bars on the front's rows only" in (
        fig.texts[-1].get_text()
    )
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels.count(BASELINE) == 1  # one legend entry for the family


def test_a_panel_of_few_rows_keeps_every_bar():
    groups = [_row(i) for i in range(_BARS_MAX)]
    fig = tradeoff_figure(groups, fronts={("digits", "MLP"): [0, 5]})
    assert _barred_points(fig) == len(groups)
    assert "error bars on the front's rows only" not in fig.texts[-1].get_text()

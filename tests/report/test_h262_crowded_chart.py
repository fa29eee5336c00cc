"""A tradeoff chart of many rows: the front is to be found.

Measured (mia-report of 300 fake runs of a learning-rate sweep, no defense: one panel of 300
black stars): every row's error bars were drawn, 600 bars over one another, under which the
front (black, as the undefended rows' stars and bars) and its numbers could not be found.
Above `_BARS_MAX` rows in a panel only the front's rows get bars; the caption says so.
"""

from __future__ import annotations

import itertools

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


# The same sweep's front: 21 rows, 6 of them within 5% of the TPR axis and of the accuracy
# axis, drew "3", "4", ... "8" over one another, none of them readable.
def _labels(fig) -> list[tuple[str, tuple[float, float]]]:
    return [(t.get_text(), t.xy) for t in fig.axes[0].texts if t.get_text()[:1].isdigit()]


def test_a_crowded_front_shares_labels_apart_and_says_so():
    groups = [_row(i) for i in range(30)]  # along a line: 2.5% of each axis apart
    fig = tradeoff_figure(groups, fronts={("digits", "MLP"): list(range(30))})
    labels = _labels(fig)
    assert 2 <= len(labels) < 30
    assert labels[0] == ("1, 2", (0.0, 0.5))  # the first two share one, at the first
    numbered = []
    for text, _ in labels:  # every row of the front still numbered, in order
        first, _, last = text.replace(", ", "–").partition("–")
        numbered += range(int(first), int(last or first) + 1)
    assert numbered == list(range(1, 31))
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for (_, (xa, ya)), (_, (xb, yb)) in itertools.pairwise(labels):
        assert abs(xb - xa) >= 0.04 * (x1 - x0) or abs(yb - ya) >= 0.04 * (y1 - y0)
    assert "Where a front's points crowd, one label numbers several of them" in (
        fig.texts[-1].get_text()
    )


def test_a_front_of_points_apart_numbers_every_row_apart():
    groups = [_row(i * 10) for i in range(5)]
    fig = tradeoff_figure(groups, fronts={("digits", "MLP"): list(range(5))})
    assert [text for text, _ in _labels(fig)] == ["1", "2", "3", "4", "5"]
    assert "one label numbers several" not in fig.texts[-1].get_text()

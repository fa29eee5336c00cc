"""A tradeoff chart's legend is drawn over no point of its panel.

Measured (mia-report of 1,000 fake runs, five defense families, accuracies 0.5-0.95 and TPRs
0-0.67 spread over the panel): the legend (six entries, placed by matplotlib's "best") sat
in the upper right corner over dozens of points, the front's fifth row, its circle and its
number among them: a front of five rows read as one of four.
"""

from __future__ import annotations

import itertools

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from mia_defense.report.charts import _marker_points, tradeoff_figure
from mia_defense.report.groups import RunGroup
from mia_defense.report.stats import Estimate
from mia_defense.report.table import LEAK_TPR

_FAMILIES = ("dp", "dropout", "mixup", "relaxloss", "weight_decay")


def _row(i: int, accuracy: float, tpr: float) -> RunGroup:
    family = _FAMILIES[i % len(_FAMILIES)]
    metrics = {"test_accuracy": Estimate(accuracy), LEAK_TPR: Estimate(tpr),
               "max_auc": Estimate(0.6)}  # fmt: skip
    return RunGroup(name=f"r{i}", label=f"r{i}", dataset="digits", model="MLP", runs=(),
                    family=family, defense=family, release="full", metrics=metrics)  # fmt: skip


def _covered(fig) -> int:
    """How many of the panel's points lie under its legend, as drawn."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    box = ax.get_legend().get_window_extent(renderer)
    points = _marker_points(ax)
    inside = ((box.x0 <= points[:, 0]) & (points[:, 0] <= box.x1)
              & (box.y0 <= points[:, 1]) & (points[:, 1] <= box.y1))  # fmt: skip
    return int(np.count_nonzero(inside))


def test_a_panel_full_of_points_has_its_legend_beside_it():
    grid = itertools.product(np.linspace(0.5, 0.95, 8), np.linspace(0.0, 0.67, 8))
    groups = [_row(i, a, t) for i, (a, t) in enumerate(grid)]
    # the front: the most accurate row of each TPR, the top right one the most leaking
    front = sorted((i for i, g in enumerate(groups) if g.test_accuracy.value == 0.95),
                   key=lambda i: groups[i].leak_tpr.value)  # fmt: skip
    fig = tradeoff_figure(groups, fronts={("digits", "MLP"): front})
    assert _covered(fig) == 0


def test_a_panel_of_a_few_points_keeps_its_legend_inside():
    groups = [_row(0, 0.9, 0.3), _row(1, 0.8, 0.1), _row(2, 0.7, 0.01)]
    fig = tradeoff_figure(groups, fronts={("digits", "MLP"): [2, 1, 0]})
    assert _covered(fig) == 0
    legend, ax = fig.axes[0].get_legend(), fig.axes[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    assert ax.bbox.contains(*legend.get_window_extent(renderer).p0)  # (inside, where it fits)

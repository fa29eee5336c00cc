"""The tradeoff chart's labels of near points are drawn apart.

Measured (h277, mia-report of a DP sweep of target ε 2 to 256 beside six other defenses,
digits, K=4): rows a few hundredths apart had their ``ε=`` notes under the next row's
marker and over one another, and a front's numbers over the neighbouring circles; each
label sat at one offset from its point whatever was there.
"""

from __future__ import annotations

import itertools

from matplotlib.backends.backend_agg import FigureCanvasAgg

from mia_defense.report.charts import tradeoff_figure
from mia_defense.report.groups import RunGroup
from mia_defense.report.stats import Estimate
from mia_defense.report.table import BASELINE, LEAK_TPR


def _row(i: int, x: float, y: float, family: str = "dp") -> RunGroup:
    metrics = {"test_accuracy": Estimate(y, y - 0.02, y + 0.02),
               LEAK_TPR: Estimate(x, x - 0.0005, x + 0.0005),
               "max_auc": Estimate(0.55, 0.54, 0.56)}  # fmt: skip
    return RunGroup(name=f"r{i}", label=f"r{i}", dataset="digits", model="MLP", runs=(),
                    family=family, defense="none" if family == BASELINE else family,
                    release="full", metrics=metrics,
                    epsilon=2.0**i if family == "dp" else None)  # fmt: skip


def test_near_points_labels_overlap_nothing():
    # DP rows 1.5% of the TPR axis and 1.5% of the accuracy axis apart, the first six on
    # the front (numbered and noted), then two of equal accuracy beside the baseline
    rows = [_row(i, 0.002 + 0.00005 * i, 0.80 + 0.01 * i) for i in range(6)]
    rows += [_row(6, 0.0031, 0.85), _row(7, 0.0033, 0.85), _row(8, 0.004, 0.86, BASELINE)]
    fig = tradeoff_figure(rows, fronts={("digits", "MLP"): list(range(6))})
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)  # (the boxes of the labels where they are drawn)
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_text()]
    assert len(labels) == 6 + 8  # the front's numbers and every DP row's ε
    boxes = [(t.get_bbox_patch() or t).get_window_extent(renderer) for t in labels]
    for (a, box_a), (b, box_b) in itertools.combinations(zip(labels, boxes, strict=True), 2):
        assert not box_a.overlaps(box_b), (a.get_text(), b.get_text())
    panel = ax.get_window_extent(renderer)
    markers = ax.transData.transform([(g.metrics[LEAK_TPR].value, g.test_accuracy.value)
                                      for g in rows])  # fmt: skip
    for label, box in zip(labels, boxes, strict=True):
        assert panel.x0 <= box.x0 and box.x1 <= panel.x1 and panel.y0 <= box.y0 <= box.y1
        assert not any(box.contains(*point) for point in markers), label.get_text()

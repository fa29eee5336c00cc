"""The tradeoff chart's caption fits its figure: every line within the right edge, all of
it below the panels' axis labels.

Measured (study 1's recorded tradeoff_auc.png, 2026-12-04): the AUC chart's third caption
line, "Front and numbers here by the highest AUC; ... one number can be another row there.",
ran past the image's right edge and was cut after "another r".
"""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from mia_defense.report import pareto_front
from mia_defense.report.charts import tradeoff_figure
from mia_defense.report.groups import RunGroup
from mia_defense.report.stats import Estimate
from mia_defense.report.table import LEAK_TPR

# (family, test accuracy, TPR at 0.1% FPR, highest AUC)
ROWS = [
    ("dp", 0.343, 0.0025, 0.521),
    ("dropout", 0.790, 0.0045, 0.558),
    ("label_smoothing", 0.852, 0.0050, 0.554),
    ("no defense", 0.854, 0.0055, 0.5543),
]


def _groups() -> list[RunGroup]:
    return [
        RunGroup(name=family, label=family, dataset="digits", model="MLP", runs=(),
                 family=family, defense=family, release="full",
                 metrics={"test_accuracy": Estimate(acc), LEAK_TPR: Estimate(tpr),
                          "max_auc": Estimate(auc)})
        for family, acc, tpr, auc in ROWS
    ]  # fmt: skip


@pytest.mark.parametrize("leakage", ["leak_tpr", "leak_auc"])
@pytest.mark.parametrize("careful", [False, True])
def test_the_caption_stays_inside_the_figure_and_below_the_panels(leakage, careful):
    groups = _groups()
    x = {"leak_tpr": LEAK_TPR, "leak_auc": "max_auc"}[leakage]
    front = pareto_front([g.test_accuracy.value for g in groups],
                         [g.metrics[x].value for g in groups])  # fmt: skip
    fig = tradeoff_figure(groups, leakage=leakage, fronts={("digits", "MLP"): front},
                          careful=set(front) if careful else ())  # fmt: skip
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    caption = fig.texts[-1]
    box = caption.get_window_extent(renderer)
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width, (box, fig.bbox.width)
    assert box.y0 >= 0
    panels = min(ax.get_tightbbox(renderer).y0 for ax in fig.axes)
    assert box.y1 <= panels, (box.y1, panels)
    # the caption's sentences stay whole in its text (wrapped only where it is drawn)
    if leakage == "leak_auc":
        assert "one number can be another row there." in caption.get_text()

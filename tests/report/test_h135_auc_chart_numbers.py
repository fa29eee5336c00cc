"""The AUC chart's front is by AUC and numbered along it: its caption says those numbers are
not the report's list's (by TPR at 0.1% FPR).

Measured (mia-report of a digits sweep, defense=none,dropout,label_smoothing,dp, K=4, 3
epochs): the report listed the front as 1 dp, 2 dropout, 3 label_smoothing, 4 none; the AUC
chart numbered its own front 1 dp, 2 label_smoothing, 3 none, nothing saying that its "2" was
another row than the list's "2.".
"""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from mia_defense.report import pareto_front
from mia_defense.report.charts import tradeoff_figure
from mia_defense.report.groups import RunGroup
from mia_defense.report.stats import Estimate
from mia_defense.report.table import LEAK_TPR

# (family, test accuracy, TPR at 0.1% FPR, highest AUC), the sweep's rows (rounded)
ROWS = [
    ("dp", 0.343, 0.0025, 0.521),
    ("dropout", 0.790, 0.0045, 0.558),
    ("label_smoothing", 0.852, 0.0050, 0.554),
    ("no defense", 0.854, 0.0055, 0.5543),
]


def _groups() -> list[RunGroup]:
    groups = []
    for family, acc, tpr, auc in ROWS:
        metrics = {
            "test_accuracy": Estimate(acc),
            LEAK_TPR: Estimate(tpr),
            "max_auc": Estimate(auc),
        }
        groups.append(
            RunGroup(
                name=family,
                label=family,
                dataset="digits",
                model="MLP",
                runs=(),
                family=family,
                defense=family,
                release="full",
                metrics=metrics,
            )
        )
    return groups


def _numbers_and_caption(leakage: str) -> tuple[dict[str, str], str]:
    groups = _groups()
    x = {"leak_tpr": LEAK_TPR, "leak_auc": "max_auc"}[leakage]
    front = pareto_front([g.test_accuracy.value for g in groups],
                         [g.metrics[x].value for g in groups])  # fmt: skip
    fig = tradeoff_figure(groups, leakage=leakage, fronts={("digits", "MLP"): front})
    ax = fig.axes[0]
    where = {(g.metrics[x].value, g.test_accuracy.value): g.family for g in groups}
    numbers = {where[t.xy]: t.get_text() for t in ax.texts if t.get_text()[:1].isdigit()}
    return numbers, "\n".join(t.get_text() for t in fig.texts)


def test_the_auc_chart_says_its_front_numbers_are_its_own():
    numbers, caption = _numbers_and_caption("leak_tpr")
    assert numbers == {"dp": "1", "dropout": "2", "label_smoothing": "3", "no defense": "4"}
    assert "one number can be another row" not in caption
    numbers, caption = _numbers_and_caption("leak_auc")
    # (label_smoothing and none 0.0003 apart in AUC: their numbers share a label, h262)
    assert numbers == {"dp": "1", "label_smoothing": "2, 3"}
    assert (
        "Front and numbers here by the highest AUC; the report's list of the front and "
        "tradeoff_tpr.png go by TPR at 0.1% FPR: one number can be another row there."
    ) in caption


# Study 1's recorded tradeoff_auc.png (2026-12-04) cut the caption's third line, "Front and
# numbers here by the highest AUC; ... one number can be another row there.", at the image's
# right edge after "another r".
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
    fig.draw_without_rendering()  # the layout, not the pixels: the same extents
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

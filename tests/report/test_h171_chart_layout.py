"""The tradeoff charts of a sweep as a user reads them: nothing drawn over another thing.

Measured (mia-report of `mia-train -m +experiment=tradeoff_all plan.num_models=4
train.epochs=10`: 30 rows, one family each): the legend beside tradeoff_tpr.png's panel
(32 entries) ran down past the panel over the caption, hiding the end of its lines
("several runs: Student's t over the runs").
"""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from mia_defense.report.charts import tradeoff_figure
from mia_defense.report.groups import RunGroup
from mia_defense.report.stats import Estimate
from mia_defense.report.table import LEAK_TPR

DEFENSES = ["none", "dp", "weight_decay", "dropout", "label_smoothing", "early_stopping",
            "mixup", "advreg", "relaxloss", "distillation"]  # fmt: skip
RELEASES = ["full", "topk", "label_only"]


def _group(defense: str, release: str, i: int, dataset: str = "digits") -> RunGroup:
    family = defense if release == "full" else f"{defense} + {release} release"
    metrics = {
        "test_accuracy": Estimate(0.9 + i / 1000, 0.88, 0.95),
        LEAK_TPR: Estimate(0.0005 * i, 0.0, 0.001 * i + 0.002),
        "max_auc": Estimate(0.53 + i / 500, 0.52, 0.6),
    }
    return RunGroup(name=f"{dataset} {family}", label=family, dataset=dataset, model="MLP",
                    runs=(), family=family, defense=defense, release=release,
                    metrics=metrics)  # fmt: skip


def _sweep(datasets: tuple[str, ...] = ("digits",)) -> list[RunGroup]:
    pairs = [(d, r) for d in DEFENSES for r in RELEASES]
    return [_group(d, r, i, ds) for ds in datasets for i, (d, r) in enumerate(pairs)]


@pytest.mark.parametrize("leakage", ["leak_tpr", "leak_auc"])
@pytest.mark.parametrize("datasets", [("digits",), ("digits", "purchase")])
def test_a_long_legend_beside_the_panel_stays_above_the_caption(leakage, datasets):
    groups = _sweep(datasets)
    fronts = {(ds, "MLP"): [i for i, g in enumerate(groups) if g.dataset == ds][:2]
              for ds in datasets}  # fmt: skip
    fig = tradeoff_figure(groups, leakage=leakage, fronts=fronts, careful={0})
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    caption = fig.texts[-1].get_window_extent(renderer)
    for ax in fig.axes:
        legend = ax.get_legend()
        assert len(legend.get_texts()) == 32  # 30 families, the front, chance
        box = legend.get_window_extent(renderer)
        assert box.y0 > caption.y1, (box, caption)
        assert box.y1 <= fig.bbox.height and box.x1 <= fig.bbox.width, (box, fig.bbox)


def test_a_short_legend_keeps_the_panel_as_it_was():
    groups = [_group(d, "full", i) for i, d in enumerate(DEFENSES[:4])]
    fig = tradeoff_figure(groups, fronts={("digits", "MLP"): [0]})
    assert fig.get_size_inches()[1] < 6.0

"""The tradeoff charts of a sweep as a user reads them: nothing drawn over another thing.

Measured (mia-report of `mia-train -m +experiment=tradeoff_all plan.num_models=4
train.epochs=10`: 30 rows, one family each): the legend beside tradeoff_tpr.png's panel
(32 entries) ran down past the panel over the caption, hiding the end of its lines
("several runs: Student's t over the runs").
"""

from __future__ import annotations

import itertools

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from mia_defense.report.charts import tradeoff_figure
from mia_defense.report.groups import RunGroup
from mia_defense.report.stats import Estimate
from mia_defense.report.table import BASELINE, LEAK_TPR, defense_family

DEFENSES = ["none", "dp", "weight_decay", "dropout", "label_smoothing", "early_stopping",
            "mixup", "advreg", "relaxloss", "distillation"]  # fmt: skip
RELEASES = ["full", "topk", "label_only"]


def _group(defense: str, release: str, i: int, dataset: str = "digits") -> RunGroup:
    family = defense_family(defense, release)
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
    fig.draw_without_rendering()  # the layout, not the pixels: the same extents
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


# Measured (mia-report of mia-train -m release=full,temperature,rounding 'defense=[],[dropout]'
# seed=1,2): the attacks undo a temperature release (b2764c8), so its row had the undefended
# row's accuracy and TPR to the last digit; its marker sat under the black star, not to be
# seen, its family in the legend all the same. In tradeoff_all, the label-only rows (TPR 0)
# piled up at one spot.
def _row(family: str, acc: float, tpr: float, auc: float = 0.57) -> RunGroup:
    metrics = {"test_accuracy": Estimate(acc), LEAK_TPR: Estimate(tpr), "max_auc": Estimate(auc)}
    return RunGroup(name=family, label=family, dataset="digits", model="MLP", runs=(),
                    family=family, defense="none", release="full", metrics=metrics)  # fmt: skip


def _caption(groups: list[RunGroup], leakage: str = "leak_tpr") -> str:
    return tradeoff_figure(groups, leakage=leakage).texts[-1].get_text()


def test_a_row_under_another_is_named_in_the_caption():
    rows = [
        _row("no defense", 0.9429, 0.0045, 0.5734705),
        _row("temperature release", 0.9429, 0.0045, 0.5734715),  # the AUC 1e-6 apart
        _row("rounding release", 0.9429, 0.00375, 0.58),
        _row("dropout", 0.920, 0.0035, 0.55),
    ]
    for leakage in ("leak_tpr", "leak_auc"):
        caption = _caption(rows, leakage)
        assert "Drawn over one another (at or near one point): no defense and temperature " \
            "release (the report's table has their figures)." in caption  # fmt: skip
        assert "rounding" not in caption and "dropout" not in caption


def test_rows_of_one_family_at_one_point_are_counted():
    rows = [_row("dp", 0.7, 0.002), _row("dp", 0.7, 0.002), _row("dropout", 0.9, 0.004)]
    assert "Drawn over one another (at or near one point): dp ×2 (" in _caption(rows)


def test_rows_apart_get_no_such_line():
    rows = [_row("no defense", 0.94, 0.0045), _row("dropout", 0.92, 0.0035),
            _row("dp", 0.72, 0.002)]  # fmt: skip
    assert "Drawn over one another" not in _caption(rows)


def test_beyond_three_piles_the_rest_are_counted():
    rows = [_row(f"f{i}{j}", 0.5 + 0.1 * i, 0.001 * i) for i in range(5) for j in range(2)]
    caption = _caption(rows)
    assert "f00 and f01; f10 and f11; f20 and f21; and 2 more such points" in caption
    assert "f30" not in caption


def test_a_pile_of_many_families_names_three():
    rows = [_row(f"family {i}", 0.9, 0.002) for i in range(6)] + [_row("dp", 0.5, 0.01)]
    assert "one point): family 0, family 1, family 2 and 3 more rows (" in _caption(rows)


# tradeoff_all's AUC chart: the front's "4*" sat beside point 4 and under the circle of the
# near point 5, drawn above it, so it could not be read.
def test_the_front_numbers_are_drawn_above_every_marker():
    rows = [_row("a", 0.944, 0.540), _row("b", 0.947, 0.545), _row("no defense", 0.94, 0.586)]
    fig = tradeoff_figure(rows, fronts={("digits", "MLP"): [0, 1]})
    ax = fig.axes[0]
    numbers = [t for t in ax.texts if t.get_text() in {"1", "2"}]
    assert len(numbers) == 2
    drawn = [*ax.collections, *ax.lines]
    for text in numbers:
        assert text.get_zorder() > max(a.get_zorder() for a in drawn)
        assert text.get_bbox_patch() is not None  # on a box, readable over a marker


# roc.png of the release sweep: its legend beside the axes (entries such as "#2
# defense=[dropout],release=rounding (seed 1) [modified_entropy_class] (AUC 0.549)") left
# the axes a strip 1.3 inches wide whose tick labels ran together ("0.01%0.1% 1% 10%100%").
@pytest.mark.parametrize("missing", [False, True])
def test_the_roc_chart_keeps_its_axes_wide_and_its_legend_in_view(tmp_path, missing):
    from mia_defense.report import write_report
    from mia_defense.report.charts import runs_roc_figure
    from tests.report.fake_runs import two_run_sweep

    root = two_run_sweep(tmp_path / "sweep")
    if missing:  # the note under the chart of a run without a curve
        (root / "b" / "scores.npz").unlink()
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    labels = [f"#{i} defense=[dropout],release=rounding (seed 1) [modified_entropy_class]"
              for i in (1, 2)]  # fmt: skip
    fig = runs_roc_figure(report.summaries, labels=labels)
    canvas = FigureCanvasAgg(fig)
    fig.draw_without_rendering()  # the layout, not the pixels: the same extents
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    axes, legend = ax.get_window_extent(renderer), ax.get_legend().get_window_extent(renderer)
    assert axes.width >= 0.6 * fig.bbox.width, (axes, fig.bbox)
    assert 0 <= legend.x0 and legend.x1 <= fig.bbox.width and legend.y0 >= 0, (legend, fig.bbox)
    ticks = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(ticks)), ticks
    assert legend.y1 < min(t.y0 for t in ticks)  # below the axes and their labels
    for text in fig.texts:  # the note under it stays clear of the legend
        assert text.get_window_extent(renderer).y1 <= legend.y0


# tradeoff_all's 30 families had a colour each from tab10 then Dark2, whose hues repeat
# tab10's (dp and dp + topk release both green, advreg + topk and mixup + topk both
# purple), and a star among the markers beside the baseline's; which points shared a
# defense could not be seen.
def _styles_of(groups: list[RunGroup]) -> dict[str, tuple[str, str]]:
    fig = tradeoff_figure(groups)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    styles = {}
    for handle, label in zip(handles, labels, strict=True):
        line = handle.lines[0] if hasattr(handle, "lines") else handle
        if hasattr(line, "get_marker") and label not in {"chance (attacker guessing: 0.001)"}:
            styles[label] = (line.get_marker(), line.get_color())
    return styles


def test_a_sweep_of_defenses_and_releases_gets_a_colour_per_defense_a_marker_per_release():
    groups = _sweep()
    styles = _styles_of(groups)
    assert styles[BASELINE] == ("*", "black")
    rest = {f: s for f, s in styles.items() if f != BASELINE}
    assert len(rest) == 29 and len(set(rest.values())) == 29
    by = {g.family: g for g in groups}
    for a, sa in rest.items():
        for b, sb in rest.items():
            assert (sa[1] == sb[1]) == (by[a].defense == by[b].defense), (a, b)
            assert (sa[0] == sb[0]) == (by[a].release == by[b].release), (a, b)
    assert "*" not in {marker for marker, _ in rest.values()}


def test_a_few_families_keep_a_colour_each():
    groups = [_group(d, "full", i) for i, d in enumerate(DEFENSES[1:6])]
    styles = _styles_of(groups)
    assert len({colour for _, colour in styles.values()}) == 5

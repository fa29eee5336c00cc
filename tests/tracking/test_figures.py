"""A run's figures and summary table: every ROC curve in its own colour and line style,
members and non-members in one histogram per attack, the final figures as one table."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.tracking.tensorboard import curve_styles, roc_figure, score_figure, summary_table

N = 400


def _results(names: list[str], *, seed: int = 0) -> tuple[dict, np.ndarray]:
    rng = np.random.default_rng(seed)
    masks = rng.random((3, N)) < 0.5
    config = EvaluationConfig(fprs=(0.1, 0.01), bootstrap=0)
    results = {}
    for i, name in enumerate(names):
        scores = rng.normal(size=(2, N)) + 2.0 * masks[1:] * (i % 3)
        results[name] = evaluate(name, scores, masks[1:], targets=np.array([1, 2]), config=config)
    return results, masks


def _pattern(line) -> tuple:
    offset, dashes = line._unscaled_dash_pattern  # what was drawn; get_linestyle says "--"
    return offset, tuple(dashes) if dashes else None


def test_every_roc_curve_has_its_own_colour_and_line_style():
    names = [f"attack_{i}" for i in range(12)]
    fig = roc_figure(_results(names)[0])
    lines = [line for line in fig.axes[0].get_lines() if line.get_label() != "chance"]
    assert [line.get_label().split()[0] for line in lines] == names
    assert len({to_hex(line.get_color()) for line in lines}) == 12
    assert len({_pattern(line) for line in lines}) == 12
    chance = next(line for line in fig.axes[0].get_lines() if line.get_label() == "chance")
    assert to_hex(chance.get_color()) not in {to_hex(line.get_color()) for line in lines}


def test_roc_axes_read_rates_as_percentages_in_plain_text():
    fig = roc_figure(_results(["a", "b"])[0])
    FigureCanvasAgg(fig).draw()
    for axis in (fig.axes[0].xaxis, fig.axes[0].yaxis):
        labels = [t.get_text() for t in axis.get_ticklabels()]
        assert labels == ["0.01%", "0.1%", "1%", "10%", "100%"]
        assert not [t for t in axis.get_ticklabels(minor=True) if t.get_text()]


def test_curve_styles_never_repeat_a_colour_or_a_line_style():
    for n in (1, 10, 11, 20, 21, 40):
        styles = curve_styles(n)
        assert len(styles) == n
        assert len({to_hex(colour) for colour, _ in styles}) == n
        assert len({str(dashes) for _, dashes in styles}) == n


def test_members_and_non_members_share_one_histogram_per_attack():
    names = ["flat", "shifted", "strongly_shifted"]
    results, masks = _results(names)
    results["flat"].scores[0, :5] = np.nan
    fig = score_figure(results, masks)
    (ax,) = fig.axes  # one plot, a row per attack
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["strongly_shifted", "shifted", "flat (5 not finite)"]  # first on top
    curves = {p.get_gid(): p for p in ax.patches}
    assert set(curves) == {f"{n}/{group}" for n in names for group in ("members", "non_members")}
    # both groups of a row share its bins; members score 2 higher per step: their
    # histogram's mean sits further right, by more the larger the shift
    shift = []
    for name in names:
        members, others = (curves[f"{name}/{g}"].get_data() for g in ("members", "non_members"))
        assert np.array_equal(members.edges, others.edges) and members.baseline == others.baseline
        centres = (members.edges[1:] + members.edges[:-1]) / 2
        mean = [np.average(centres, weights=d.values - d.baseline) for d in (members, others)]
        shift.append(mean[0] - mean[1])
    assert abs(shift[0]) < 0.1 < shift[1] < shift[2]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["non-members", "members"]
    assert score_figure({}, masks) is None


def test_summary_table_holds_every_final_figure_with_its_interval():
    table = summary_table({
        "utility/test_accuracy": 0.91234, "privacy/epsilon_valid": True,
        "attack/loss/auc": 0.61, "attack/loss/auc_ci_low": 0.55, "attack/loss/auc_ci_high": 0.67,
        "attack/rmia/auc": 0.7, "attack/rmia/a": 0.3, "attack/rmia/auc_ci_low": float("nan"),
        "attack/rmia/auc_ci_high": float("nan"),
    })  # fmt: skip
    assert table.splitlines() == [
        "| figure | value |",
        "|---|---|",
        "| utility/test_accuracy | 0.9123 |",
        "| privacy/epsilon_valid | True |",
        "",
        "| attack | auc | a |",
        "|---|---|---|",
        "| loss | 0.61 [0.55, 0.67] |  |",
        "| rmia | 0.7 | 0.3 |",
    ]


def test_figures_build_only_what_shows_and_log_as_add_figure_would(tmp_path):
    """The ROC's log axes build only the ticks in view (the locators' extra decade on each
    side was a third of its ticks, never drawn), and a figure goes into the events as the
    very PNG SummaryWriter.add_figure writes, without pyplot."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from torch.utils.tensorboard import SummaryWriter

    from mia_defense.tracking.tensorboard import add_figure

    results, _ = _results(["a", "b"])
    fig = roc_figure(results)
    FigureCanvasAgg(fig).draw()
    for axis in (fig.axes[0].xaxis, fig.axes[0].yaxis):
        assert (len(axis.majorTicks), len(axis.minorTicks)) == (5, 32)  # 1e-4 .. 1
    images = {}
    for name, add in (("ours", add_figure),
                      ("add_figure", lambda w, tag, f: w.add_figure(tag, f, 0))):  # fmt: skip
        with SummaryWriter(log_dir=str(tmp_path / name)) as writer:
            add(writer, "roc", roc_figure(results))
        (events,) = (tmp_path / name).glob("events.out.tfevents.*")
        images[name] = [v.image for e in EventFileLoader(str(events)).Load()
                        for v in e.summary.value]  # fmt: skip
    assert images["ours"] == images["add_figure"] and len(images["ours"]) == 1

"""Charts of a sweep: accuracy against attack success with 95% error bars and one Pareto
front per (dataset, model), and ROC curves."""

from __future__ import annotations

import io
import itertools
import logging
import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.colors
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mia_defense.attacks.runner import AttackResult
from mia_defense.errors import DataError, counted, first_few
from mia_defense.metrics import roc_metrics
from mia_defense.report.checks import IDLE_MARK, PrintableLog, printable
from mia_defense.report.groups import RunGroup
from mia_defense.report.scores import attack_scores, other_auc
from mia_defense.report.stats import Estimate
from mia_defense.report.table import BASELINE, LEAK_TPR, NOT_RANKED, RunSummary
from mia_defense.tracking.figures import roc_figure

__all__ = [
    "LEAKAGE", "family_text", "idle_note", "run_roc", "runs_roc_figure", "save_figure",
    "tradeoff_figure",
]

log = logging.getLogger(__name__)
log.addFilter(PrintableLog())

# Leakage axes: name -> (axis label, value of an attacker who guesses, the row's figure).
LEAKAGE: dict[str, tuple[str, float, str]] = {
    "leak_tpr": ("strongest attack's TPR at 0.1% FPR  (lower = more private)", 0.001, LEAK_TPR),
    # the highest AUC of any black-box attack, which need not be the AUC of the attack
    # strongest at 0.1% FPR (results.json's and TensorBoard's privacy/strongest_auc)
    "leak_auc": ("highest AUC of any black-box attack  (lower = more private)", 0.5, "max_auc"),
}
# no star: the undefended baseline's
_MARKERS = "osD^vPXph<>d"
_CAPTION = (
    "Each point is a row of the report's table: the mean of its runs (how runs were grouped: "
    "see the report).\nError bars: 95% intervals (one run: bootstrap over records, t over its "
    "K models for accuracy; several runs: Student's t over the runs)."
)

# A chart whose front is not the report's (by TPR at 0.1% FPR) says its numbers are its own:
# the AUC chart's "2" was another row than the "2." of the report's list of the front.
_OWN_FRONT_CAPTION = {
    "leak_auc": (
        "\nFront and numbers here by the highest AUC; the report's list of the front and "
        "tradeoff_tpr.png go by TPR at 0.1% FPR: one number can be another row there."
    ),
}

# After the number of a front's row holding a run with a caveat.
CAREFUL_MARK = "*"
_CAREFUL_CAPTION = (
    f"\n{CAREFUL_MARK}: read with care (a run's leakage may be understated, its ε no "
    "guarantee or a defense of it idle in some or all of its models: see the report)."
)

# The longest name a chart shows (legends, titles): longer ones hid the plot.
_LABEL_CHARS = 80
# Above this many legend entries, the legend goes beside the plot, not over it.
_LEGEND_INSIDE = 8
# A front's numbers: drawn above the markers (zorder 3 to 5) on a box that lets them be read.
_NUMBER_ZORDER = 6
_NUMBER_BOX_PAD = 0.1  # (of the font size)
_NUMBER_BOX = {"boxstyle": f"round,pad={_NUMBER_BOX_PAD}", "facecolor": "white",
               "edgecolor": "none", "alpha": 0.75}  # fmt: skip
# A panel's height (inches), and what a legend beside it needs: an entry (7-point type, an
# error-bar handle: about 0.15 inch) and the panel's titles and axis labels around its axes.
_PANEL_INCHES = 5.2
_LEGEND_ENTRY_INCHES = 0.16
_PANEL_MARGIN_INCHES = 1.4


def _plain(text: str, limit: int = _LABEL_CHARS) -> str:
    """``text`` as matplotlib shows it literally: ``$`` escaped (``$...$`` is mathtext, and a
    name such as ``x=$\\frac{$`` raised a parse error), control characters as spaces, at
    most ``limit`` characters."""
    return _clipped(text, limit).replace("$", r"\$")


def _clipped(text: str, limit: int) -> str:
    """``text`` with control characters as spaces, at most ``limit`` characters."""
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# A panel's title: up to three lines of this many characters.
_TITLE_LINE = 80


def _panel_title(pair: tuple[str, str]) -> str:
    """``dataset · model [evaluation]`` on up to three lines: cut at one line's length, two
    panels of one dataset and model attacked otherwise (their ``[...]`` at the end) showed
    the same title, and a long name ran off the panel."""
    text = _clipped(f"{pair[0]} · {pair[1]}", 3 * _TITLE_LINE)
    lines = [text[i : i + _TITLE_LINE] for i in range(0, len(text), _TITLE_LINE)]
    return "\n".join(line.replace("$", r"\$") for line in lines)


def _styles(groups: Sequence[RunGroup]) -> dict[str, tuple[str, str]]:
    """One (marker, colour) per family, in order of first appearance; the undefended
    baseline is always a black star, drawn last so that no other marker hides it.

    Beyond ten families of at most ten training defenses (tradeoff_all: ten defenses times
    three releases), a colour per defense and a marker per release: one per family ran
    out of distinct colours (Dark2 after tab10 repeats its hues: dp and dp + topk release
    both green) and a reader could not tell which points share a defense."""
    kinds = {g.family: (g.defense, g.release) for g in reversed(groups)}  # first one wins
    unique = [f for f in dict.fromkeys(g.family for g in groups) if f != BASELINE]
    defenses = list(dict.fromkeys(kinds[f][0] for f in unique))
    releases = list(dict.fromkeys(kinds[f][1] for f in unique))
    if len(unique) > 10 and len(defenses) <= 10 and len(releases) <= len(_MARKERS):
        styles = {
            f: (_MARKERS[releases.index(kinds[f][1])], f"C{defenses.index(kinds[f][0])}")
            for f in unique
        }
    else:
        palette = _palette(len(unique))
        styles = {
            fam: (marker, colour)
            for fam, marker, colour in zip(
                unique, itertools.cycle(_MARKERS), itertools.cycle(palette), strict=False
            )
        }
    if BASELINE in kinds:
        styles[BASELINE] = ("*", "black")
    return styles


def _palette(count: int) -> list[str]:
    """Distinct, saturated colours: tab10, then Dark2 beyond ten families."""
    colours = [f"C{i}" for i in range(10)]
    if count > 10:
        dark = matplotlib.colormaps["Dark2"]
        colours += [matplotlib.colors.to_hex(dark(i)) for i in range(dark.N)]
    return colours


def _error(estimates: Sequence[Estimate]) -> np.ndarray:
    """[2, P] distances from each mean down to its interval's low end and up to its high
    end, for ``errorbar``; 0 where the interval is unknown."""
    values = np.array([e.value for e in estimates], dtype=np.float64)
    low = np.array([e.low for e in estimates], dtype=np.float64)
    high = np.array([e.high for e in estimates], dtype=np.float64)
    bars = np.stack([values - low, high - values])
    return np.clip(np.nan_to_num(bars, nan=0.0), 0.0, None)


def _panel(
    ax: Axes,
    groups: Sequence[RunGroup],
    members: Sequence[int],
    *,
    leakage: str,
    front: Sequence[int],
    styles: Mapping[str, tuple[str, str]],
    careful: Collection[int] = (),
) -> bool:
    """One (dataset, model): a point with 95% error bars per row (``n=`` when it averages
    several runs), by family; its front. Returns whether near points of the front share a
    number's label (`_anchors`)."""
    xlabel, chance, figure = LEAKAGE[leakage]
    crowded = len(members) > _BARS_MAX
    for family, (marker, colour) in styles.items():
        rows = [groups[i] for i in members if groups[i].family == family]
        if not rows:
            continue
        baseline = family == BASELINE
        # (marked where every row of it says its defense did not act: the legend named it
        # as the defense's, the point's note alone beside a star it may sit on)
        shown = {family_text(g) for g in rows}
        label = _plain(shown.pop() if len(shown) == 1 else family)
        for drawn, barred in _with_bars(rows, [groups[i] for i in front], crowded):
            xs, ys = [g.metrics[figure] for g in drawn], [g.test_accuracy for g in drawn]
            ax.errorbar(
                [e.value for e in xs], [e.value for e in ys],
                xerr=_error(xs) if barred else None, yerr=_error(ys) if barred else None,
                marker=marker, linestyle="none", color=colour, label=label, capsize=2.5,
                elinewidth=1.0, markersize=11 if baseline else 7,
                alpha=(1.0 if baseline else 0.85) if barred else 0.45,
                zorder=5 if baseline else 3,
            )  # fmt: skip
            label = "_nolegend_"  # (one legend entry per family)
        on_front = {id(groups[i]) for i in front}
        for g in rows:
            note = _point_note(g)
            if note and (not crowded or id(g) in on_front):
                ax.annotate(note, (g.metrics[figure].value, g.test_accuracy.value),
                            textcoords="offset points", xytext=(7, -12), fontsize=7,
                            color="dimgrey", gid=_LABEL, bbox=_NUMBER_BOX,
                            zorder=_NUMBER_ZORDER - 0.5)  # fmt: skip
    if front:
        fx = [groups[i].metrics[figure].value for i in front]
        fy = [groups[i].test_accuracy.value for i in front]
        ax.step(fx, fy, where="post", color="black", linewidth=1.2, alpha=0.7, zorder=2,
                label="Pareto front (best tradeoffs)")  # fmt: skip
        ax.scatter(fx, fy, s=150, facecolors="none", edgecolors="black", linewidths=1.2, zorder=4)
    ax.axvline(chance, color="grey", linestyle=":", linewidth=1.5,
               label=f"chance (attacker guessing: {chance:g})")  # fmt: skip
    merged = False
    if front:
        ax_, ay_ = _anchors(fx, fy, ax.get_xlim(), ax.get_ylim())
        numbers = _front_numbers(front, ax_, ay_, careful)
        merged = len(numbers) < len(set(zip(fx, fy, strict=True)))
        for (x, y), text in numbers.items():
            # above every marker, on a light box: a number beside a near point of the front
            # went under that point's circle (tradeoff_all's AUC chart: "4*" under 5's)
            ax.annotate(text, (x, y), textcoords="offset points", xytext=(7, 5), fontsize=9,
                        zorder=_NUMBER_ZORDER, bbox=_NUMBER_BOX, gid=_LABEL)  # fmt: skip
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test accuracy  (higher = more useful)")
    ax.grid(True, alpha=0.3)
    if len(ax.get_legend_handles_labels()[1]) > _LEGEND_INSIDE:  # beside, not over the points
        _legend_beside(ax)
    else:
        ax.legend(loc="best", fontsize=8, framealpha=0.9).set_gid(_INSIDE)
    return merged


# The gid of a legend drawn inside its panel (where `_legends_off_points` checks it).
_INSIDE = "legend-inside"


def _legend_beside(ax: Axes) -> None:
    """The panel's legend beside it, right of its axes."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, framealpha=0.9)


def _legends_off_points(fig: Figure) -> bool:
    """Move beside its panel each legend drawn inside it over a point; return whether one
    moved. matplotlib's "best" place is the least covered, not a free one: in a panel full of
    points (1,000 runs) the legend sat over dozens of them, the front's fifth row among them."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    moved = False
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or legend.get_gid() != _INSIDE:
            continue
        box = legend.get_window_extent(renderer)
        half = _MARKER_POINTS * fig.dpi / 72.0
        points = _marker_points(ax)
        if len(points) and np.any(
            (points[:, 0] + half >= box.x0) & (points[:, 0] - half <= box.x1)
            & (points[:, 1] + half >= box.y0) & (points[:, 1] - half <= box.y1)
        ):  # fmt: skip
            _legend_beside(ax)
            moved = True
    return moved


# Points of a front closer than this share of both axes' spans to the first of their run
# share one label (a 9-point number on its box is about 3% of a panel each way): a front of
# 21 rows, 6 of them within 5% of the TPR axis, drew "3", "4", ... "8" over one another.
_NUMBER_SPACING = 0.04
_NUMBERS_MERGED_CAPTION = (
    "\nWhere a front's points crowd, one label numbers several of them (e.g. 3–8), placed at "
    "the first (the report's list has each row)."
)


def _anchors(
    xs: Sequence[float],
    ys: Sequence[float],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
) -> tuple[list[float], list[float]]:
    """Where the number of each point of a front (in order along it) is drawn: its own point,
    or that of the first of a run of points each within `_NUMBER_SPACING` of an axis's span
    of that first one on both axes (their numbers then share one label)."""
    spans = abs(xlim[1] - xlim[0]), abs(ylim[1] - ylim[0])
    if not all(0 < span < math.inf for span in spans):
        return list(xs), list(ys)
    anchors: list[tuple[float, float]] = []
    for x, y in zip(xs, ys, strict=True):
        if anchors and all(
            abs(a - b) < _NUMBER_SPACING * span
            for a, b, span in zip((x, y), anchors[-1], spans, strict=True)
        ):
            anchors.append(anchors[-1])
        else:
            anchors.append((x, y))
    return [a[0] for a in anchors], [a[1] for a in anchors]


def idle_note(group: RunGroup) -> str:
    """What a row says of its defenses that did not act (`RunGroup.defenses_idle`), or
    ``""`` where every defense acted: `IDLE_MARK` where they are its whole family
    (``did not act``, ``did not act in 2 of 4 models`` where it acted in the others:
    `RunGroup.idle_defenses`), else with their names (``did not act: relaxloss``)."""
    idle = group.defenses_idle
    if not idle:
        return ""
    if idle == group.family:
        return IDLE_MARK
    parts = group.idle_defenses()
    if len(parts) == 1 and parts[0][0] == group.family and parts[0][1].startswith("in "):
        return f"{IDLE_MARK} {parts[0][1]}"
    return f"{IDLE_MARK}: {idle}"


def family_text(group: RunGroup) -> str:
    """The row's family as the report shows it (its fronts, tradeoff.md, a chart's legend
    and captions): with `idle_note` where a defense did not act: ``early_stopping (did not
    act)``, ``dropout+relaxloss (did not act: relaxloss)``."""
    note = idle_note(group)
    return f"{group.family} ({note})" if note else group.family


def _point_note(group: RunGroup) -> str:
    """What a point says beside it: ``n=`` when it averages several runs, a DP row's ε
    (``ε=8``; ``(no guarantee)`` where its ε is not one): DP rows of several ε shared one
    marker and colour, and which point was ε = 1 could be read only off the table; and
    `idle_note` where its defense did not act: its front number's `CAREFUL_MARK` alone read
    as any caveat, the point as one of the defense its legend names."""
    parts = [f"n={group.n}"] if group.n > 1 else []
    if group.epsilon is not None:
        eps = "∞" if math.isinf(group.epsilon) else f"{group.epsilon:.3g}"
        parts.append(f"ε={eps}" + ("" if group.epsilon_valid else " (no guarantee)"))
    parts += [note for note in (idle_note(group),) if note]
    return ", ".join(parts)


# Above this many rows in a panel, only the front's rows get error bars: 300 rows of a
# learning-rate sweep drew 600 bars over one another, under which the front (black, as the
# undefended rows' stars and bars) could not be found.
_BARS_MAX = 40
_CROWDED_CAPTION = (
    "\nOver {limit} rows in a panel: error bars on the front's rows only, the others drawn "
    "light (the report's table has their intervals)."
)


def _with_bars(
    rows: Sequence[RunGroup], front: Sequence[RunGroup], crowded: bool
) -> list[tuple[list[RunGroup], bool]]:
    """``rows`` split into (rows, drawn with error bars): all with bars, or, in a ``crowded``
    panel, the front's rows with bars and the rest without; empty parts left out."""
    if not crowded:
        return [(list(rows), True)]
    ids = {id(g) for g in front}
    on, off = [g for g in rows if id(g) in ids], [g for g in rows if id(g) not in ids]
    return [(part, barred) for part, barred in ((on, True), (off, False)) if part]


def _front_numbers(
    front: Sequence[int], xs: Sequence[float], ys: Sequence[float], careful: Collection[int]
) -> dict[tuple[float, float], str]:
    """Each point of a front -> its rows' numbers along it (``2, 3``; `CAREFUL_MARK` after
    a row with a caveat): rows of one front at the same point (tied on both figures, as
    two defenses that changed nothing measured) had their numbers drawn over one another,
    which showed a front of one row. Three or more (consecutive along the front: ties sort
    together) read ``4–9``, marked when any of them is: a list of them widened the label
    until the panel shrank to make room."""
    points: dict[tuple[float, float], list[tuple[int, bool]]] = {}
    for rank, (i, x, y) in enumerate(zip(front, xs, ys, strict=True), start=1):
        points.setdefault((x, y), []).append((rank, i in careful))
    labels = {}
    for point, ranks in points.items():
        if len(ranks) > 2 and ranks[-1][0] - ranks[0][0] == len(ranks) - 1:
            mark = CAREFUL_MARK if any(marked for _, marked in ranks) else ""
            labels[point] = f"{ranks[0][0]}–{ranks[-1][0]}{mark}"
        else:
            labels[point] = ", ".join(f"{r}{CAREFUL_MARK if m else ''}" for r, m in ranks)
    return labels


# What a row lacks that keeps it off a chart, per leakage axis.
_NOT_DRAWN = {"leak_tpr": "a TPR at 0.1% FPR", "leak_auc": "an AUC of a black-box attack"}
# Runs read but left out of the ranking: a sweep of five runs, two of them at chance, showed
# three points and no word of the other two.
_NOT_RANKED_CAPTION = (
    "\nNot on this chart: {runs} without a privacy verdict (at chance, diverged or "
    'unreadable; the report\'s "{heading}" says why).'
)
# The most rows the caption names that a chart does not draw; the rest are counted.
_NOT_DRAWN_NAMED = 3


def _not_drawn_caption(groups: Sequence[RunGroup], leakage: str) -> str:
    """A caption line naming the rows the chart cannot place (no figure on its leakage
    axis, or no test accuracy), or ``""``: a row whose runs record no AUC (results.json of
    a tool of your own) was left off the AUC chart without a word, its family still in the
    legend, and the front drawn without it."""
    figure = LEAKAGE[leakage][2]
    missing = [
        g.label for g in groups
        if math.isnan(g.metrics[figure].value) or math.isnan(g.test_accuracy.value)
    ]  # fmt: skip
    if not missing:
        return ""
    named = first_few(missing, _NOT_DRAWN_NAMED, each=lambda label: _plain(label, 40), more=True)
    rows = "row" if len(missing) == 1 else "rows"
    return (
        f"\nNot drawn here: {len(missing)} {rows} without {_NOT_DRAWN[leakage]} or a test "
        f"accuracy ({named}); see the report's table."
    )


def tradeoff_figure(
    groups: Sequence[RunGroup],
    *,
    leakage: str = "leak_tpr",
    fronts: Mapping[tuple[str, str], Sequence[int]] | None = None,
    title: str = "",
    careful: Collection[int] = (),
    not_ranked: int = 0,
) -> Figure:
    """Test accuracy (y) against attack success (x): one panel per (dataset, model), one
    marker and colour per defense family, 95% intervals as error bars on both axes.

    Each panel's Pareto front (``fronts``: (dataset, model) -> indices into ``groups``, by
    increasing leakage) is drawn as a staircase and numbered along it (as in the report's
    list for ``leak_tpr``; the caption of another figure says its numbers are its own); a
    dotted line marks chance. Panels are titled ``dataset · model``.

    Args:
        groups: the rows of the report (see `mia_defense.report.groups`).
        leakage: ``leak_tpr`` (TPR at 0.1% FPR) or ``leak_auc``.
        fronts: the Pareto fronts for this leakage figure.
        title: the chart's title.
        careful: indices of the rows with a caveat (the report's "read with care"): their
            number on the front gets `CAREFUL_MARK`, which the caption explains.
        not_ranked: how many runs the report left out of its ranking (no privacy verdict,
            diverged, unreadable): the caption counts them.
    """
    if leakage not in LEAKAGE:
        raise ValueError(f"leakage must be one of {sorted(LEAKAGE)}, got {leakage!r}")
    fronts = fronts or {}
    pairs = list(dict.fromkeys(g.pair for g in groups))
    cols = min(2, len(pairs))
    rows = math.ceil(len(pairs) / cols)
    marked = any(i in careful for front in fronts.values() for i in front)
    caption = _CAPTION + (_CAREFUL_CAPTION if marked else "")
    if any(fronts.values()):
        caption += _OWN_FRONT_CAPTION.get(leakage, "")
    caption += _not_drawn_caption(groups, leakage)
    if not_ranked:
        caption += _NOT_RANKED_CAPTION.format(runs=counted(not_ranked, "run"), heading=NOT_RANKED)
    if any(sum(g.pair == pair for g in groups) > _BARS_MAX for pair in pairs):
        caption += _CROWDED_CAPTION.format(limit=_BARS_MAX)
    height = _panel_inches(groups, pairs, fronts)
    fig = Figure(figsize=(7.5 * cols, height * rows))
    styles = _styles(groups)
    stacked: list[list[int]] = []
    merged = False
    for index, pair in enumerate(pairs):
        ax = fig.add_subplot(rows, cols, index + 1)
        members = [i for i, g in enumerate(groups) if g.pair == pair]
        merged |= _panel(ax, groups, members, leakage=leakage, front=fronts.get(pair, ()),
                           styles=styles, careful=careful)  # fmt: skip
        ax.set_title(_panel_title(pair), fontsize=10)
        stacked += _stacked(ax, groups, members, LEAKAGE[leakage][2])
    caption += _stacked_caption(groups, stacked)
    if merged:
        caption += _NUMBERS_MERGED_CAPTION
    reserve = _caption_inches(caption, width=7.5 * cols)
    fig.set_size_inches(7.5 * cols, height * rows + reserve)
    fig.suptitle(_plain(title) or "privacy-utility tradeoff: up and to the left is better")
    # wrap=True: a line longer than the figure is wide is wrapped at drawing (the AUC
    # chart's third line ran off its right edge), the text itself left as it is
    fig.text(0.01, 0.005, caption, fontsize=7, color="dimgrey", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, reserve / (height * rows + reserve), 1, 1))
    if _legends_off_points(fig):  # (the panels narrowed for it)
        fig.tight_layout(rect=(0, reserve / (height * rows + reserve), 1, 1))
    _place_labels(fig)
    return fig


# The labels beside points (a front's numbers, a point's ``n=``/``ε=`` note), which
# `_place_labels` moves apart.
_LABEL = "point-label"
# Where a label may sit, tried in order: (x, y) offset in points from its point and the
# alignment that keeps it on that side; the first four beside the point, then above, below,
# then the same farther out with a leader line to the point.
_PLACES = (
    ((7, 5), "left", "bottom"), ((7, -5), "left", "top"), ((-7, 5), "right", "bottom"),
    ((-7, -5), "right", "top"), ((0, 9), "center", "bottom"), ((0, -9), "center", "top"),
    ((9, 0), "left", "center"), ((-9, 0), "right", "center"),
)  # fmt: skip
_FAR = 3.0
_NEAR = 12.0  # (points: the farthest of `_PLACES`, beyond which a leader line is drawn)
_LEADER = {"arrowstyle": "-", "color": "grey", "linewidth": 0.6, "shrinkA": 0, "shrinkB": 4}
# Half the side (points) of the square a marker takes (a front's circle: s=150, about 12).
_MARKER_POINTS = 6.0
_EM_PER_CHARACTER = 0.75


def _place_labels(fig: Figure) -> None:
    """Move each panel's point labels (`_LABEL`) to the first of `_PLACES` where it
    overlaps no label placed before it and no marker, stays within the panel and is nearer
    its own point than any other: the front's numbers first, then the notes; where no place
    is free, the one of least overlap (beyond `_NEAR`, with a leader line to its point). A
    DP sweep's rows a few hundredths apart drew "ε=128" under the next row's marker and a
    front's numbers over the neighbouring circles.

    Labels are not measured (laying out their text doubled the time of a chart) but sized
    from their characters, a little larger than DejaVu Sans draws them (`_label_size`).
    """
    scale = fig.dpi / 72.0  # points -> pixels
    for ax in fig.axes:
        labels = [t for t in ax.texts if t.get_gid() == _LABEL]
        if not labels:
            continue
        labels.sort(key=lambda t: -t.get_zorder())  # the front's numbers (above) first
        points = _marker_points(ax)
        half = _MARKER_POINTS * scale
        markers = np.column_stack([points - half, points + half])
        ax.get_xlim(), ax.get_ylim()  # (the limits, before transData is read)
        panel = ax.bbox
        placed = np.empty((0, 4))
        for label in labels:
            own = ax.transData.transform(label.xy)
            if not np.isfinite(own).all():  # a row not drawn here (no AUC): its note stays
                continue
            width, height = (scale * size for size in _label_size(label))
            best, best_cost = None, math.inf
            for far, ((dx, dy), ha, va) in itertools.product((1.0, _FAR), _PLACES):
                x, y = own + np.array([dx, dy]) * far * scale
                x0 = x - width * {"left": 0.0, "center": 0.5, "right": 1.0}[ha]
                y0 = y - height * {"bottom": 0.0, "center": 0.5, "top": 1.0}[va]
                box = np.array([x0, y0, x0 + width, y0 + height])
                outside = not (panel.x0 <= x0 and x0 + width <= panel.x1
                               and panel.y0 <= y0 and y0 + height <= panel.y1)  # fmt: skip
                cost = (_overlap(box, markers) + _overlap(box, placed)
                        + width * height * (outside + _nearer_other(box, own, points) / 2))
                if cost < best_cost:
                    best, best_cost = ((dx * far, dy * far), ha, va, box), cost
                if cost == 0:
                    break
            if best is None:  # (no finite place: a panel without a span)
                continue
            offset, ha, va, box = best
            placed = np.vstack([placed, box])
            if math.hypot(*offset) > _NEAR:  # away from its point: a line to it
                label.remove()
                ax.annotate(
                    label.get_text(), label.xy, xytext=offset, textcoords="offset points",
                    ha=ha, va=va, fontsize=label.get_fontsize(), color=label.get_color(),
                    zorder=label.get_zorder(), gid=_LABEL, arrowprops=_LEADER,
                    bbox=_NUMBER_BOX if label.get_bbox_patch() is not None else None,
                )  # fmt: skip
            else:
                label.xyann = offset
                label.set_horizontalalignment(ha)
                label.set_verticalalignment(va)


def _label_size(label: Any) -> tuple[float, float]:
    """The width and height (points) of ``label``, its box included where it has one: each
    character taken as `_EM_PER_CHARACTER` of the font size (DejaVu Sans' digits are 0.64,
    ``=`` 0.84), a line as 1.2."""
    size = label.get_fontsize()
    width, height = _EM_PER_CHARACTER * size * len(label.get_text()), 1.2 * size
    if label.get_bbox_patch() is not None:
        pad = 2 * _NUMBER_BOX_PAD * size
        width, height = width + pad, height + pad
    return width, height


def _marker_points(ax: Axes) -> np.ndarray:
    """[P, 2] display positions (pixels) of the markers drawn in ``ax`` (its error-bar
    points; the front's circles are at the same places)."""
    xy = [
        np.column_stack([c.lines[0].get_xdata(), c.lines[0].get_ydata()])
        for c in ax.containers if c.lines and c.lines[0] is not None
    ]  # fmt: skip
    if not xy:
        return np.empty((0, 2))
    data = np.concatenate(xy).astype(np.float64)
    data = data[np.isfinite(data).all(axis=1)]
    return ax.transData.transform(data) if len(data) else np.empty((0, 2))


def _nearer_other(box: np.ndarray, own: np.ndarray, points: np.ndarray) -> bool:
    """Whether the centre of ``box`` is nearer another of ``points`` than its own point
    ``own`` (a reader would take it for that point's label)."""
    if not len(points):
        return False
    centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
    return bool(np.min(np.hypot(*(points - centre).T)) < np.hypot(*(own - centre)) - 1e-6)


def _overlap(box: np.ndarray, others: np.ndarray) -> float:
    """The area ``box`` [x0, y0, x1, y1] shares with the boxes ``others`` [B, 4]."""
    if not len(others):
        return 0.0
    w = np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0])
    h = np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1])
    return float(np.sum(np.clip(w, 0, None) * np.clip(h, 0, None)))


# Two markers whose centres are closer than this share of each axis's span (a 7-point
# marker is about 2% of a panel's width) are drawn over one another.
_STACKED = 0.01
# The most groups of such markers the caption names; the rest are counted.
_STACKED_NAMED = 3


def _stacked(
    ax: Axes, groups: Sequence[RunGroup], members: Sequence[int], figure: str
) -> list[list[int]]:
    """The rows of a panel drawn over one another (``members`` indices, groups of two or
    more, in table order): a temperature release, which the attacks undo, sits exactly on
    the undefended star and was not to be seen, its family still in the legend; the
    label-only rows of a sweep (TPR 0 at 0.1% FPR) piled up at one spot."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    tx, ty = _STACKED * abs(x1 - x0), _STACKED * abs(y1 - y0)
    if not (0 < tx < math.inf and 0 < ty < math.inf):  # no finite span to measure by
        return []
    points = [(groups[i].metrics[figure].value, groups[i].test_accuracy.value) for i in members]
    # cells of the tolerance's size: near points are in one cell or neighbouring ones, so a
    # sweep of thousands of rows is not compared pair by pair
    cells: dict[tuple[int, int], list[int]] = {}
    for k, (x, y) in enumerate(points):
        if math.isfinite(x) and math.isfinite(y):
            cells.setdefault((math.floor(x / tx), math.floor(y / ty)), []).append(k)
    parent = list(range(len(points)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for (cx, cy), ks in cells.items():
        for dx, dy in itertools.product((-1, 0, 1), repeat=2):
            for k in ks:
                for j in cells.get((cx + dx, cy + dy), ()):
                    (xk, yk), (xj, yj) = points[k], points[j]
                    if abs(xk - xj) <= tx and abs(yk - yj) <= ty:
                        parent[root(j)] = root(k)
    stacks: dict[int, list[int]] = {}
    for ks in cells.values():
        for k in ks:
            stacks.setdefault(root(k), []).append(k)
    piles = [sorted(ks) for ks in stacks.values() if len(ks) > 1]
    return [[members[k] for k in ks] for ks in sorted(piles)]


def _stacked_caption(groups: Sequence[RunGroup], stacks: Sequence[Sequence[int]]) -> str:
    """A caption line naming the families of the rows drawn over one another (`_stacked`),
    ``×n`` for several rows of one family, or ``""``."""
    if not stacks:
        return ""
    named = []
    for stack in stacks[:_STACKED_NAMED]:
        counts: dict[str, int] = {}
        for i in stack:
            counts[family_text(groups[i])] = counts.get(family_text(groups[i]), 0) + 1
        names = [_plain(f, 40) + (f" ×{n}" if n > 1 else "") for f, n in counts.items()]
        if len(names) > _STACKED_NAMED + 1:  # a pile of many families, a line of its own
            rest = sum(list(counts.values())[_STACKED_NAMED:])
            names = [*names[:_STACKED_NAMED], f"{rest} more rows"]
        named.append(", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])
    more = len(stacks) - _STACKED_NAMED
    return (
        "\nDrawn over one another (at or near one point): " + "; ".join(named)
        + (f"; and {more} more such points" if more > 0 else "")
        + " (the report's table has their figures)."
    )  # fmt: skip


def _panel_inches(
    groups: Sequence[RunGroup],
    pairs: Sequence[tuple[str, str]],
    fronts: Mapping[tuple[str, str], Sequence[int]],
) -> float:
    """The height of each panel: `_PANEL_INCHES`, more where a legend beside a panel (one
    entry per family, the front, chance) is taller than that: tradeoff_all's 30 families
    ran the legend down over the caption, whose lines it hid."""
    entries = [
        len({g.family for g in groups if g.pair == pair}) + 1 + bool(fronts.get(pair))
        for pair in pairs
    ]
    beside = [n for n in entries if n > _LEGEND_INSIDE]
    if not beside:
        return _PANEL_INCHES
    return max(_PANEL_INCHES, _LEGEND_ENTRY_INCHES * max(beside) + _PANEL_MARGIN_INCHES)


# Characters of the caption's 7-point type per inch of the figure's width, kept low so the
# estimate of its wrapped lines errs towards more room (DejaVu Sans fits about 20).
_CAPTION_CHARS_PER_INCH = 16


def _caption_inches(caption: str, *, width: float) -> float:
    """Room below the panels for ``caption`` wrapped to ``width`` inches: a 7-point line is
    about 0.12 inch, plus a margin."""
    per_line = int(_CAPTION_CHARS_PER_INCH * width)
    lines = sum(max(1, math.ceil(len(line) / per_line)) for line in caption.split("\n"))
    return 0.15 + 0.12 * lines


def run_roc(summary: RunSummary, *, attack: str | None = None) -> AttackResult:
    """The ROC of one attack of a run (default: its strongest), recomputed from
    scores.npz and the membership masks in observations.npz (the strongest attack's as the
    report read them once: ``summary.scores``).

    Raises:
        DataError: a file is missing or corrupt, or the attack is not in scores.npz
            (`attack_scores`), or its scores are not those results.json's AUC was measured on
            (`other_auc`).
    """
    name = attack or summary.strongest_attack
    found = attack_scores(summary.path, name, summary.scores)
    metrics = roc_metrics(found.scores, found.members, fprs=(0.1, 0.01, 0.001))
    other = other_auc(found, name, summary.attacks.get(name, {}).get("auc"), metrics.auc)
    if other is not None:
        raise DataError(other)
    return AttackResult(name, found.targets, found.scores, metrics, 0.0)


def runs_roc_figure(
    summaries: Sequence[RunSummary], *, labels: Sequence[str], left_out: int = 0
) -> Figure | None:
    """Log-log ROC curves of each run's strongest attack; runs whose files fail are skipped,
    and named under the curves, as is the count of ``left_out`` rows of the fronts (beyond
    the curves asked for).

    Returns ``None`` when no run's curve could be computed.
    """
    curves: dict[str, AttackResult] = {}
    failed: list[str] = []
    for summary, label in zip(summaries, labels, strict=True):
        attack = summary.strongest_shown(short=True)  # (none where all are at TPR 0)
        key, again = _with_attack(label, attack), 1
        while key in curves:  # labels alike in their first `_LABEL_CHARS` (a long dataset
            again += 1  # name before "#2 ..."): one curve replaced the other, unsaid
            key = _with_attack(f"({again}) {label}", attack)
        try:
            curves[key] = run_roc(summary)
        except DataError as exc:
            log.warning("no ROC curve for %s: %s", summary.name, exc)
            failed.append(label)
    if not curves:
        return None
    fig = roc_figure(curves, title="ROC of each run's strongest attack (log-log)")
    _legend_below(fig)
    notes = []
    if failed:  # the curve of a front's row left out was said only on the terminal
        named = first_few(failed, _NOT_DRAWN_NAMED, each=lambda label: _plain(label, 40),
                          more=True)  # fmt: skip
        notes.append(f"No curve for {named}: its scores.npz or observations.npz could not be "
                     "read or does not fit (the report's log says why).")  # fmt: skip
    if left_out:
        rows = "row" if left_out == 1 else "rows"
        notes.append(f"Not drawn: {left_out} more {rows} of the fronts (at most {len(labels)} "
                     "curves; mia-report --roc-runs N draws N).")  # fmt: skip
    if not notes:
        fig.tight_layout()
        return fig
    fig.text(0.01, 0.005, "\n".join(notes), fontsize=7, color="dimgrey", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.03 + 0.03 * len(notes), 1, 1))
    return fig


def _with_attack(label: str, attack: str) -> str:
    """A ROC curve's legend entry, ``label [attack]``, at most `_LABEL_CHARS` characters: a
    long run name is cut, not the attack (cut as a whole, a 200-character name lost its
    ``[lira]`` and the curve said no longer which attack it was)."""
    tag = " [" + _plain(attack, _LABEL_CHARS // 2) + "]"
    return _plain(label, max(_LABEL_CHARS - len(tag), 1)) + tag


# Room for the ROC chart's axes and their labels, and for a legend entry below them (7-point
# type; a white-box entry holds two lines), in inches.
_ROC_AXES_INCHES = 5.6
_ROC_ENTRY_INCHES = 0.17


def _legend_below(fig: Figure) -> None:
    """The ROC chart's legend below its axes, the figure tall enough for it: beside them
    (as TensorBoard's figure has it), the report's entries (a run's name, its attack, its
    AUC: 80 characters and more) left the axes a strip of 1.3 inches, whose percentages
    ran into one another ("0.01%0.1% 1% 10%100%")."""
    ax = fig.axes[0]
    legend = ax.get_legend()
    if legend is None:
        return
    handles, labels = ax.get_legend_handles_labels()
    legend.remove()
    lines = sum(label.count("\n") + 1 for label in labels)
    fig.set_size_inches(7.5, _ROC_AXES_INCHES + _ROC_ENTRY_INCHES * lines + 0.2)
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, -0.1), fontsize=7,
              handlelength=4, borderaxespad=0.0)  # fmt: skip


def save_figure(fig: Figure, path: Path) -> bytes:
    """Write ``fig`` as a PNG at 120 dpi; return the file's bytes (TensorBoard shows the same
    image: drawing a chart once more for it took a second of a study's report)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    png = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return png

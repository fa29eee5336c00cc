"""The figures of a run: ROC curves, score histograms, per-class heatmaps, and the PNG
TensorBoard shows of a figure. Matplotlib's object API and Agg only (no pyplot), and no
torch: mia-report draws with these too.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import StepPatch
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter
from PIL import Image
from tensorboard.compat.proto.summary_pb2 import Summary

from mia_defense.metrics.roc import pooled_only_fprs, unresolved_fprs

if TYPE_CHECKING:
    from mia_defense.attacks.runner import AttackResult

__all__ = [
    "class_figure",
    "curve_styles",
    "figure_summary",
    "image_summary",
    "roc_figure",
    "score_figure",
]


# Line styles told apart at a glance, solid first; curve_styles extends them past the list.
_DASHES: tuple[Any, ...] = (
    "-", (0, (6, 2)), (0, (6, 2, 1, 2)), (0, (1, 1.5)), (0, (10, 3, 2, 3, 2, 3)),
    (0, (3, 1, 1, 1)), (0, (12, 3)), (0, (2, 3)), (0, (8, 2, 1, 2, 1, 2, 1, 2)),
    (0, (4, 4)), (0, (14, 2, 4, 2)), (0, (1, 4)),
)  # fmt: skip


def curve_styles(n: int) -> list[tuple[tuple[float, ...], Any]]:
    """``n`` (colour, line style) pairs, no colour and no line style used twice: tab10's
    colours (tab20's, then a sampled colour map, for more curves) and `_DASHES`, then
    dash patterns of growing length."""
    if n <= 10:
        colours = [matplotlib.colormaps["tab10"](i) for i in range(n)]
    elif n <= 20:
        colours = [matplotlib.colormaps["tab20"](i) for i in range(n)]
    else:
        colours = [matplotlib.colormaps["turbo"](i / (n - 1)) for i in range(n)]
    dashes = [_DASHES[i] if i < len(_DASHES) else (0, (i - len(_DASHES) + 2, 1, 1, 1, 1, 1))
              for i in range(n)]  # fmt: skip
    return list(zip(colours, dashes, strict=True))


def _literal(text: str) -> str:
    """``text`` as matplotlib draws it literally: ``$`` escaped (``$...$`` is mathtext: a
    dataset named ``x=$\\frac{$`` raised a parse error while the run's ROC figure was drawn,
    after its attacks, leaving results.json at 'running'), a lone surrogate (a command-line
    byte that is no UTF-8) as its escape (FreeType raised a TypeError), control characters
    as spaces."""
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else " " for c in text).replace("$", r"\$")


def roc_figure(results: Mapping[str, AttackResult], *, title: str = "") -> Figure:
    """ROC curves of every attack on log-log axes, each in its own colour and line style
    (`curve_styles`), with the chance diagonal in black. A white-box attack's curve (one
    that reads the weights: ``access == "weights"``, which no black-box verdict uses) is
    marked with ``x`` markers and "white-box" in its legend entry, so that it is not read
    as a black-box attack's."""
    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot()
    floor = 1e-4
    drawn = {name: r for name, r in results.items() if len(r.metrics.fpr) > 0}
    for (name, result), (colour, dashes) in zip(
        drawn.items(), curve_styles(len(drawn)), strict=True
    ):
        m = result.metrics
        white_box = getattr(result, "access", None) == _WEIGHTS
        ax.plot(
            np.maximum(m.fpr, floor),
            np.maximum(m.tpr, floor),
            color=colour,
            linestyle=dashes,
            linewidth=1.4,
            label=f"{_literal(name)} ({_WHITE_BOX_NOTE if white_box else ''}AUC {m.auc:.3f})",
            **({"marker": "x", "markersize": 4, "markevery": 0.08, "gid": "white-box"}
               if white_box else {}),
        )  # fmt: skip
    ax.plot([floor, 1], [floor, 1], color="black", linewidth=0.8, label="chance")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor, 1)
    ax.set_ylim(floor, 1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    # centred over the axes (3 in from the image's left edge), in a font small enough to stay
    # inside: a stack of defenses with its release began outside the image (-112 px)
    text = _literal(title) or "membership inference ROC"
    size = _fitting_size(text, inches=5.9)
    ax.set_title(text, y=1.0, fontsize=size)  # y: `_TITLE_AT_TOP`
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=7, handlelength=4)
    ax.grid(True, which="both", alpha=0.3)
    # fixed margins (the legend on the right): tight_layout measured every label, a third
    # of a run's TensorBoard time
    fig.subplots_adjust(left=0.09, right=0.66, bottom=0.11, top=0.93)
    # Only the ticks in view, as the log locators place them at this size (so after the
    # margins): they add a decade beyond each end, a third of the figure's ticks (each a
    # handful of artists to build) never drawn.
    for axis in (ax.xaxis, ax.yaxis):
        for locator, use in ((axis.get_major_locator(), axis.set_major_locator),
                             (axis.get_minor_locator(), axis.set_minor_locator)):  # fmt: skip
            ticks = np.asarray(locator())
            use(FixedLocator(ticks[(ticks >= floor * (1 - 1e-9)) & (ticks <= 1 + 1e-9)]))
        # Rates as percentages (0.1%: where the literature reads TPR), in plain text: the
        # log axes' default labels are mathtext ($10^{-3}$), whose parser took 0.2 s of a run
        axis.set_major_formatter(_PERCENT)
        axis.set_minor_formatter(NullFormatter())
    return fig


def _fitting_size(text: str, *, inches: float, largest: float = 12.0) -> float:
    """A font size (points, at most ``largest``, at least 6) at which ``text``, in the
    default font, is ``inches`` wide or less (measured without drawing: no renderer)."""
    width, _, _ = TextToPath().get_text_width_height_descent(
        text, FontProperties(size=largest), ismath=False
    )
    return max(6.0, min(largest, largest * inches * 72 / max(width, 1.0)))


# The access level of a white-box attack (`mia_defense.attacks.base.WHITE_BOX`; not imported:
# this module imports no attack code).
_WEIGHTS = "weights"
# Before a white-box attack's AUC in the legend, over two lines: on one the entry ran past
# the image's right edge ('gradient_norm (white-box: reads the weigh', its AUC unseen).
_WHITE_BOX_NOTE = "white-box:\nreads the weights, "
_PERCENT = FuncFormatter(lambda rate, _: f"{100 * rate:g}%")


def score_figure(
    results: Mapping[str, AttackResult], masks: np.ndarray, *, title: str = ""
) -> Figure | None:
    """One histogram per attack with members and non-members drawn together, a row per
    attack in one plot; ``masks`` [K, N] says who is a member of model k.

    Attacks score on different scales, so each row spans its own attack's 0.5-99.5
    percentiles (written at the right; scores beyond fall into the edge bins) and draws both
    groups' densities on the same 40 bins, scaled together to the row's height. Non-finite
    scores are left out and counted beside the attack's name. Each curve's ``gid`` is
    ``NAME/members`` or ``NAME/non_members``. One Axes for all attacks: a panel each would
    cost ten times as long to draw.
    """
    if not results:
        return None
    n = len(results)
    fig = Figure(figsize=(7.5, 0.5 * n + 1.3))
    ax = fig.add_subplot()
    x = np.linspace(0.0, 1.0, 41)
    names: list[str] = []
    ranges: list[str] = []
    labelled: set[str] = set()  # the legend names each group once
    for row, (name, result) in enumerate(results.items()):
        base = n - 1 - row  # the first attack on top
        scores = np.asarray(result.scores, dtype=float)
        truth = np.asarray(masks, dtype=bool)[result.targets]
        finite = np.isfinite(scores)
        groups = {"non_members": scores[~truth & finite], "members": scores[truth & finite]}
        both = np.concatenate(list(groups.values()))
        low, high = np.percentile(both, [0.5, 99.5]) if both.size else (0.0, 1.0)
        edges = np.linspace(low, high if high > low else low + 1.0, x.size)
        density = {key: np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)[0] / v.size
                   for key, v in groups.items() if v.size}  # fmt: skip
        top = max((d.max() for d in density.values()), default=1.0) or 1.0
        for key, colour, dashes in (("non_members", "tab:orange", (0, (4, 2))),
                                    ("members", "tab:blue", "-")):  # fmt: skip
            if key in density:
                label = None if key in labelled else key.replace("_", "-")
                labelled.add(key)
                # a StepPatch as ax.stairs draws it, without its data-limit update (a Bezier
                # walk over every step, a third of the figure's time): the limits are set
                ax.add_artist(StepPatch(base + 0.85 * density[key] / top, x, baseline=base,
                                        fill=False, edgecolor=colour, linestyle=dashes,
                                        linewidth=1.1, gid=f"{name}/{key}", label=label))
        ranges.append(f"{low:.3g} .. {high:.3g}")
        ax.text(1.01, base + 0.2, ranges[-1], fontsize=6,
                transform=ax.get_yaxis_transform())  # fmt: skip
        hidden = int((~finite).sum())
        names.append(_literal(name) + (f" ({hidden} not finite)" if hidden else ""))
    ax.set_yticks(np.arange(n) + 0.2, names[::-1], fontsize=7)
    ax.set_ylim(0, n)
    ax.set_xlim(0, 1)
    ax.set_xticks([])
    ax.set_xlabel("score, low to high over each attack's range (at right); higher = member",
                  fontsize=7)  # fmt: skip
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=7, frameon=False)
    ax.set_title(_literal(title) or "attack scores: members vs non-members", fontsize=9, loc="left",
                 y=1.0)  # y: `_TITLE_AT_TOP`
    # fixed margins: tight_layout measures every label, as long as the drawing itself
    height = fig.get_figheight()
    # the ranges at the right: about 0.05 in a character at 6 pt ('-4.11e+06 .. 4.77e+06', a
    # gradient norm's, ran past the image's edge at right=0.89)
    width = fig.get_figwidth()
    right = min(0.89, 1 - (0.15 + 0.052 * max(map(len, ranges))) / width)
    fig.subplots_adjust(left=0.2, right=right, bottom=0.45 / height, top=1 - 0.45 / height)
    return fig


def class_figure(
    slices: Mapping[str, Mapping[str, Mapping[str, float]]], *, title: str = ""
) -> Figure | None:
    """Per-class attack success of every attack as two heatmaps: AUC, and TPR at the lowest
    FPR, with a row per attack and a column per slice (``class_C`` and any others).

    ``slices`` maps attack -> slice -> metrics. One figure for all attacks: comparing rows
    is the point, and one render costs a twelfth of twelve.
    """
    slices = {attack: rows for attack, rows in slices.items() if rows}
    if not slices:
        return None
    attacks = list(slices)
    columns = list(dict.fromkeys(name for rows in slices.values() for name in rows))
    first = next(iter(next(iter(slices.values())).values()))
    tpr_keys = [k for k in first if k.startswith("tpr@")]
    keys = ["auc"]
    if tpr_keys:
        keys.append(min(tpr_keys, key=lambda k: float(k[4:].split("%")[0])))
    width = max(6.0, 0.45 * len(columns) * len(keys) + 3)
    # each title in lines no wider than its panel's share of the margins below (its
    # colorbar's included): a TPR note of 3 classes ran 0.2 in past the image's right edge
    panel = (width - 2.3) / (len(keys) + 0.35 * (len(keys) - 1))
    titles = [_wrapped(_panel_title(key, slices, columns), inches=panel, size=9)
              for key in keys]  # fmt: skip
    # the figure's title in a smaller font, then over lines, to stay inside the image
    text = _literal(title) or "per-class attack success"
    size = _fitting_size(text, inches=width - 0.2, largest=10)
    text = _wrapped(text, inches=width - 0.2, size=size)
    # (a title of more lines than the top margin holds, two and one: 0.16 in more each)
    extra = 0.16 * max(0, max(t.count("\n") for t in titles) - 1)
    extra += text.count("\n") * size * 1.2 / 72
    height = 0.35 * len(attacks) + 2 + extra
    few = any(r.get("too_few_records") is True for rows in slices.values()
              for r in rows.values())  # fmt: skip
    xlabel = "class (n=: too few records for a figure)" if few else "class"
    fig = Figure(figsize=(width, height))
    for panel, key in enumerate(keys):
        values = np.array(
            [[slices[a].get(c, {}).get(key, np.nan) for c in columns] for a in attacks], dtype=float
        )
        ax = fig.add_subplot(1, len(keys), panel + 1)
        # AUC on its chance-to-perfect scale; TPR at low FPR is small: scale to its largest
        # (np.nanmax of no figure at all, every class too small, warned "All-NaN slice")
        shown = values[np.isfinite(values)]
        top = 1.0 if key == "auc" else max(0.01, float(shown.max()) if shown.size else 0.0)
        low = 0.5 if key == "auc" else 0.0
        image = ax.imshow(values, vmin=low, vmax=top, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(columns)), [_column_label(c, slices) for c in columns],
                      rotation=45, fontsize=7)
        ax.set_yticks(range(len(attacks)), [_literal(a) for a in attacks] if panel == 0
                      else [""] * len(attacks),
                      fontsize=7)
        ax.set_title(titles[panel], fontsize=9, y=1.0)  # `_TITLE_AT_TOP`
        ax.set_xlabel(xlabel, fontsize=8)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.02)
    fig.suptitle(text, fontsize=size)
    # fixed margins in inches (attack names at the left, rotated classes below)
    fig.subplots_adjust(left=1.6 / width, right=1 - 0.7 / width, bottom=0.7 / height,
                        top=1 - (0.6 + extra) / height, wspace=0.35)  # fmt: skip
    return fig


def _wrapped(text: str, *, inches: float, size: float) -> str:
    """``text`` with each line broken between words into lines ``inches`` wide or less at
    ``size`` points (a word wider than that alone on its line), measured as
    `_fitting_size` measures."""
    font, most = FontProperties(size=size), inches * 72
    measure = TextToPath().get_text_width_height_descent
    lines: list[str] = []
    for line in text.split("\n"):
        current = ""
        for word in line.split(" "):
            joined = f"{current} {word}" if current else word
            if current and measure(joined, font, ismath=False)[0] > most:
                lines.append(current)
                joined = word
            current = joined
        lines.append(current)
    return "\n".join(lines)


def _panel_title(
    key: str, slices: Mapping[str, Mapping[str, Mapping[str, Any]]], columns: list[str]
) -> str:
    """A heatmap's title, ``AUC`` or ``TPR@0.1%FPR``; for a TPR, how many of its columns rest
    on fewer non-member scores than 1/FPR (`unresolved_fprs`: there the TPR is the TPR at FPR
    0; a digits class of 100 records at 8 targets has 400), and how many have the scores but
    fewer distinct non-member records (`pooled_only_fprs`: one record's scores over the
    targets can make up the whole FPR), as the run's own figures are marked."""
    if not key.startswith("tpr@"):
        return key.upper()
    fpr = float(key[4:].split("%")[0]) / 100
    thin = pooled = 0
    for column in columns:
        rows = [r[column] for r in slices.values() if column in r]
        count = _first_count(rows, "nonmember_scores")
        records = _first_count(rows, "nonmember_records")
        thin += count is not None and bool(unresolved_fprs(count, [fpr]))
        pooled += None not in (count, records) and bool(pooled_only_fprs(records, count, [fpr]))
    needed = math.ceil(1 / fpr - 1e-9)
    said = ([f"{thin} of {len(columns)}: TPR at FPR 0, under {needed} non-member scores"]
            if thin else []) + ([f"{pooled} of {len(columns)}: pooled, under {needed} distinct "
                                 "records"] if pooled else [])  # fmt: skip
    return key.upper() + "".join(f"\n({line})" for line in said)


def _first_count(rows: list[Mapping[str, Any]], field: str) -> int | None:
    """The first of ``rows``' ``field`` that is a count (an int, not a bool), or ``None``:
    each attack's row of a class records the same counts."""
    return next((v for row in rows if isinstance(v := row.get(field), int)
                 and not isinstance(v, bool)), None)  # fmt: skip


def _column_label(column: str, slices: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> str:
    """A heatmap column's class, with its count where the slice has too few records for a
    figure (``too_few_records``, `mia_defense.metrics.records.MIN_SLICE_RECORDS`): its cells
    are empty, not a class that nothing was measured on; and where 1-4 canaries have
    figures that are theirs alone (``weak``)."""
    label = column.removeprefix("class_")
    for rows in slices.values():
        row = rows.get(column, {})
        if row.get("too_few_records") is True or row.get("weak"):
            return f"{label} (n={row.get('records', '?')})"
    return label


def figure_summary(tag: str, fig: Figure) -> Summary:
    """What ``SummaryWriter.add_figure(tag, fig)`` writes, the same PNG: ``fig`` drawn by Agg
    at its own dpi, without importing pyplot (add_figure does, to close the figure: 60 ms)
    and without its round trip of every pixel through float32."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[:, :, :3]
    png = io.BytesIO()
    Image.fromarray(rgb).save(png, format="PNG")
    height, width, channels = rgb.shape
    return image_summary(tag, png.getvalue(), width=width, height=height, channels=channels)


def image_summary(tag: str, png: bytes, *, width: int, height: int, channels: int) -> Summary:
    """A TensorBoard image summary of the encoded ``png``."""
    image = Summary.Image(height=height, width=width, colorspace=channels,
                          encoded_image_string=png)  # fmt: skip
    return Summary(value=[Summary.Value(tag=tag, image=image)])

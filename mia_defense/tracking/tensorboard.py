"""TensorBoard logging of one run: training curves, its HParams session with the few
metrics a comparison needs, one summary table, and figures (ROC, score histograms, per class).

Every final figure of the run is in the summary table (a text card) and in results.json;
only the comparison metrics (`mia_defense.tracking.hparams.comparison_metrics`) are scalars,
for the HParams tab. The experiment config that names the HParams columns is not written
here: see `mia_defense.tracking.hparams`.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch
from matplotlib.ticker import FixedLocator
from PIL import Image
from tensorboard.compat.proto.summary_pb2 import Summary
from torch.utils.tensorboard import SummaryWriter

from mia_defense.attacks.runner import AttackResult
from mia_defense.errors import DataError
from mia_defense.tracking.hparams import comparison_metrics, session_hparams, session_summaries
from mia_defense.training.loop import EpochRecord, ModelHistory

__all__ = [
    "add_figure",
    "class_figure",
    "curve_styles",
    "log_run",
    "roc_figure",
    "score_figure",
    "summary_table",
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


def roc_figure(results: Mapping[str, AttackResult], *, title: str = "") -> Figure:
    """ROC curves of every attack on log-log axes, each in its own colour and line style
    (`curve_styles`), with the chance diagonal in black."""
    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot()
    floor = 1e-4
    drawn = {name: r for name, r in results.items() if len(r.metrics.fpr) > 0}
    for (name, result), (colour, dashes) in zip(
        drawn.items(), curve_styles(len(drawn)), strict=True
    ):
        m = result.metrics
        ax.plot(
            np.maximum(m.fpr, floor),
            np.maximum(m.tpr, floor),
            color=colour,
            linestyle=dashes,
            linewidth=1.4,
            label=f"{name} (AUC {m.auc:.3f})",
        )
    ax.plot([floor, 1], [floor, 1], color="black", linewidth=0.8, label="chance")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor, 1)
    ax.set_ylim(floor, 1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title or "membership inference ROC", y=1.0)  # y: `_TITLE_AT_TOP`
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
    return fig


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
        ax.text(1.01, base + 0.2, f"{low:.3g} .. {high:.3g}", fontsize=6,
                transform=ax.get_yaxis_transform())  # fmt: skip
        hidden = int((~finite).sum())
        names.append(name + (f" ({hidden} not finite)" if hidden else ""))
    ax.set_yticks(np.arange(n) + 0.2, names[::-1], fontsize=7)
    ax.set_ylim(0, n)
    ax.set_xlim(0, 1)
    ax.set_xticks([])
    ax.set_xlabel("score, low to high over each attack's range (at right); higher = member",
                  fontsize=7)  # fmt: skip
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=7, frameon=False)
    ax.set_title(title or "attack scores: members vs non-members", fontsize=9, loc="left",
                 y=1.0)  # y: `_TITLE_AT_TOP`
    # fixed margins: tight_layout measures every label, as long as the drawing itself
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.2, right=0.89, bottom=0.45 / height, top=1 - 0.45 / height)
    return fig


def summary_table(scalars: Mapping[str, float]) -> str:
    """The run's final figures as Markdown (TensorBoard's text card): utility and privacy
    figures in one table, the attacks in another (a row each), intervals in brackets.

    ``scalars`` are results.json's ``headline``: ``utility/KEY``, ``privacy/KEY`` and
    ``attack/NAME/KEY``, each interval as ``KEY_ci_low`` and ``KEY_ci_high``.
    """
    run: dict[str, str] = {}
    attacks: dict[str, dict[str, str]] = {}
    for key, value in scalars.items():
        if key.endswith(("_ci_low", "_ci_high")):
            continue
        cell = _cell(value, scalars.get(f"{key}_ci_low"), scalars.get(f"{key}_ci_high"))
        group, _, rest = key.partition("/")
        if group == "attack":
            name, _, metric = rest.partition("/")
            attacks.setdefault(name, {})[metric] = cell
        else:
            run[key] = cell
    lines = ["| figure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in run.items())]
    if attacks:
        columns = list(dict.fromkeys(m for row in attacks.values() for m in row))
        lines += ["", "| attack | " + " | ".join(columns) + " |",
                  "|---" * (len(columns) + 1) + "|"]  # fmt: skip
        lines += [f"| {name} | " + " | ".join(row.get(c, "") for c in columns) + " |"
                  for name, row in attacks.items()]  # fmt: skip
    return "\n".join(lines)


def _cell(value: Any, low: Any, high: Any) -> str:
    text = _number(value)
    if low is not None and high is not None and np.isfinite([low, high]).all():
        text += f" [{_number(low)}, {_number(high)}]"
    return text


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        return str(value)
    return f"{float(value):.4g}"


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
    height = 0.35 * len(attacks) + 2
    fig = Figure(figsize=(width, height))
    for panel, key in enumerate(keys):
        values = np.array(
            [[slices[a].get(c, {}).get(key, np.nan) for c in columns] for a in attacks], dtype=float
        )
        ax = fig.add_subplot(1, len(keys), panel + 1)
        # AUC on its chance-to-perfect scale; TPR at low FPR is small: scale to its largest
        top = 1.0 if key == "auc" else max(0.01, float(np.nan_to_num(np.nanmax(values))))
        low = 0.5 if key == "auc" else 0.0
        image = ax.imshow(values, vmin=low, vmax=top, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(columns)), [c.removeprefix("class_") for c in columns],
                      rotation=45, fontsize=7)
        ax.set_yticks(range(len(attacks)), attacks if panel == 0 else [""] * len(attacks),
                      fontsize=7)
        ax.set_title(key.upper(), fontsize=9, y=1.0)  # y: `_TITLE_AT_TOP`
        ax.set_xlabel("class", fontsize=8)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.02)
    fig.suptitle(title or "per-class attack success", fontsize=10)
    # fixed margins in inches (attack names at the left, rotated classes below)
    fig.subplots_adjust(left=1.6 / width, right=1 - 0.7 / width, bottom=0.7 / height,
                        top=1 - 0.6 / height, wspace=0.35)  # fmt: skip
    return fig


def _mean_curves(histories: Sequence[ModelHistory]) -> dict[str, dict[int, float]]:
    """Means over models at each recorded epoch (``train.eval_every`` spaces the records;
    models that stopped early drop out of later epochs): field -> {epoch: mean}."""
    by_epoch: dict[int, list[EpochRecord]] = {}
    for history in histories:
        for record in history.epochs:
            by_epoch.setdefault(record.epoch, []).append(record)
    curves: dict[str, dict[int, float]] = {}
    for field in ("train_loss", "train_acc", "test_loss", "test_acc"):
        curves[field] = {
            epoch: float(np.mean([getattr(r, field) for r in records]))
            for epoch, records in sorted(by_epoch.items())
        }
    return curves


def _mean_epoch_stats(histories: Sequence[ModelHistory]) -> dict[str, list[float]]:
    """Per-epoch means over models of what the defenses report (e.g. DP-SGD's epsilon)."""
    keys = sorted({key for h in histories for stats in h.epoch_stats for key in stats})
    longest = max((len(h.epoch_stats) for h in histories), default=0)
    curves: dict[str, list[float]] = {}
    for key in keys:
        curves[key] = []
        for e in range(longest):
            values = [h.epoch_stats[e][key] for h in histories
                      if len(h.epoch_stats) > e and key in h.epoch_stats[e]]
            if values:
                curves[key].append(float(np.mean(values)))
    return curves


def log_run(
    log_dir: Path,
    *,
    histories: Sequence[ModelHistory],
    attacks: Mapping[str, AttackResult],
    scalars: Mapping[str, float],
    hparams: Mapping[str, Any],
    title: str = "",
    masks: np.ndarray | None = None,
    slices: Mapping[str, Mapping[str, Mapping[str, float]]] | None = None,
    figures: bool = True,
) -> None:
    """Write the run's TensorBoard events under ``log_dir``.

    Per-epoch means over the models of the training curves and of what the defenses report;
    the run's HParams session (``hparams``, see `session_hparams`) with the comparison
    metrics of ``scalars`` (results.json's ``headline``) as scalars; all of ``scalars`` as
    one ``summary`` table; the ``roc`` figure; with ``masks`` [K, N] the ``scores`` figure
    (members vs non-members, one histogram per attack); with ``slices`` (attack -> slice ->
    metrics) the ``per_class`` figure. ``figures=False`` leaves the three figures out (about a
    second of a run).

    Event files of an earlier, unfinished attempt of this run are replaced.
    """
    start = time.time()
    with _events_writer(Path(log_dir)) as writer:
        for field, values in _mean_curves(histories).items():
            split, metric = field.split("_")
            name = {"acc": "accuracy", "loss": "loss"}[metric]
            for epoch, value in values.items():
                writer.add_scalar(f"{name}/{split}", value, epoch + 1)
        for key, values in _mean_epoch_stats(histories).items():
            for epoch, value in enumerate(values):
                writer.add_scalar(f"defense/{key}", value, epoch + 1)
        for tag, value in comparison_metrics(scalars).items():
            writer.add_scalar(tag, value, 0)
        writer.add_text("summary", summary_table(scalars), 0)
        if figures:
            _add_figures(writer, attacks, title=title, masks=masks, slices=slices)
        for summary in session_summaries(session_hparams(hparams), start=start, end=time.time()):
            writer.file_writer.add_summary(summary)


def _add_figures(
    writer: SummaryWriter,
    attacks: Mapping[str, AttackResult],
    *,
    title: str,
    masks: np.ndarray | None,
    slices: Mapping[str, Mapping[str, Mapping[str, float]]] | None,
) -> None:
    """The ``roc`` figure, the ``scores`` figure with ``masks``, the ``per_class`` one."""
    add_figure(writer, "roc", roc_figure(attacks, title=title))
    if masks is not None:
        fig = score_figure(attacks, masks)
        if fig is not None:
            add_figure(writer, "scores", fig)
    fig = class_figure({name: dict((slices or {}).get(name, {})) for name in attacks})
    if fig is not None:
        add_figure(writer, "per_class", fig)


def add_figure(writer: SummaryWriter, tag: str, fig: Figure) -> None:
    """What ``writer.add_figure(tag, fig, 0)`` writes, the same PNG: ``fig`` drawn by Agg,
    without importing pyplot (add_figure does, to close the figure: 60 ms) and without
    its round trip of every pixel through float32."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[:, :, :3]
    png = io.BytesIO()
    Image.fromarray(rgb).save(png, format="PNG")
    height, width, channels = rgb.shape
    image = Summary.Image(height=height, width=width, colorspace=channels,
                          encoded_image_string=png.getvalue())  # fmt: skip
    writer.file_writer.add_summary(Summary(value=[Summary.Value(tag=tag, image=image)]), 0)


@contextmanager
def _quiet_writer_thread() -> Iterator[None]:
    """TensorBoard's writer thread prints a traceback when a write fails (a full disk) and
    the main thread then raises the same error: keep only the main thread's, as one line."""
    default = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if not issubclass(args.exc_type, OSError):
            default(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = default


@contextmanager
def _events_writer(log_dir: Path) -> Iterator[SummaryWriter]:
    """A SummaryWriter on ``log_dir`` that replaces the event files already there (they can
    only come from an earlier, unfinished attempt of this same run: the run directory
    refuses other configs, and TensorBoard would draw both attempts as one run) and turns
    a failed write (a full disk) into one `DataError`."""
    try:
        for old in log_dir.glob("events.out.tfevents.*"):
            old.unlink()
        with _quiet_writer_thread():
            writer = SummaryWriter(log_dir=str(log_dir))
            try:
                yield writer
            finally:
                writer.close()
    except OSError as exc:
        raise DataError(
            f"{log_dir}: cannot write the TensorBoard events ({exc.strerror or exc}); free "
            "disk space or choose a writable run directory (hydra.run.dir=...)"
        ) from None



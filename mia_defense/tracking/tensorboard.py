"""TensorBoard logging of one run: curves, final scalars, ROC figure, hparams."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from torch.utils.tensorboard import SummaryWriter
from torch.utils.tensorboard.summary import hparams as hparams_summary

from mia_defense.attacks.runner import AttackResult
from mia_defense.errors import DataError
from mia_defense.training.loop import EpochRecord, ModelHistory

__all__ = ["class_figure", "log_run", "roc_figure"]


def roc_figure(results: Mapping[str, AttackResult], *, title: str = "") -> Figure:
    """ROC curves of every attack on log-log axes, with the chance diagonal."""
    fig = Figure(figsize=(5.5, 5))
    ax = fig.add_subplot()
    floor = 1e-4
    for name, result in results.items():
        m = result.metrics
        if len(m.fpr) == 0:
            continue
        ax.plot(
            np.maximum(m.fpr, floor),
            np.maximum(m.tpr, floor),
            label=f"{name} (AUC {m.auc:.3f})",
        )
    ax.plot([floor, 1], [floor, 1], "k--", linewidth=1, label="chance")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor, 1)
    ax.set_ylim(floor, 1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title or "membership inference ROC")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
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
    fig = Figure(figsize=(width, 0.35 * len(attacks) + 2))
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
        ax.set_title(key.upper(), fontsize=9)
        ax.set_xlabel("class", fontsize=8)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.02)
    fig.suptitle(title or "per-class attack success", fontsize=10)
    fig.tight_layout()
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
) -> None:
    """Write the run's TensorBoard events under ``log_dir``.

    ``scalars`` are the headline metrics; they also become the hparams metrics so the
    HParams tab lines runs of a sweep up against their hyperparameters. With ``masks``
    [K, N] each attack's scores are histogrammed for members vs non-members; with
    ``slices`` (attack -> slice -> metrics) one ``per_class`` figure shows every attack's
    AUC and low-FPR TPR per class as heatmaps.

    Event files of an earlier, unfinished attempt of this run are replaced.
    """
    with _events_writer(Path(log_dir)) as writer:
        for field, values in _mean_curves(histories).items():
            split, metric = field.split("_")
            name = {"acc": "accuracy", "loss": "loss"}[metric]
            for epoch, value in values.items():
                writer.add_scalar(f"{name}/{split}", value, epoch + 1)
        for key, values in _mean_epoch_stats(histories).items():
            for epoch, value in enumerate(values):
                writer.add_scalar(f"defense/{key}", value, epoch + 1)
        for name, value in scalars.items():
            writer.add_scalar(name, value, 0)
        writer.add_figure("roc", roc_figure(attacks, title=title), 0)
        for name, result in attacks.items():
            if masks is not None:
                truth = masks[result.targets]
                scores = np.nan_to_num(result.scores, nan=0.0, posinf=1e6, neginf=-1e6)
                writer.add_histogram(f"scores/{name}/members", scores[truth], 0)
                writer.add_histogram(f"scores/{name}/non_members", scores[~truth], 0)
        fig = class_figure({name: dict((slices or {}).get(name, {})) for name in attacks})
        if fig is not None:
            writer.add_figure("per_class", fig, 0)
        clean_hparams = {
            key: value if isinstance(value, (bool, int, float, str)) else str(value)
            for key, value in hparams.items()
        }
        metrics = {key: float(value) for key, value in scalars.items() if np.isfinite(value)}
        experiment, start, end = hparams_summary(clean_hparams, metrics)
        writer.file_writer.add_summary(experiment)
        writer.file_writer.add_summary(start)
        writer.file_writer.add_summary(end)


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



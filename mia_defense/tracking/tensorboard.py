"""TensorBoard logging of one run: curves, final scalars, ROC figure, hparams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from torch.utils.tensorboard import SummaryWriter
from torch.utils.tensorboard.summary import hparams as hparams_summary

from mia_defense.attacks.runner import AttackResult
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


def class_figure(slices: Mapping[str, Mapping[str, float]], *, title: str = "") -> Figure | None:
    """Per-class bars of one attack: AUC and TPR at the lowest FPR of each class slice.

    ``slices`` maps ``class_C`` (and other slices, drawn too) to their metrics.
    """
    if not slices:
        return None
    names = list(slices)
    tpr_keys = [k for k in next(iter(slices.values())) if k.startswith("tpr@")]
    fig = Figure(figsize=(max(5.0, 0.5 * len(names) + 2), 4))
    ax = fig.add_subplot()
    pos = np.arange(len(names))
    ax.bar(pos - 0.2, [slices[n]["auc"] for n in names], width=0.4, label="AUC")
    if tpr_keys:
        key = min(tpr_keys, key=lambda k: float(k[4:].split("%")[0]))
        ax.bar(pos + 0.2, [slices[n][key] for n in names], width=0.4, label=key.upper())
    ax.axhline(0.5, color="k", linestyle="--", linewidth=1)
    ax.set_xticks(pos, [n.removeprefix("class_") for n in names], rotation=45, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_title(title or "per-class attack success")
    ax.legend(fontsize=8)
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
    ``slices`` (attack -> slice -> metrics) each attack gets a per-class bar chart.
    """
    writer = SummaryWriter(log_dir=str(log_dir))
    try:
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
            fig = class_figure(dict((slices or {}).get(name, {})), title=f"{name}: per class")
            if fig is not None:
                writer.add_figure(f"per_class/{name}", fig, 0)
        clean_hparams = {
            key: value if isinstance(value, (bool, int, float, str)) else str(value)
            for key, value in hparams.items()
        }
        metrics = {key: float(value) for key, value in scalars.items() if np.isfinite(value)}
        experiment, start, end = hparams_summary(clean_hparams, metrics)
        writer.file_writer.add_summary(experiment)
        writer.file_writer.add_summary(start)
        writer.file_writer.add_summary(end)
    finally:
        writer.close()

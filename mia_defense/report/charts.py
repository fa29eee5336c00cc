"""Charts of a sweep: accuracy against attack success with the Pareto front, and ROC curves."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import matplotlib.colors
from matplotlib.figure import Figure

from mia_defense.attacks.runner import AttackResult
from mia_defense.errors import DataError
from mia_defense.metrics import roc_metrics
from mia_defense.report.table import BASELINE, RunSummary
from mia_defense.tracking import load_npz, roc_figure

__all__ = ["LEAKAGE", "run_roc", "runs_roc_figure", "save_figure", "tradeoff_figure"]

log = logging.getLogger(__name__)

# Leakage axes: summary attribute -> (axis label, value of an attacker who guesses).
LEAKAGE: dict[str, tuple[str, float]] = {
    "leak_tpr": ("strongest attack's TPR at 0.1% FPR  (lower = more private)", 0.001),
    "leak_auc": ("strongest attack's AUC  (lower = more private)", 0.5),
}
_MARKERS = "osD^vP*Xph<>"


def _styles(families: Sequence[str]) -> dict[str, tuple[str, str]]:
    """One (marker, colour) per family, in order of first appearance; the undefended
    baseline is always a black star, drawn last so that no other marker hides it."""
    unique = [f for f in dict.fromkeys(families) if f != BASELINE]
    palette = _palette(len(unique))
    styles = {
        fam: (marker, colour)
        for fam, marker, colour in zip(
            unique, itertools.cycle(_MARKERS), itertools.cycle(palette), strict=False
        )
    }
    if BASELINE in families:
        styles[BASELINE] = ("*", "black")
    return styles


def _palette(count: int) -> list[str]:
    """Distinct, saturated colours: tab10, then Dark2 beyond ten families."""
    colours = [f"C{i}" for i in range(10)]
    if count > 10:
        dark = matplotlib.colormaps["Dark2"]
        colours += [matplotlib.colors.to_hex(dark(i)) for i in range(dark.N)]
    return colours


def tradeoff_figure(
    summaries: Sequence[RunSummary],
    *,
    leakage: str = "leak_tpr",
    front: Sequence[int] = (),
    title: str = "",
) -> Figure:
    """Test accuracy (y) against attack success (x), one marker and colour per defense family.

    The Pareto front (``front``: indices into ``summaries``, by increasing leakage) is drawn
    as a staircase and its runs numbered as in the report's list; a dotted line marks chance.

    Args:
        summaries: the runs.
        leakage: ``leak_tpr`` (TPR at 0.1% FPR) or ``leak_auc``.
        front: the Pareto front for this leakage figure.
        title: the chart's title.
    """
    if leakage not in LEAKAGE:
        raise ValueError(f"leakage must be one of {sorted(LEAKAGE)}, got {leakage!r}")
    xlabel, chance = LEAKAGE[leakage]
    fig = Figure(figsize=(7.5, 5.2))
    ax = fig.add_subplot()
    styles = _styles([s.family for s in summaries])
    for family, (marker, colour) in styles.items():
        pts = [(getattr(s, leakage), s.test_accuracy) for s in summaries if s.family == family]
        xs, ys = zip(*pts, strict=True)
        baseline = family == BASELINE
        ax.scatter(
            xs, ys, marker=marker, color=colour, label=family,
            s=130 if baseline else 55, alpha=1.0 if baseline else 0.85, zorder=5 if baseline else 3,
        )  # fmt: skip
    if front:
        fx = [getattr(summaries[i], leakage) for i in front]
        fy = [summaries[i].test_accuracy for i in front]
        ax.step(fx, fy, where="post", color="black", linewidth=1.2, alpha=0.7, zorder=2,
                label="Pareto front (best tradeoffs)")  # fmt: skip
        ax.scatter(fx, fy, s=150, facecolors="none", edgecolors="black", linewidths=1.2, zorder=4)
        for rank, (x, y) in enumerate(zip(fx, fy, strict=True), start=1):
            ax.annotate(str(rank), (x, y), textcoords="offset points", xytext=(7, 5), fontsize=9)
    ax.axvline(chance, color="grey", linestyle=":", linewidth=1.5,
               label=f"chance (attacker guessing: {chance:g})")  # fmt: skip
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test accuracy  (higher = more useful)")
    ax.set_title(title or "privacy-utility tradeoff: up and to the left is better")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8, framealpha=0.9)
    fig.tight_layout()
    return fig


def run_roc(summary: RunSummary, *, attack: str | None = None) -> AttackResult:
    """The ROC of one attack of a run (default: its strongest), recomputed from
    scores.npz and the membership masks in observations.npz.

    Raises:
        DataError: a file is missing or corrupt, or the attack is not in scores.npz.
    """
    name = attack or summary.strongest_attack
    scores_file = load_npz(summary.path / "scores.npz")
    key = f"scores/{name}"
    if key not in scores_file:
        raise DataError(f"{summary.path / 'scores.npz'}: no scores for attack {name!r}")
    targets = scores_file["targets"]
    masks = load_npz(summary.path / "observations.npz")["masks"]
    scores = scores_file[key]
    metrics = roc_metrics(scores, masks[targets], fprs=(0.1, 0.01, 0.001))
    return AttackResult(name, targets, scores, metrics, 0.0)


def runs_roc_figure(summaries: Sequence[RunSummary], *, labels: Sequence[str]) -> Figure | None:
    """Log-log ROC curves of each run's strongest attack; runs whose files fail are skipped.

    Returns ``None`` when no run's curve could be computed.
    """
    curves: dict[str, AttackResult] = {}
    for summary, label in zip(summaries, labels, strict=True):
        try:
            curves[f"{label} [{summary.strongest_attack}]"] = run_roc(summary)
        except DataError as exc:
            log.warning("no ROC curve for %s: %s", summary.name, exc)
    if not curves:
        return None
    fig = roc_figure(curves, title="ROC of each run's strongest attack (log-log)")
    fig.set_size_inches(7.5, 6)
    fig.tight_layout()
    return fig


def save_figure(fig: Figure, path: Path) -> None:
    """Write ``fig`` as a PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


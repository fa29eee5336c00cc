"""ROC metrics of a membership-inference attack: AUC, TPR at low FPR, advantage."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from mia_defense.errors import DataError
from mia_defense.metrics.inputs import as_fprs, as_fraction, as_scores, as_truth

__all__ = [
    "AttackMetrics", "average_ranks", "chance_level_headline", "fpr_key", "fpr_percent",
    "fpr_read_at", "fpr_read_key", "more_records_advice", "nonmember_counts",
    "pooled_only_fprs", "pooled_only_text", "read_far_below", "roc_metrics", "tied_fprs",
    "top_tied_nonmembers", "tpr_at_fpr", "unresolved_fprs",
]

DEFAULT_FPRS: tuple[float, ...] = (0.1, 0.01, 0.001)


@dataclass(frozen=True)
class AttackMetrics:
    """How well scores separate members from non-members.

    Attributes:
        auc: area under the ROC curve (0.5 is chance).
        tpr_at_fpr: ``{fpr: tpr}``, the highest TPR any threshold reaches at FPR <= fpr.
        advantage: max over thresholds of TPR - FPR (Yeom et al. 2018).
        fpr, tpr: the ROC curve.
    """

    auc: float
    tpr_at_fpr: dict[float, float]
    advantage: float
    fpr: np.ndarray
    tpr: np.ndarray


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values`` [n], ties sharing their mean rank: scipy.stats.rankdata's
    default, the same floats, without importing scipy.stats (a second of mia-report's start)."""
    values = np.asarray(values)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts_group = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    group = np.cumsum(starts_group) - 1
    first = np.flatnonzero(starts_group)  # 0-based position where each tie group starts
    past = np.append(first[1:], len(values))  # ... and where it ends (exclusive)
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = (0.5 * (past + first + 1))[group]
    return ranks


def tpr_at_fpr(fpr: np.ndarray, tpr: np.ndarray, target: float) -> float:
    """Highest TPR on the ROC curve at an FPR not above ``target`` (Carlini et al. 2022)."""
    # (the float: FPR 0.01 compared with Fraction(1, 100) exactly was above it)
    target = as_fraction(target, key="tpr_at_fpr: target", note="the FPR, 0.001 for 0.1%")
    fpr, tpr = _curve(fpr, tpr, where="tpr_at_fpr")
    reachable = fpr <= target
    return float(tpr[reachable].max()) if reachable.any() else 0.0


def fpr_read_at(fpr: np.ndarray, tpr: np.ndarray, target: float) -> float:
    """The FPR at which `tpr_at_fpr` reads its TPR at ``target``: the highest FPR not above
    ``target`` at which the ROC curve has that TPR (NaN for no curve). ``target`` itself, or
    just below it, unless a step of tied scores, members and non-members at one score, spans
    it: no threshold reaches an FPR inside the step, so the TPR is read at the step's start,
    which may lie far below ``target`` (release=label_only at plan.num_models=4: lira_online's
    TPR@10%FPR 0.051 was read at FPR 2.9%). Where the curve is flat past that point (no member
    among the next scores) the TPR is the same at ``target``, and ``target`` is returned."""
    target = as_fraction(target, key="fpr_read_at: target", note="the FPR, 0.001 for 0.1%")
    fpr, tpr = _curve(fpr, tpr, where="fpr_read_at")
    reachable = np.flatnonzero(fpr <= target)
    if not reachable.size:
        return float("nan")
    last = reachable[-1]  # (the curve never falls: its highest TPR at FPR <= target)
    if last + 1 < len(fpr) and tpr[last + 1] == tpr[last]:
        return float(target)
    return float(fpr[last])


def _curve(fpr: Any, tpr: Any, *, where: str) -> tuple[np.ndarray, np.ndarray]:
    """An ROC curve as two float64 [P] arrays; a `DataError` naming ``where`` otherwise (a
    list was a raw TypeError, arrays of other lengths numpy's IndexError)."""
    fpr, tpr = as_scores(fpr, where=where, name="fpr"), as_scores(tpr, where=where, name="tpr")
    if fpr.ndim != 1 or fpr.shape != tpr.shape:
        raise DataError(f"{where}: fpr {fpr.shape} and tpr {tpr.shape}: give the ROC curve as "
                        "two [P] arrays, one point each (roc_metrics' fpr and tpr)")  # fmt: skip
    return fpr, tpr


def read_far_below(
    read: Mapping[float, Any], nonmember_scores: int, fprs: Sequence[float]
) -> list[tuple[float, float]]:
    """``(fpr, fpr read)`` for each of ``fprs`` whose TPR is read (``read``: `fpr_read_at` of
    each FPR; a missing or non-numeric one is left out) at an FPR below half of it, where
    ``nonmember_scores`` scores resolve it (else `unresolved_fprs` says why): a step of tied
    scores spans it, and the TPR there is no figure at that FPR (below the FPR itself, it
    reads as below chance although the attack's AUC may be above 0.5)."""
    unresolved = unresolved_fprs(nonmember_scores, fprs)
    found = []
    for f in sorted(fprs):
        value = read.get(f)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if f not in unresolved and value < f / 2:
            found.append((f, float(value)))
    return found


def fpr_percent(fpr: float) -> str:
    """An FPR as the percentage its figures are labelled with (``tpr@0.1%fpr``): six
    significant digits, as ever, and more where six round it up to 100: 0.9999999 was
    labelled ``tpr@100%fpr``, an FPR at which every attack has TPR 1. Written in plain
    decimals (``0.00001``, not ``1e-05``) so a key matches ``tpr@[0-9.]+%fpr`` as the report
    reads it: an FPR below 1e-6 had a key no objective could name."""
    percent = float(fpr) * 100
    for digits in range(6, 18):
        text = f"{percent:.{digits}g}"
        if text != "100" or percent >= 100:
            return _plain(text)
    return _plain(repr(percent))


# From this lowest FPR on, the headline (the strongest attack's TPR at the lowest of
# attack.fprs) is one random guessing scores half the time or more: no evidence of a leak.
CHANCE_HEADLINE_FPR = 0.5


def chance_level_headline(fprs: Sequence[float]) -> str | None:
    """The warning for ``attack.fprs`` whose lowest is `CHANCE_HEADLINE_FPR` or more: the run
    ends 'strongest attack at 99.9999% FPR: rmia (TPR 1.0000)', a TPR a guess that calls
    members at random (TPR = FPR) scores too. ``None`` for any other list (a high FPR beside
    a low one is fine: only the lowest heads the results)."""
    lowest = min(map(float, fprs), default=None)
    if lowest is None or lowest < CHANCE_HEADLINE_FPR:
        return None
    typed = [np.format_float_positional(float(f), trim="-") for f in fprs]  # (no 1e-05)
    shown = np.format_float_positional(lowest, trim="-")
    return (f"attack.fprs: its lowest, {shown}, heads the results (the strongest attack's "
            f"TPR at {fpr_percent(lowest)}% FPR), and random guessing scores a TPR of "
            f"{shown} there (a guess's TPR is its FPR), so a TPR there, even 1, is no "
            f"evidence of a leak; add a low FPR such as 0.001 "
            f"(attack.fprs=[0.001,{','.join(typed)}])")


def fpr_key(fpr: float) -> str:
    """The results.json key of the TPR at ``fpr``, e.g. ``tpr@0.1%fpr``."""
    return f"tpr@{fpr_percent(fpr)}%fpr"


def fpr_read_key(fpr: float) -> str:
    """The results.json key of the FPR at which the TPR at ``fpr`` was read (`fpr_read_at`),
    e.g. ``fpr_read@10%fpr``: below ``fpr`` where a step of tied scores spans it."""
    return f"fpr_read@{fpr_percent(fpr)}%fpr"


def _plain(text: str) -> str:
    """``text`` (a float as %g or repr writes it) without an exponent: the same digits."""
    if "e" not in text.lower() or not math.isfinite(float(text)):
        return text
    return format(Decimal(text), "f")


def unresolved_fprs(nonmember_scores: int, fprs: Sequence[float]) -> list[float]:
    """The FPRs below the resolution of ``nonmember_scores`` scores (fewer than 1 / FPR of
    them): the smallest non-zero FPR a threshold can reach is 1 / ``nonmember_scores``, so
    the TPR reported at such an FPR is the TPR at FPR 0, not a measurement at that FPR."""
    return sorted(f for f in fprs if nonmember_scores * f < 1)


def nonmember_counts(members: np.ndarray) -> tuple[int, int]:
    """How many non-member scores the [T, N] bool membership ``members`` (targets x the
    records judged) pools, and how many distinct records they are of (out of some target's
    training set): the counts `unresolved_fprs` and `pooled_only_fprs` take."""
    out = ~members
    return int(out.sum()), int(out.any(axis=0).sum())


def pooled_only_fprs(
    nonmember_records: int, nonmember_scores: int, fprs: Sequence[float]
) -> list[float]:
    """The FPRs that ``nonmember_scores`` pooled scores resolve (`unresolved_fprs`) but
    ``nonmember_records`` distinct records do not (fewer than 1 / FPR of them).

    The scores pool targets x records, as LiRA's and RMIA's evaluations do, so a threshold
    reaches an FPR of 1 / scores. But a record's scores across the targets are not
    independent (an outlier is one for every model): with fewer distinct non-members than
    1 / FPR, the scores of one record can make up the whole FPR, which is then an FPR of
    these few records, not one on fresh records; the intervals, which resample records, hold
    that spread, the point figure does not."""
    unresolved = unresolved_fprs(nonmember_scores, fprs)
    return sorted(f for f in fprs if nonmember_records * f < 1 and f not in unresolved)


def more_records_advice(nonmember_records: int, population: int | None, fpr: float) -> str:
    """What backs ``fpr`` with enough distinct non-member records (`pooled_only_fprs`): a
    larger population, or, where the ``population`` (canaries aside) holds enough, more
    targets: the records a member of every target (attack.num_targets below
    plan.num_models) give no non-member score (4 targets of digits' 1,000: 962 records)."""
    needed = math.ceil(1 / fpr)
    if population is not None and nonmember_records < needed <= population:
        return (f"raise attack.num_targets: {population - nonmember_records} of the "
                f"{population} records train every target, so none of their scores is a "
                "non-member's")  # fmt: skip
    return (f"raise plan.population_size to at least {needed} records (more targets add "
            "scores of the same records)")  # fmt: skip


def pooled_only_text(
    nonmember_scores: int,
    nonmember_records: int,
    fprs: Sequence[float],
    *,
    population: int | None,
    at_most: bool = False,
) -> str:
    """The one wording of `pooled_only_fprs`' finding, ``fprs`` (not empty), which the run's
    warning, its table's NOTE and mia-report's caveat each begin with their own prefix:
    ``nonmember_scores`` scores of ``nonmember_records`` distinct records (``at_most``: an
    upper bound, from a run that records only its population), and `more_records_advice`
    (``population``: the records judged)."""
    shown = ", ".join(f"TPR@{fpr_percent(f)}%FPR" for f in fprs)
    return (f"{nonmember_scores} non-member scores are of {'at most ' if at_most else ''}"
            f"{nonmember_records} distinct records, fewer than 1/FPR for {shown}: the scores "
            "pool each record over the targets, and one record's scores (not independent "
            "draws) can make up the whole FPR, so there the TPR rests on these few records, "
            "not on fresh ones (its interval, which resamples records, holds that spread); "
            + more_records_advice(nonmember_records, population, min(fprs)))  # fmt: skip


def tied_fprs(top_ties: int, nonmember_scores: int, fprs: Sequence[float]) -> list[float]:
    """The FPRs that ``nonmember_scores`` scores resolve (`unresolved_fprs`) but their
    ``top_ties`` tied at the highest one do not: no threshold reaches an FPR between 0 and
    ``top_ties / nonmember_scores``, so there too the TPR is the TPR at FPR 0."""
    unresolved = unresolved_fprs(nonmember_scores, fprs)
    return sorted(f for f in fprs if top_ties > f * nonmember_scores and f not in unresolved)


def top_tied_nonmembers(scores: np.ndarray, members: np.ndarray) -> int | None:
    """How many non-member scores share the highest non-member score (NaN ranking lowest),
    ``None`` for none: the smallest non-zero FPR a threshold reaches is this count over the
    non-member scores, so below it a TPR is the TPR at FPR 0. Coarse released outputs make
    it large (release=label_only at plan.num_models=4: 11 of 2,000, so nothing between FPR
    0 and 0.55%), where the count of scores alone says 0.1% is resolved."""
    held = as_truth(members, where="top_tied_nonmembers", name="members")
    given = as_scores(scores, where="top_tied_nonmembers")
    if given.shape != held.shape:
        raise DataError(f"top_tied_nonmembers: scores {given.shape} and members {held.shape} "
                        "differ in shape; give one truth value per score")  # fmt: skip
    nonmember = np.nan_to_num(given[~held], nan=-np.inf)
    if not nonmember.size:
        return None
    return int((nonmember == nonmember.max()).sum())


def _finite(scores: np.ndarray) -> np.ndarray:
    """Scores ranked when they hold +-inf or NaN (NaN ranks lowest); ROC only needs order."""
    if np.all(np.isfinite(scores)):
        return scores
    return average_ranks(np.nan_to_num(scores, nan=-np.inf))


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    """The area under y(x) by the trapezoidal rule: scipy.integrate.trapezoid's sum, the
    same float, without importing scipy.integrate."""
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2.0, dtype=np.float64))


def _corners(fpr: np.ndarray, tpr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ROC points that matter: the ends of each vertical or horizontal run (the area
    and every TPR at FPR <= target are unchanged).

    Not scikit-learn's ``drop_intermediate``, which also drops a point lying on a straight
    diagonal between its neighbours: where tied scores make diagonal steps, the point it
    dropped could be the last at FPR <= target, and the TPR read there came out low
    (label-only at 1% FPR under release=rounding decimals=1: 0.0357 for 0.0375).
    """
    if len(fpr) < 3:
        return fpr, tpr
    keep = np.ones(len(fpr), dtype=bool)
    vertical = (fpr[1:-1] == fpr[:-2]) & (fpr[1:-1] == fpr[2:])
    horizontal = (tpr[1:-1] == tpr[:-2]) & (tpr[1:-1] == tpr[2:])
    keep[1:-1] = ~(vertical | horizontal)
    return fpr[keep], tpr[keep]


def _roc_curve(truth: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """FPR and TPR at each distinct score, from (0, 0): what scikit-learn's ``roc_curve(truth,
    scores, drop_intermediate=False)`` gives, to the bit (the same counts, as float64, and
    the same divisions), for bool ``truth`` of both kinds and finite ``scores``.

    Without its input validation, which took ten times the arithmetic on the per-class
    metrics' small slices (110 calls in a default run: 0.25 s of CPU, now 0.02 s).
    """
    order = np.argsort(scores, kind="stable")[::-1]  # high to low (ties: any order)
    ordered = scores[order]
    ends = np.append(np.flatnonzero(np.diff(ordered)), scores.size - 1)  # last of each tie
    tps = np.cumsum(truth[order], dtype=np.float64)[ends]
    fps = 1 + ends.astype(np.float64) - tps
    tps, fps = np.append(0.0, tps), np.append(0.0, fps)
    return fps / fps[-1], tps / tps[-1]


def roc_metrics(
    scores: np.ndarray, is_member: np.ndarray, *, fprs: Sequence[float] = DEFAULT_FPRS
) -> AttackMetrics:
    """Metrics of ``scores`` (higher means "member") against the truth ``is_member``.

    Args:
        scores: any shape; flattened (scores pooled over targets).
        is_member: bool (or 0/1), same shape as ``scores``; other values are refused
            (`DataError`), as are scores that are not real numbers.
        fprs: the FPRs at which to report the TPR.
    """
    fprs = as_fprs(fprs, where="roc_metrics")
    given = as_scores(scores, where="roc_metrics")
    truth = as_truth(is_member, where="roc_metrics")
    if given.size == truth.size and given.shape != truth.shape:  # (a transposed truth)
        raise DataError(f"roc_metrics: scores {given.shape} and is_member {truth.shape} differ "
                        "in shape; give one truth value per score, in the same layout")
    scores, truth = _finite(given.ravel()), truth.ravel()
    if scores.shape != truth.shape:
        raise ValueError(f"scores {scores.shape} and is_member {truth.shape} differ in size")
    if truth.all() or not truth.any():
        nan = float("nan")
        return AttackMetrics(nan, {f: nan for f in fprs}, nan, np.array([]), np.array([]))
    fpr, tpr = _corners(*_roc_curve(truth, scores))
    return AttackMetrics(
        # what roc_auc_score computes, from the same curve (sklearn.metrics.auc's rule; the
        # FPR never decreases)
        auc=_trapezoid(tpr, fpr),
        tpr_at_fpr={float(f): tpr_at_fpr(fpr, tpr, f) for f in fprs},
        advantage=float(np.max(tpr - fpr)),
        fpr=fpr,
        tpr=tpr,
    )

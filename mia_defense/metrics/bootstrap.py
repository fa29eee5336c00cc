"""Bootstrap confidence intervals for AUC and TPR at low FPR, vectorised over resamples."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mia_defense.errors import DataError
from mia_defense.metrics.epsilon import level_text
from mia_defense.metrics.inputs import as_fprs, as_fraction, as_integer, as_scores, as_truth

__all__ = [
    "MAX_BOOTSTRAP",
    "MIN_TAIL_RESAMPLES",
    "RARER_KIND_ADVICE",
    "Intervals",
    "bootstrap_intervals",
    "few_draws_note",
    "few_resamples_note",
    "one_class_note",
    "resamples_needed",
    "too_few_kept",
]

# Bootstrap resamples (attack.bootstrap): each attack's intervals cost about B·T·N weights
# (68 ms per 200 at T=16, N=1000); 10^5 already pins a percentile end to a fraction of a
# percent of the interval, while a typo of 10^8 would keep a finished training waiting for days.
MAX_BOOTSTRAP = 100_000

# Resamples wanted beyond each end of a percentile interval: with fewer, each end is one of a
# handful of extreme resamples (at B=2, the 2.5th and 97.5th percentiles of two numbers: a
# "95%" interval that missed the AUC it was drawn around), and moves by much of the
# interval's width from one seed to the next. 5 a tail is 200 resamples at 95%, 1000 at 99%.
MIN_TAIL_RESAMPLES = 5

# Resample weights held at once: 250k is 2 MB per int64 array of a block (a block's ROC
# arithmetic holds about five such arrays), which stay in the CPU's cache: the default
# run's bootstraps took 0.36 s of CPU in such blocks, 0.48-0.86 s in blocks of 4M.
_BLOCK_ELEMENTS = 250_000


@dataclass(frozen=True)
class Intervals:
    """Percentile bootstrap intervals.

    Attributes:
        auc: (low, high) of the AUC.
        tpr_at_fpr: ``{fpr: (low, high)}`` of the TPR at each FPR.
        confidence: the two-sided level, e.g. 0.95.
        num_resamples: how many bootstrap resamples were drawn.
        one_class_resamples: how many of them drew no member or no non-member (a few
            records of one kind): they have no ROC and are left out of the percentiles, so
            the intervals rest on the others (`one_class_note`).
    """

    auc: tuple[float, float]
    tpr_at_fpr: dict[float, tuple[float, float]]
    confidence: float
    num_resamples: int
    one_class_resamples: int = 0


def _resample_weights(num_records: int, num_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """[B, N] int64 counts: how often each record is drawn in each resample (N draws with
    replacement)."""
    draws = rng.integers(0, num_records, (num_resamples, num_records))
    offsets = (np.arange(num_resamples) * num_records)[:, None]
    counts = np.bincount((draws + offsets).ravel(), minlength=num_resamples * num_records)
    return counts.reshape(num_resamples, num_records)


def _weighted_roc(
    scores: np.ndarray, truth: np.ndarray, weights: np.ndarray, fprs: Sequence[float]
) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """AUC [B] and TPR@FPR [B] of weighted samples: ``scores``/``truth`` are [M];
    ``weights`` [B, M] count each sample in each resample (whole numbers)."""
    weights = np.asarray(weights)
    counts = weights.astype(np.int64)
    if not np.array_equal(counts, weights):
        raise ValueError("weights must be whole numbers (how often each sample is drawn)")
    order = np.argsort(-scores, kind="stable")
    member_w = np.where(truth[order], counts[:, order], 0)
    return _sorted_weighted_roc(scores[order], member_w, counts[:, order] - member_w, fprs)


def _sorted_weighted_roc(
    scores: np.ndarray, member_w: np.ndarray, other_w: np.ndarray, fprs: Sequence[float]
) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """`_weighted_roc` of scores [M] sorted from high to low, given the members' and the
    non-members' int64 weights [B, M] (each zero where the sample is of the other kind;
    both are overwritten).

    Thresholds sit between distinct scores, so ties count half in the AUC, as in sklearn.
    A handful of passes over [B, M] (the bootstrap was most of a default run's attack
    stage), in int64: numpy's running sums of int64 are about ten times as fast as of
    float32 (a third of the bootstrap's time went to them), and every figure is a whole
    number, exact, until the AUC's one division.
    """
    ends = np.append(scores[1:] != scores[:-1], True)  # the last sample of each run of ties
    tied = ~(ends & np.append(True, ends[:-1]))  # in a run of two or more equal scores
    if tied.sum() > ends.sum():
        # Mostly ties (RMIA's, label-only's few distinct scores): the curve's points only.
        return _grouped_weighted_roc(ends, member_w, other_w, fprs)
    tp = np.cumsum(member_w, axis=1, out=member_w)
    positives = np.maximum(tp[:, -1].astype(np.float64), 1e-12)
    # A non-member at i is beaten by the members up to i; in a run of ties that count
    # depends on the run's order, so each run's share is replaced by the trapezoid's
    # (`_ties_correction`, on the tied samples only: a few percent of most attacks').
    beaten = np.einsum("bm,bm->b", other_w, tp)
    if tied.any():
        beaten = (2 * beaten + _ties_correction(other_w, tp, tied, ends)).astype(np.float64) / 2
    else:
        beaten = beaten.astype(np.float64)
    fp = np.cumsum(other_w, axis=1, out=other_w)
    positions = np.arange(len(scores))
    last_end = np.maximum.accumulate(np.where(ends, positions, -1))
    return _auc_and_tprs(beaten, tp, fp, fprs, positives, last_end)


def _ties_correction(
    other_w: np.ndarray, tp: np.ndarray, tied: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """[B] twice the pairs a non-member of each run of ties loses, the trapezoid's share
    (``w (tp_end + tp_before)``, ``w`` the run's non-member weight), less what the
    per-sample count gave them (``2 Σ w_j tp_j``): whole numbers."""
    where = np.flatnonzero(tied)
    starts = np.flatnonzero(np.append(True, ends[where[:-1]]))  # a run's first, in ``where``
    first, last = where[starts], where[np.append(starts[1:] - 1, len(where) - 1)]
    weight = other_w[:, where]
    runs = np.add.reduceat(weight, starts, axis=1)
    counted = np.einsum("bm,bm->b", weight, tp[:, where])
    before = np.where(first > 0, tp[:, np.maximum(first - 1, 0)], 0)
    return np.einsum("bm,bm->b", runs, tp[:, last] + before) - 2 * counted


def _grouped_weighted_roc(
    ends: np.ndarray, member_w: np.ndarray, other_w: np.ndarray, fprs: Sequence[float]
) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """`_sorted_weighted_roc` on the ROC's points only, the ends of the runs of ties:
    trapezoids between them, a tied member and non-member counting half."""
    tp = np.cumsum(member_w, axis=1, out=member_w)[:, ends]
    fp = np.cumsum(other_w, axis=1, out=other_w)[:, ends]
    positives = np.maximum(tp[:, -1].astype(np.float64), 1e-12)
    width = np.diff(fp, axis=1, prepend=0)
    height = tp.copy()
    height[:, 1:] += tp[:, :-1]
    beaten = np.einsum("bm,bm->b", width, height).astype(np.float64) / 2
    return _auc_and_tprs(beaten, tp, fp, fprs, positives, np.arange(tp.shape[1]))


def _auc_and_tprs(
    beaten: np.ndarray,
    tp: np.ndarray,
    fp: np.ndarray,
    fprs: Sequence[float],
    positives: np.ndarray,
    last_end: np.ndarray,
) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """AUC [B] from the pairs each resample's members win (``beaten``) and TPR@FPR [B]
    from its running counts ``tp``, ``fp`` [B, M]; ``last_end`` [M] is the last ROC point
    at or before each column (the end of a run of ties), -1 before the first."""
    negatives = np.maximum(fp[:, -1].astype(np.float64), 1e-12)
    # A resample of one class only (a few records, one target) has no ROC: NaN, left out
    # of the percentiles (its AUC read 0 and its TPR 1, a perfect attack's AUC [0, 1]).
    one_class = (tp[:, -1] == 0) | (fp[:, -1] == 0)
    auc = np.where(one_class, np.nan, beaten / (positives * negatives))
    if not fprs:
        return auc, {}
    # FPR is non-decreasing along a row: the last reachable point has the highest TPR. An
    # FPR of exactly the target counts, as in `tpr_at_fpr` (float32 ROC arrays put 8/8000
    # above 0.001 and left such points out). fp holds whole numbers, so fp <= limit is
    # fp <= floor(limit): an int64 search, without a float64 copy of the row. The last
    # column within the limit lies in a run of ties whose end may not: the point before.
    limits = np.floor([(target + 1e-12) * negatives for target in fprs]).astype(np.int64)
    last = np.stack([np.searchsorted(row, limit, side="right")
                     for row, limit in zip(fp, limits.T, strict=True)], axis=1) - 1
    last = np.where(last >= 0, last_end[np.maximum(last, 0)], -1)
    rows = np.arange(len(tp))
    tprs = {}
    for target, reach in zip(fprs, last, strict=True):
        reached = tp[rows, np.maximum(reach, 0)] / positives
        tprs[float(target)] = np.where(one_class, np.nan, np.where(reach >= 0, reached, 0.0))
    return auc, tprs


def bootstrap_intervals(
    scores: np.ndarray,
    is_member: np.ndarray,
    *,
    fprs: Sequence[float],
    num_resamples: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> Intervals:
    """Percentile bootstrap intervals of AUC and TPR@FPR, resampling records.

    Scores are [T, N] (targets x records) or [N]. A resample draws N records with
    replacement and keeps all T scores of each drawn record: the scores of one record
    across targets are correlated (an easy record is easy for every target), so
    resampling single (target, record) pairs would make the intervals too narrow.

    Args:
        scores: [T, N] or [N] membership scores, higher = member.
        is_member: bool, same shape.
        fprs: FPRs at which TPR intervals are computed.
        num_resamples: B; 200 gives percentile ends stable to about a percent of the width.
        confidence: two-sided level.
        seed: drives the resampling.
        groups: [N] a label per record, equal for exact copies (which train the same
            models, `mia_defense.plan.copy_leaders`): a resample draws as many groups as
            there are, each with all its records, as it draws a record with all its targets
            (resampling copies apart made the intervals too narrow). ``None``: every record
            its own group, the same draws as ever.
    """
    # (a seed or count of resamples of 2.5 or -1, or a text confidence, were raw TypeErrors,
    # numpy's errors or NaN intervals; a count beyond MAX_BOOTSTRAP ran for days)
    as_fraction(confidence, key="bootstrap_intervals: confidence", note="e.g. 0.95")
    as_integer(num_resamples, key="bootstrap_intervals: num_resamples", low=0, high=MAX_BOOTSTRAP)
    as_integer(seed, key="bootstrap_intervals: seed", low=0)
    fprs = as_fprs(fprs, where="bootstrap_intervals")  # (an FPR of 0 or 2 gave a figure)
    scores = np.atleast_2d(as_scores(scores, where="bootstrap_intervals"))
    truth = np.atleast_2d(as_truth(is_member, where="bootstrap_intervals"))
    if scores.shape != truth.shape:
        raise ValueError(f"scores {scores.shape} and is_member {truth.shape} differ in shape")
    if scores.ndim > 2:  # (records were read as the last axis of T·N/N rows: other draws)
        raise DataError(f"bootstrap_intervals: scores {scores.shape}: give [T, N] (targets x "
                        "records) or [N]; the bootstrap draws records, the last axis")  # fmt: skip
    nan = (float("nan"), float("nan"))
    if num_resamples < 1 or truth.all() or not truth.any():
        return Intervals(nan, {float(f): nan for f in fprs}, confidence, 0)
    scores = np.nan_to_num(scores, nan=-np.inf).ravel()
    num_records = truth.shape[1]
    group_of, num_groups = None, num_records
    if groups is not None:
        if np.shape(groups) != (num_records,):
            raise ValueError(f"groups {np.shape(groups)} must give one label per record "
                             f"({num_records})")
        _, group_of = np.unique(groups, return_inverse=True)
        num_groups = int(group_of.max()) + 1 if num_records else 0
    rng = np.random.default_rng(seed)
    # Sorted once; the resamples are drawn and go through in blocks of about
    # _BLOCK_ELEMENTS weights, so memory stays a few [T·N] arrays, not [B, T·N] (2.6 GB
    # each at B=200, T=64, N=50k) nor [B, N] (4 GB of draws at B=10^5, N=5000). Drawing
    # block by block gives the same draws as all at once.
    order = np.argsort(-scores, kind="stable")
    scores = scores[order]
    # Each sample's record, or num_records (a column of zeros) where the sample is of the
    # other kind: one gather gives a block's member weights, one its non-member weights.
    record, member = order % num_records, truth.ravel()[order]
    member_record = np.where(member, record, num_records)
    other_record = np.where(member, num_records, record)
    block = max(1, _BLOCK_ELEMENTS // scores.size)
    # The blocks' weights go into the same two buffers (the ROC arithmetic overwrites them):
    # a fresh pair of 2 MB arrays per block came from the kernel as new zeroed pages each
    # time, a millisecond of faults per take, most of the bootstrap's time.
    size = (min(block, num_resamples), scores.size)
    buffers = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
    aucs, tpr_blocks = [], []
    for start in range(0, num_resamples, block):
        counts = _resample_weights(num_groups, min(block, num_resamples - start), rng)
        if group_of is not None:  # each record as often as its group
            counts = counts[:, group_of]
        counts = np.concatenate([counts, np.zeros((len(counts), 1), counts.dtype)], axis=1)
        member_w, other_w = (b[: len(counts)] for b in buffers)
        np.take(counts, member_record, axis=1, out=member_w)
        np.take(counts, other_record, axis=1, out=other_w)
        auc_b, tprs_b = _sorted_weighted_roc(scores, member_w, other_w, fprs)
        aucs.append(auc_b)
        tpr_blocks.append(tprs_b)
    auc = np.concatenate(aucs)
    tprs = {f: np.concatenate([b[f] for b in tpr_blocks]) for f in tpr_blocks[0]}
    tail = (1.0 - confidence) / 2 * 100

    def interval(values: np.ndarray) -> tuple[float, float]:
        if np.isnan(values).all():
            return nan
        low, high = np.nanpercentile(values, [tail, 100 - tail])
        return float(low), float(high)

    return Intervals(
        auc=interval(auc),
        tpr_at_fpr={f: interval(v) for f, v in tprs.items()},
        confidence=confidence,
        num_resamples=num_resamples,
        one_class_resamples=int(np.isnan(auc).sum()),  # (the one-class resamples' AUC)
    )


# Groups of copies (distinct records) below which the intervals are said to rest on too few
# independent draws: a resample draws whole groups (`bootstrap_intervals`' ``groups``).
_FEW_GROUPS = 10


def few_draws_note(num_records: int, groups: np.ndarray | None, confidence: str) -> str | None:
    """What to say of intervals drawn over ``num_records`` judged records when they rest on
    fewer than `_FEW_GROUPS` independent draws: a resample draws a record whole, with every
    target's score of it, and a group of exact copies whole (``groups`` [N], the records'
    copy groups; ``None``: no copies). One draw gives intervals of no width (the figure
    itself, claiming no uncertainty: [1.000, 1.000] for an AUC of 1 read off two models'
    outputs on one record), a few give intervals of a few draws, whatever the number of
    targets. ``confidence``: the stated level, as text (95%)."""
    distinct = num_records if groups is None else len(np.unique(groups))
    if distinct >= _FEW_GROUPS:
        return None
    if groups is None:
        what = (f"the intervals rest on the {num_records} record(s) judged (a resample draws a "
                "record with every target's score of it)")  # fmt: skip
    else:
        what = (f"the {num_records} records judged are exact copies of {distinct} distinct "
                "record(s), and the bootstrap draws a group of copies whole: its intervals "
                f"rest on {distinct} independent record(s)")  # fmt: skip
    return (
        what
        + (" (one: intervals of no width, the figure itself)" if distinct == 1 else "")
        + f", too few to mean the stated {confidence} confidence; "
        + ("attack more records" if groups is None else "deduplicate the data")
        + ", or read the intervals as no measure of the figures' uncertainty"
    )


def one_class_note(intervals: Intervals) -> str | None:
    """What to say of ``intervals`` some of whose resamples drew records of one kind only
    (`Intervals.one_class_resamples`), ``None`` where none did: those have no ROC and are
    left out, so the percentiles rest on fewer resamples than attack.bootstrap asked, drawn
    on condition that both kinds came up (one non-member among 60 records of one target:
    37% of the resamples, unsaid), and too few of them may leave no percentile interval."""
    left_out, drawn = intervals.one_class_resamples, intervals.num_resamples
    if not left_out:
        return None
    kept = drawn - left_out
    few = too_few_kept(kept, intervals.confidence)
    return (f"{left_out} of the {drawn} bootstrap resamples drew no member or no non-member "
            "(the records judged hold few of one kind), so they have no ROC and are left "
            f"out: the intervals rest on the other {kept}{'' if few is None else f', {few}'}; "
            f"{RARER_KIND_ADVICE}")


# What to do where bootstrap resamples drew records of one kind (`one_class_note`, and
# mia-report's note of results.json's ci_one_class_resamples).
RARER_KIND_ADVICE = "judge more records of the rarer kind (more targets, a larger population)"


def too_few_kept(kept: int, confidence: float) -> str | None:
    """Why percentile intervals at ``confidence`` resting on ``kept`` resamples (those left
    once the one-class ones are out) are no intervals of that level, or ``None`` where they
    are enough (`resamples_needed`)."""
    needed = resamples_needed(confidence)
    if kept >= needed:
        return None
    level = level_text(confidence)
    return (f"fewer than the {needed} a {level} percentile interval needs: their ends are a "
            f"few extreme resamples, no {level} intervals")


def resamples_needed(confidence: float) -> int:
    """The fewest resamples that leave `MIN_TAIL_RESAMPLES` in each tail of a two-sided
    percentile interval at ``confidence`` (200 at 0.95, 1000 at 0.99)."""
    tail = (1.0 - confidence) / 2
    return math.ceil(MIN_TAIL_RESAMPLES / tail - 1e-9)  # (0.025 is 0.0250...02 in floats)


def few_resamples_note(num_resamples: int, confidence: float) -> str | None:
    """What to say of percentile intervals at ``confidence`` drawn from ``num_resamples``
    resamples (attack.bootstrap, attack.confidence) when a tail holds fewer than
    `MIN_TAIL_RESAMPLES` of them, ``None`` otherwise (and for 0: no intervals). The one rule,
    said in the attack stage's warning and under the end-of-run table: intervals of 2
    resamples, printed and saved as 95% intervals, were read as such."""
    needed = resamples_needed(confidence)
    if not 0 < num_resamples < needed:
        return None
    tail = (1.0 - confidence) / 2
    # (beyond MAX_BOOTSTRAP, as at attack.confidence=0.999999999999, only a lower level
    # helps: the advice alone named 10^13 resamples, which are refused)
    most = 1.0 - 2.0 * MIN_TAIL_RESAMPLES / MAX_BOOTSTRAP
    lower = "" if needed <= MAX_BOOTSTRAP else (
        f"; that is above the {MAX_BOOTSTRAP} attack.bootstrap allows: lower "
        f"attack.confidence to at most {most:g}")
    level = level_text(confidence)
    left = math.floor(num_resamples * tail * 1000) / 1000  # (4.9995 is not 5)
    return (
        f"attack.bootstrap={num_resamples} resamples leave {left:g} in each "
        f"{level_text(tail)} tail of the {level} intervals, fewer than the "
        f"{MIN_TAIL_RESAMPLES} a percentile interval needs: their ends are a few extreme "
        f"resamples, narrower than stated and no {level} intervals; use "
        f"attack.bootstrap={needed} or more for {level} intervals (0: no intervals){lower}"
    )

"""Per-record and per-slice views of an attack: which records leak, which classes leak."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from mia_defense.errors import DataError
from mia_defense.metrics.inputs import as_fprs, as_scores, as_truth
from mia_defense.metrics.roc import fpr_key, nonmember_counts, roc_metrics
from mia_defense.observations import zero_one_flags

__all__ = ["MIN_SLICE_RECORDS", "record_vulnerability", "slice_metrics"]

# Below this many records a slice's AUC and TPRs are a few records' own, not the slice's
# (2 records of a class, at 2 targets: an AUC of 0, 0.5 or 1, shown in TensorBoard's per-class
# heatmap as the class's leak): `slice_metrics` leaves them out (``min_records``).
MIN_SLICE_RECORDS = 5


def record_vulnerability(scores: np.ndarray, is_member: np.ndarray) -> np.ndarray:
    """Each record's AUC across targets: how well its scores separate the targets it trained.

    For record n, the probability that a target holding n scores it higher than a target
    not holding it (ties count half). 1 means the attack always tells; 0.5 is chance;
    NaN when the record is a member of all or none of the targets.

    Computed as the Mann-Whitney U of each column from its ranks over the targets, in
    O(T·N) memory (comparing every pair of targets took [T, T, N]: 26 GB at T=256,
    N=50k). Non-finite scores are ordered as `roc_metrics` orders them: NaN lowest,
    equal infinities tie.

    Args:
        scores: [T, N] membership scores.
        is_member: [T, N] bool truth.

    Returns:
        [N] per-record AUC.
    """
    scores = np.nan_to_num(as_scores(scores, where="record_vulnerability"), nan=-np.inf)
    truth = as_truth(is_member, where="record_vulnerability")
    if scores.shape != truth.shape or scores.ndim != 2:
        raise ValueError(f"scores {scores.shape} and is_member {truth.shape}: need both [T, N]")
    ranks = _column_ranks(scores)
    members = truth.sum(axis=0, dtype=np.float64)
    non_members = truth.shape[0] - members
    u = np.where(truth, ranks, 0.0).sum(axis=0) - members * (members + 1) / 2
    num_pairs = members * non_members
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(num_pairs > 0, u / num_pairs, np.nan)


def _column_ranks(scores: np.ndarray) -> np.ndarray:
    """[T, N] 1-based ranks of each column of ``scores`` over axis 0, ties averaged.

    One stable argsort of each column; a run of equal values gets the mean of the ranks it
    spans (the first and last position of the run, found by cumulative max/min)."""
    order = np.argsort(scores, axis=0, kind="stable")
    ordered = np.take_along_axis(scores, order, axis=0)
    t = scores.shape[0]
    position = np.arange(t, dtype=np.float64)[:, None]
    new_run = np.ones_like(ordered, dtype=bool)
    new_run[1:] = ordered[1:] != ordered[:-1]
    first = np.maximum.accumulate(np.where(new_run, position, 0.0), axis=0)
    run_end = np.ones_like(ordered, dtype=bool)
    run_end[:-1] = new_run[1:]
    last = np.minimum.accumulate(np.where(run_end, position, t - 1.0)[::-1], axis=0)[::-1]
    ranks = np.empty_like(ordered)
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, axis=0)
    return ranks


def slice_metrics(
    scores: np.ndarray,
    is_member: np.ndarray,
    slices: Mapping[str, np.ndarray],
    *,
    fprs: Sequence[float],
    min_records: int = 0,
) -> dict[str, dict[str, float]]:
    """AUC and TPR@FPR of the records of each slice (e.g. each class, the canaries).

    Args:
        scores: [T, N] membership scores.
        is_member: [T, N] bool truth.
        slices: name -> [N] bool, the records in the slice.
        fprs: FPRs at which the TPR is reported.
        min_records: a slice of fewer records (but at least one) gets NaN for its AUC and
            TPRs and ``"too_few_records": True`` beside its counts (`MIN_SLICE_RECORDS`):
            its figures would be those few records' own.

    Returns:
        ``{slice: {"auc": ..., "tpr@FPR": ..., "records": n, "nonmember_scores": m,
        "nonmember_records": r}}`` (FPR keys as ``fpr_key``; below 1 / m an FPR is not
        resolved, `unresolved_fprs`; below 1 / r, only pooled over the targets,
        `pooled_only_fprs`, as the run's own figures).
    """
    is_member = as_truth(is_member, where="slice_metrics")  # 0/1 ints: ~1 is -2
    fprs = as_fprs(fprs, where="slice_metrics")
    scores = as_scores(scores, where="slice_metrics")
    if scores.shape != is_member.shape or scores.ndim != 2:
        raise DataError(f"slice_metrics: scores {scores.shape} and is_member {is_member.shape}: "
                        "need both [T, N] (targets x records)")  # fmt: skip
    out = {}
    for name, keep in slices.items():
        keep = _slice_mask(keep, name, scores.shape[1])
        records = int(keep.sum())
        scored, nonmembers = nonmember_counts(is_member[:, keep])
        out[name] = {"records": records, "nonmember_scores": scored,
                     "nonmember_records": nonmembers}  # fmt: skip
        if 0 < records < min_records:
            nan = float("nan")
            out[name].update({"auc": nan, **{fpr_key(f): nan for f in fprs},
                              "too_few_records": True})  # fmt: skip
            continue
        m = roc_metrics(scores[:, keep], is_member[:, keep], fprs=fprs)
        tprs = {fpr_key(f): m.tpr_at_fpr[f] for f in fprs}
        out[name].update({"auc": m.auc, **tprs})
    return out


def _slice_mask(keep: object, name: str, num_records: int) -> np.ndarray:
    """A slice of `slice_metrics` as [N] bool; a `DataError` naming it otherwise (0/1 ints
    were taken as record indices, [0, 1, 1] as records 0, 1 and 1 again; a list was a raw
    AttributeError, a mask of another length numpy's IndexError)."""
    values = zero_one_flags(keep)
    if values is None:
        raise DataError(f"slice_metrics: slices[{name!r}] holds other values than True/False "
                        "or 0/1; give each slice as [N] bool, True for its records (from record "
                        "indices i: np.isin(np.arange(N), i))")  # fmt: skip
    if values.shape != (num_records,):
        raise DataError(f"slice_metrics: slices[{name!r}] has shape {values.shape}, expected "
                        f"({num_records},): one bool per record, True for those in the slice")
    return values

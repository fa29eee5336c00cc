"""Per-record and per-slice views of an attack: which records leak, which classes leak."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from mia_defense.metrics.roc import roc_metrics

__all__ = ["record_vulnerability", "slice_metrics"]


def record_vulnerability(scores: np.ndarray, is_member: np.ndarray) -> np.ndarray:
    """Each record's AUC across targets: how well its scores separate the targets it trained.

    For record n, the probability that a target holding n scores it higher than a target
    not holding it (ties count half). 1 means the attack always tells; 0.5 is chance;
    NaN when the record is a member of all or none of the targets.

    Args:
        scores: [T, N] membership scores.
        is_member: [T, N] bool truth.

    Returns:
        [N] per-record AUC.
    """
    scores = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(is_member, dtype=bool)
    diff = scores[:, None, :] - scores[None, :, :]  # [T_in, T_out, N]
    pair = truth[:, None, :] & ~truth[None, :, :]
    wins = ((diff > 0) + 0.5 * (diff == 0)) * pair
    num_pairs = pair.sum(axis=(0, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(num_pairs > 0, wins.sum(axis=(0, 1)) / num_pairs, np.nan)


def slice_metrics(
    scores: np.ndarray,
    is_member: np.ndarray,
    slices: Mapping[str, np.ndarray],
    *,
    fprs: Sequence[float],
) -> dict[str, dict[str, float]]:
    """AUC and TPR@FPR of the records of each slice (e.g. each class, the canaries).

    Args:
        scores: [T, N] membership scores.
        is_member: [T, N] bool truth.
        slices: name -> [N] bool, the records in the slice.
        fprs: FPRs at which the TPR is reported.

    Returns:
        ``{slice: {"auc": ..., "tpr@FPR": ..., "records": n}}``; FPR keys as ``fpr_key``.
    """
    out = {}
    for name, keep in slices.items():
        m = roc_metrics(scores[:, keep], is_member[:, keep], fprs=fprs)
        out[name] = {
            "records": int(keep.sum()),
            "auc": m.auc,
            **{f"tpr@{f * 100:g}%fpr": m.tpr_at_fpr[f] for f in fprs},
        }
    return out

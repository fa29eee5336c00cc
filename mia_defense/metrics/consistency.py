"""Do the masks belong to the outputs? A check on observations with a test set.

A record that is OUT for model k never trained it, so model k must fit it no better than
the held-out test records (the plan draws both from the same data). Masks that belong to
other models (rows in another order, another plan's masks) put members among the OUT
records: they then fit better than the test set, while IN and OUT records fit alike, and
every attack, measured against the wrong truth, reports a leaky model as near chance.

With or without a test set, masks whose IN records fit the models significantly worse
than their OUT records are inverted (True where a record was held out): the attacks that
threshold the released outputs then come out below chance, and the verdict rests on the
reference-based ones alone (TPR@0.1%FPR 0.26 -> 0.16 on synthetic observations).

With or without a test set, too, masks whose rows are another model's (rows in another
order) are flagged where a model's outputs fit the IN records of another row of the masks
far better than those of its own (`_Z_ROWS` standard errors): a mask row drawn before
training cannot separate a model's members better than the model's own training set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mia_defense.errors import DataError
from mia_defense.metrics.inputs import as_truth
from mia_defense.metrics.roc import average_ranks
from mia_defense.observations import Observations

__all__ = ["MaskCheck", "mask_check", "unbalanced_masks"]

# How many standard errors above chance the OUT records' fit must lie to be suspect.
_Z = 3.0
# ... and how many a model's fit of another row's IN records must lie above chance and above
# its fit of its own row's, for the rows to be suspect: K(K-1) comparisons are made.
_Z_ROWS = 5.0


@dataclass(frozen=True)
class MaskCheck:
    """How the population's OUT and IN records fit against the test set.

    Attributes:
        out_vs_test: probability that an OUT record has a higher released probability of its
            label than a test record, averaged over the models (0.5: alike, as it must be).
        in_vs_test: the same for the IN records (above 0.5 by the model's leak).
        z: ``out_vs_test - 0.5`` in standard errors of a population-vs-test comparison.
        suspect: OUT records fit the models better than the test set, significantly, and
            at least half as much better as the IN records do; or ``inverted``.
        in_vs_out: the same of the IN records against the OUT records (above 0.5 by the
            models' leak, 0.5 without one).
        inverted: IN records fit worse than OUT records, ``inverted_z`` (> 3) standard
            errors below 0.5: the masks look inverted. The test set's figures are NaN
            without one.
        other_row: ``(k, j, own, other)`` where model k's outputs fit the IN records of
            another row j of the masks (AUC ``other``) far better than its own row's
            (``own``): the rows look like other models'; ``None`` otherwise.
    """

    out_vs_test: float
    in_vs_test: float
    z: float
    suspect: bool
    in_vs_out: float = math.nan
    inverted_z: float = math.nan
    inverted: bool = False
    other_row: tuple[int, int, float, float] | None = None

    def reason(self) -> str:
        if self.inverted:
            return (
                f"records IN a model's training set fit it worse than those OUT of it (AUC "
                f"{self.in_vs_out:.3f}, {self.inverted_z:.1f} standard errors below 0.5): "
                "masks[k] look inverted (True where a record was held out, not where it "
                "trained model k), so the attacks were judged against the wrong truth and "
                "understate the leak; or a defense makes members fit worse than the others. "
                "Check that masks[k, n] is True where record n trained model k"
            )
        if self.other_row is not None and not self.z > _Z:
            k, j, own, other = self.other_row
            return (
                f"model {k}'s outputs fit the IN records of masks[{j}] far better than those "
                f"of its own masks[{k}] (AUC {other:.3f} against {own:.3f}): the masks' rows "
                "do not look like the models' training sets (models in another order than the "
                "masks' rows), so the attacks were judged against the wrong truth and "
                "understate the leak. Check that outputs[k] come from the model trained on "
                "masks[k]"
            )
        return (
            f"records OUT of a model's training set fit it better than the test set "
            f"(AUC {self.out_vs_test:.3f} vs test, {self.z:.1f} standard errors above 0.5; IN "
            f"records {self.in_vs_test:.3f}): masks[k] do not look like model k's training "
            "records (models in another order than the masks' rows, masks of another plan, "
            "records in another order than the outputs), so the attacks were judged against "
            "the wrong truth and understate the leak; or the test set is harder than the "
            "population. Check that outputs[k] come from the model trained on masks[k]"
        )


def _label_log_prob(log_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """log p_y of every model on every record, [K, N, C], [N] -> [K, N] (finite)."""
    picked = np.take_along_axis(log_probs, labels[None, :, None], axis=2)[..., 0]
    return np.clip(picked.astype(np.float64), -50.0, 0.0)


def _above(a: np.ndarray, b: np.ndarray) -> float:
    """P(a > b) over all pairs, ties half (Mann-Whitney)."""
    ranks = average_ranks(np.concatenate([a, b]))
    n = len(a)
    return float((ranks[:n].sum() - n * (n + 1) / 2) / (n * len(b)))


def mask_check(obs: Observations, *, records: np.ndarray | None = None) -> MaskCheck | None:
    """`MaskCheck` of ``obs`` on the population ``records`` ([N] bool; default all: leave
    canaries out), ``None`` without IN and OUT records; without test outputs only the
    IN-against-OUT comparison (``inverted``) is made."""
    n = len(obs.labels)
    keep = np.ones(n, bool) if records is None else as_truth(records, where="mask_check",
                                                             name="records")  # fmt: skip
    if keep.shape != (n,):
        raise DataError(f"mask_check: records has shape {keep.shape}, expected ({n},): one "
                        "bool per record, True for those checked")  # fmt: skip
    fit = _label_log_prob(obs.log_probs[:, keep], obs.labels[keep])  # [K, N']
    # (0/1 int masks, as Observations built directly keep them: ~1 is -2, an index, and the
    # OUT records compared were records N-1 and N-2, silently)
    masks = as_truth(obs.masks, where="mask_check", name="obs.masks")[:, keep]
    pairs = [(k, masks[k]) for k in range(obs.num_models) if masks[k].any() and not masks[k].all()]
    if not pairs:
        return None
    in_vs_out = float(np.mean([_above(fit[k, m], fit[k, ~m]) for k, m in pairs]))
    members = float(np.mean([m.sum() for _, m in pairs]))
    others = float(np.mean([(~m).sum() for _, m in pairs]))
    # one model's comparison's null standard error (the models share their records: their
    # average is no less noisy than one of them, taken as as noisy)
    inverted_z = (0.5 - in_vs_out) / math.sqrt((members + others + 1) / (12.0 * members * others))
    inverted = {"in_vs_out": in_vs_out, "inverted_z": inverted_z, "inverted": inverted_z > _Z,
                "other_row": _other_row(fit, masks)}
    if obs.test_log_probs is None or obs.test_labels is None or not len(obs.test_labels):
        nan = math.nan
        suspect = inverted["inverted"] or inverted["other_row"] is not None
        return MaskCheck(nan, nan, nan, bool(suspect), **inverted)
    test = _label_log_prob(obs.test_log_probs, obs.test_labels)  # [K, M]
    out_vs_test = float(np.mean([_above(fit[k, ~m], test[k]) for k, m in pairs]))
    in_vs_test = float(np.mean([_above(fit[k, m], test[k]) for k, m in pairs]))
    n, m = fit.shape[1], test.shape[1]
    # Hanley & McNeil's null standard error of an AUC between the whole population and the
    # test set: the models' OUT halves together cover the population once or more, so the
    # averaged comparison is no noisier than one of all N records.
    se = math.sqrt((n + m + 1) / (12.0 * n * m))
    z = (out_vs_test - 0.5) / se
    suspect = (z > _Z and out_vs_test - 0.5 > (in_vs_test - 0.5) / 2) or inverted["inverted"]
    suspect = suspect or inverted["other_row"] is not None
    return MaskCheck(out_vs_test, in_vs_test, z, bool(suspect), **inverted)


def _other_row(fit: np.ndarray, masks: np.ndarray) -> tuple[int, int, float, float] | None:
    """``(k, j, own, other)``: the model k whose fit [K, N] of the IN records of another row
    j of ``masks`` [K, N] (AUC ``other``) lies most above its fit of its own row's (AUC
    ``own``), both by `_Z_ROWS` standard errors, or ``None``. One ranking per model: the
    AUC of every row at once, [K, N] ranks times [N, K] masks, a block of models at a time
    (`_ROW_CELLS`): the whole [K, K] matrices took 2.5 GB at K=10,000 models of 4 records."""
    k_models, n = fit.shape
    if k_models < 2 or n < 2:
        return None
    ranks = np.stack([average_ranks(row) for row in fit])  # [K, N]
    ins = masks.sum(axis=1).astype(np.float64)  # [K] IN records of each row
    outs = n - ins
    usable = (ins > 0) & (outs > 0)
    if usable.sum() < 2:
        return None
    rows_of = masks.T.astype(np.float64)  # [N, K]
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt((n + 1) / (12.0 * ins * outs))  # [K] null standard error of row j's AUC
    found = None  # (margin, k, j, own, other): the first largest margin, as one argmax's
    step = max(1, _ROW_CELLS // k_models)
    for start in range(0, k_models, step):
        block = np.arange(start, min(start + step, k_models))  # [B] the models ranked
        with np.errstate(divide="ignore", invalid="ignore"):
            auc = (ranks[block] @ rows_of - ins * (ins + 1) / 2) / (ins * outs)  # [B, K]
        own = auc[np.arange(len(block)), block]  # [B] each model's fit of its own row
        margin = auc - own[:, None]
        bad = (usable[None, :] & usable[block, None] & (block[:, None] != np.arange(k_models))
               & (auc - 0.5 > _Z_ROWS * se[None, :])
               & (margin > _Z_ROWS * np.hypot(se[None, :], se[block, None])))  # fmt: skip
        if not bad.any():
            continue
        b, j = np.unravel_index(np.argmax(np.where(bad, margin, -np.inf)), bad.shape)
        if found is None or margin[b, j] > found[0]:
            found = (margin[b, j], int(block[b]), int(j), float(own[b]), float(auc[b, j]))
    return None if found is None else found[1:]


# The [models ranked, K] cells `_other_row` holds at once (8 MiB a float64 array).
_ROW_CELLS = 1 << 20


# A plan that trains most records into the same number a != K/2 of the K models, few of one
# kind: the references' counts then tell a target's members from its non-members.
_FEW_REFERENCES = 3
_FIXED_SHARE = 0.5


def unbalanced_masks(masks: np.ndarray) -> str | None:
    """Why masks [K, N] that put most records into the same number a != K/2 of the K models,
    with few of the rarer kind (`_FEW_REFERENCES`), understate the leak, or ``None``:
    mia-attack's and api.audit's ``privacy.masks_unbalanced``, which mia-report recomputes
    where it is missing.

    With a IN models of every record, a target's references hold a-1 IN models of each of
    its members and a of each non-member. Calibrated on them as they are, reference-based
    attacks read that as a leak (K=8, every record in 2 models, outputs without any
    membership signal: RMIA TPR 0.021 at 0.1% FPR); so they rank each record only among
    those kept by as many references (`ranked_within_strata`), which are then members alone
    or non-members alone: they read chance on those records whatever the leak (AUC 0.500
    where the loss attack reads 0.77), and where every record is so they measured nothing
    (`mia_defense.attacks.references.strata_of_one_kind`). Balanced masks (every record in
    K/2 models, `make_plan`) have none of it, nor do masks drawn at random per model
    (Bernoulli), whose counts vary from record to record."""
    k = masks.shape[0]
    counts = masks.sum(axis=0)
    if not len(counts):
        return None
    values, freq = np.unique(counts, return_counts=True)
    a = int(values[np.argmax(freq)])
    share = float(freq.max() / len(counts))
    if 2 * a == k or min(a, k - a) > _FEW_REFERENCES or share <= _FIXED_SHARE:
        return None
    return (
        f"the masks are unbalanced: {share:.0%} of the records are IN for {a} of the {k} "
        "models, not half; a target's references then hold one IN model fewer of each of its "
        "members than of its non-members, and the reference-based attacks (LiRA, RMIA, "
        "label-only, calibrated), which rank a record only among those held by as many "
        "references, read chance on them whatever the leak: their figures understate it. "
        "Train each record into exactly half of the models (api.make_plan)"
    )

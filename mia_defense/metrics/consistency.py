"""Do the masks belong to the outputs? A check on observations with a test set.

A record that is OUT for model k never trained it, so model k must fit it no better than
the held-out test records (the plan draws both from the same data). Masks that belong to
other models (rows in another order, another plan's masks) put members among the OUT
records: they then fit better than the test set, while IN and OUT records fit alike, and
every attack, measured against the wrong truth, reports a leaky model as near chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mia_defense.metrics.roc import average_ranks
from mia_defense.observations import Observations

__all__ = ["MaskCheck", "mask_check"]

# How many standard errors above chance the OUT records' fit must lie to be suspect.
_Z = 3.0


@dataclass(frozen=True)
class MaskCheck:
    """How the population's OUT and IN records fit against the test set.

    Attributes:
        out_vs_test: probability that an OUT record has a higher released probability of its
            label than a test record, averaged over the models (0.5: alike, as it must be).
        in_vs_test: the same for the IN records (above 0.5 by the model's leak).
        z: ``out_vs_test - 0.5`` in standard errors of a population-vs-test comparison.
        suspect: OUT records fit the models better than the test set, significantly, and
            at least half as much better as the IN records do.
    """

    out_vs_test: float
    in_vs_test: float
    z: float
    suspect: bool

    def reason(self) -> str:
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
    canaries out), ``None`` without test outputs or without IN and OUT records."""
    if obs.test_log_probs is None or obs.test_labels is None or not len(obs.test_labels):
        return None
    keep = np.ones(len(obs.labels), bool) if records is None else np.asarray(records, bool)
    fit = _label_log_prob(obs.log_probs[:, keep], obs.labels[keep])  # [K, N']
    test = _label_log_prob(obs.test_log_probs, obs.test_labels)  # [K, M]
    masks = obs.masks[:, keep]
    pairs = [(k, masks[k]) for k in range(obs.num_models) if masks[k].any() and not masks[k].all()]
    if not pairs:
        return None
    out_vs_test = float(np.mean([_above(fit[k, ~m], test[k]) for k, m in pairs]))
    in_vs_test = float(np.mean([_above(fit[k, m], test[k]) for k, m in pairs]))
    n, m = fit.shape[1], test.shape[1]
    # Hanley & McNeil's null standard error of an AUC between the whole population and the
    # test set: the models' OUT halves together cover the population once or more, so the
    # averaged comparison is no noisier than one of all N records.
    se = math.sqrt((n + m + 1) / (12.0 * n * m))
    z = (out_vs_test - 0.5) / se
    suspect = z > _Z and out_vs_test - 0.5 > (in_vs_test - 0.5) / 2
    return MaskCheck(out_vs_test, in_vs_test, z, bool(suspect))

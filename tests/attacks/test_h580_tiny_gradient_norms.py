"""The gradient-norm attack floored the per-sample gradient norms at 1e-30 before their log:
a model fitted with logit margins of about 70 or more (float32 holds norms down to 1e-45)
gave every norm below 1e-30 one score, members' 1e-38 and non-members' 1e-31 tied, and the
attack read AUC 0.5 on norms that separate the two perfectly (h580). The floor is float64's
smallest normal number now: a norm of exactly 0 (an underflowed gradient) still scores
highest, every positive float32 norm keeps its order."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.gradient import gradient_norm
from mia_defense.metrics.roc import roc_metrics
from mia_defense.observations import Observations


def _tiny_norms() -> Observations:
    """8 models on 400 records, each record a member of half of them; a member's norm is
    about 1e-38, a non-member's about 1e-31 (float32, as the white-box observations hold)."""
    rng = np.random.default_rng(0)
    masks = np.zeros((8, 400), dtype=bool)
    for n in range(400):
        masks[rng.permutation(8)[:4], n] = True
    norms = np.where(masks, 1e-38, 1e-31) * rng.uniform(1.0, 5.0, masks.shape)
    log_probs = np.log(np.full((8, 400, 2), 0.5, dtype=np.float32))
    return Observations(log_probs, np.zeros(400, dtype=np.int64), masks,
                        grad_norms=norms.astype(np.float32))  # fmt: skip


@pytest.mark.parametrize("calibration", ["global", "reference"])
def test_norms_below_1e_30_keep_their_order(calibration: str) -> None:
    obs = _tiny_norms()
    targets = np.arange(8)
    scores = gradient_norm(obs, targets, calibration=calibration)
    assert roc_metrics(scores, obs.masks[targets]).auc == 1.0


def test_a_zero_norm_still_scores_highest() -> None:
    obs = _tiny_norms()
    norms = obs.grad_norms.copy()
    norms[0, 0] = 0.0
    obs = Observations(obs.log_probs, obs.labels, obs.masks, grad_norms=norms)
    scores = gradient_norm(obs, np.array([0]), calibration="global")
    assert np.isfinite(scores).all() and scores[0].argmax() == 0

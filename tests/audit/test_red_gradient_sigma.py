"""The white-box one-run audit at a σ whose square underflows (noise_multiplier=1e-200)."""

from __future__ import annotations

import numpy as np
import torch

from mia_defense.audit import DiracCanaryAudit
from mia_defense.defenses.dp_mechanism import RandomSource
from mia_defense.defenses.dp_stacked import PrivateSteps, gradient_canaries
from mia_defense.metrics.one_run_audit import one_run_bound


def test_a_sigma_whose_square_underflows_scores_by_the_drawn_gradients():
    """σ² = 0 in float64 made the likelihood ratio ±inf/NaN: one_run_bound refused it with a
    ValueError traceback after training (defense.dp.noise_multiplier=1e-200)."""
    models, canaries = 2, 50
    audit = DiracCanaryAudit(num=canaries, seed=0)
    with gradient_canaries(audit):
        dp = PrivateSteps(
            sizes=[100] * models, batch_size=10, sigma=1e-200, max_grad_norm=1.0,
            deltas=[1e-6] * models, accountant="rdp",
            sources=[RandomSource.seeded(torch.Generator().manual_seed(k)) for k in range(2)],
        )  # fmt: skip
    counted = torch.ones(models, dtype=torch.bool)
    for _ in range(30):
        dp.noisy_grads({"w": torch.zeros(models, 500)}, ["w"], counted)
    record = audit.scores()
    assert np.isfinite(record.scores).all()
    bound = one_run_bound(record.scores, record.included, delta=1e-6, confidence=0.95)
    assert bound.epsilon > 1  # no noise: the canaries that joined are seen outright

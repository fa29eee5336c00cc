"""Synthetic observations with queries on perturbed copies and white-box gradient norms."""

from __future__ import annotations

import numpy as np
import torch

from mia_defense.attacks.signals import query_signals
from mia_defense.observations import Observations
from tests.helpers import synthetic_observations


def full_observations(*, num_augmented: int = 8, seed: int = 0, **kwargs) -> Observations:
    """`synthetic_observations` plus augmented queries and ``grad_norms`` derived from it.

    Perturbed copies add logit noise, so a sample whose true-class logit is high (a member
    when ``signal`` > 0) keeps its label more often. The gradient norm of softmax
    cross-entropy w.r.t. the logits is ||p - onehot(y)||, small for a well-fitted sample.
    """
    base = synthetic_observations(seed=seed, **kwargs)
    rng = np.random.default_rng(seed + 1)
    k, n, c = base.log_probs.shape
    noisy = base.log_probs[:, None] + rng.normal(0.0, 2.0, (k, num_augmented, n, c))
    augmented = torch.log_softmax(torch.as_tensor(noisy), dim=-1).numpy().astype(np.float32)
    probs = np.exp(base.log_probs.astype(np.float64))
    probs[:, np.arange(n), base.labels] -= 1.0
    grad_norms = np.linalg.norm(probs, axis=-1) * np.exp(rng.normal(0.0, 0.1, (k, n)))
    return with_queries(base, augmented, grad_norms)


def with_queries(
    base: Observations, augmented: np.ndarray, grad_norms: np.ndarray | None = None
) -> Observations:
    """``base`` with the augmented queries kept as a run keeps them, from their released
    log-probabilities ``augmented`` [K, A, N, C] (`query_signals`)."""
    logits, predictions = query_signals(augmented, base.labels)
    return Observations(
        base.log_probs, base.labels, base.masks, augmented_logits=logits,
        augmented_predictions=predictions, grad_norms=grad_norms,
    )  # fmt: skip

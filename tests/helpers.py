"""Synthetic observations with a known membership signal, shared by the tests."""

from __future__ import annotations

import numpy as np
import torch

from mia_defense.observations import Observations
from mia_defense.plan import _balanced_masks


def synthetic_observations(
    *,
    num_models: int = 16,
    num_samples: int = 500,
    num_classes: int = 10,
    signal: float = 3.0,
    seed: int = 0,
) -> Observations:
    """K models' log-probabilities where members' true-class logit is ``signal`` higher.

    Each sample has its own difficulty (mean true-class logit), as real data does, so
    attacks that calibrate per example (LiRA) have something to gain. ``signal=0`` gives
    members and non-members the same distribution.
    """
    rng = np.random.default_rng(seed)
    masks = _balanced_masks(num_models, num_samples, rng)
    labels = rng.integers(0, num_classes, num_samples)
    difficulty = rng.normal(2.0, 2.0, num_samples)
    logits = rng.normal(0.0, 1.0, (num_models, num_samples, num_classes))
    true_logit = difficulty + signal * masks + rng.normal(0.0, 0.5, masks.shape)
    logits[:, np.arange(num_samples), labels] = true_logit
    log_probs = torch.log_softmax(torch.as_tensor(logits), dim=-1).numpy().astype(np.float32)
    return Observations(log_probs=log_probs, labels=labels, masks=masks)

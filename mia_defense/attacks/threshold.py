"""Score-threshold attacks that need no reference model."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.signals import true_class_log_prob
from mia_defense.observe import Observations

__all__ = ["loss_attack"]


def loss_attack(obs: Observations, targets: np.ndarray) -> np.ndarray:
    """Loss-threshold attack (Yeom et al. 2018): low loss means member.

    Returns scores [T, N], higher = more likely a member of target ``targets[t]``;
    the ROC sweeps the global threshold.
    """
    return true_class_log_prob(obs.log_probs[targets], obs.labels)

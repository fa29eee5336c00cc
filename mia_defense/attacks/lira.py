"""LiRA, the likelihood-ratio attack of Carlini et al. (2022), online and offline."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.signals import true_class_logit
from mia_defense.observe import Observations

__all__ = ["lira"]

_MIN_STD = 1e-3


def _masked_moments(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and variance of ``values`` [R, N] over rows where ``weights`` is 1."""
    count = weights.sum(axis=0)
    mean = (values * weights).sum(axis=0) / np.maximum(count, 1)
    var = (((values - mean) ** 2) * weights).sum(axis=0) / np.maximum(count - 1, 1)
    return mean, var


def _pooled_std(values: np.ndarray, weights: np.ndarray, mean: np.ndarray) -> float:
    """One standard deviation for all samples: residuals around each sample's mean."""
    residual = ((values - mean) ** 2 * weights).sum()
    dof = max(weights.sum() - np.count_nonzero(weights.sum(axis=0)), 1)
    return float(np.sqrt(residual / dof))


def _log_normal(x: np.ndarray, mean: np.ndarray, std: np.ndarray | float) -> np.ndarray:
    return -0.5 * ((x - mean) / std) ** 2 - np.log(std)


def lira(
    obs: Observations,
    targets: np.ndarray,
    *,
    online: bool = True,
    fixed_variance: bool | None = None,
) -> np.ndarray:
    """LiRA scores [T, N]: each target is attacked with the other K-1 models as references.

    For every sample the reference models that trained on it (IN) and did not (OUT)
    give Gaussians over the logit-scaled confidence of the true class.

    Args:
        obs: released outputs of all K models.
        targets: indices of the target models.
        online: use IN and OUT models (likelihood ratio); offline uses only OUT models and
            scores how far above the OUT distribution the target's confidence lies.
        fixed_variance: one pooled variance for all samples instead of per-example ones;
            ``None`` picks it when fewer than 64 reference models are available, as
            Carlini et al. recommend.
    """
    signal = true_class_logit(obs.log_probs, obs.labels)  # [K, N]
    masks = obs.masks.astype(np.float64)
    if fixed_variance is None:
        fixed_variance = obs.num_models - 1 < 64
    scores = np.empty((len(targets), signal.shape[1]))
    for row, t in enumerate(targets):
        refs = np.arange(obs.num_models) != t
        ref_signal, ref_in = signal[refs], masks[refs]
        mean_out, var_out = _masked_moments(ref_signal, 1.0 - ref_in)
        if fixed_variance:
            std_out = max(_pooled_std(ref_signal, 1.0 - ref_in, mean_out), _MIN_STD)
        else:
            std_out = np.maximum(np.sqrt(var_out), _MIN_STD)
        if not online:
            scores[row] = (signal[t] - mean_out) / std_out
            continue
        mean_in, var_in = _masked_moments(ref_signal, ref_in)
        if fixed_variance:
            std_in = max(_pooled_std(ref_signal, ref_in, mean_in), _MIN_STD)
        else:
            std_in = np.maximum(np.sqrt(var_in), _MIN_STD)
        scores[row] = _log_normal(signal[t], mean_in, std_in) - _log_normal(
            signal[t], mean_out, std_out
        )
    return scores

"""RMIA, the relative membership-inference attack of Zarifzadeh et al. (2024)."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.signals import true_class_log_prob
from mia_defense.errors import ConfigError
from mia_defense.observe import Observations

__all__ = ["rmia"]


def _log_mean_prob(log_p: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """log of the weighted mean over rows of exp(``log_p``) [R, N]; NaN where weights sum to 0."""
    count = weights.sum(axis=0)
    top = np.max(np.where(weights > 0, log_p, -np.inf), axis=0)
    top = np.where(np.isfinite(top), top, 0.0)
    total = (np.exp(log_p - top) * weights).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, np.log(total / count) + top, np.nan)


def _log_marginal(
    ref_log_p: np.ndarray, ref_in: np.ndarray, *, online: bool, a: float
) -> np.ndarray:
    """log Pr(x): the reference models' average probability of the true class [N].

    Online it averages all references (half of them trained on x). Offline only the OUT
    references are used and Pr(x)_IN is approximated as a Pr(x)_OUT + (1 - a), so
    Pr(x) = ((1 + a) Pr(x)_OUT + (1 - a)) / 2 (the paper's offline scaling).
    """
    if online:
        return _log_mean_prob(ref_log_p, np.ones_like(ref_in))
    log_out = _log_mean_prob(ref_log_p, 1.0 - ref_in)
    # A sample no OUT reference saw (only with very few references) gets the average OUT
    # probability over all samples, not a value of its own that would single it out.
    overall = np.log(np.mean(np.exp(ref_log_p)[ref_in == 0])) if (ref_in == 0).any() else 0.0
    log_out = np.where(np.isnan(log_out), overall, log_out)
    return np.log((1.0 + a) / 2.0 * np.exp(log_out) + (1.0 - a) / 2.0)


def rmia(
    obs: Observations,
    targets: np.ndarray,
    *,
    online: bool = False,
    a: float = 0.3,
    gamma: float = 1.0,
    num_z: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """RMIA scores [T, N]: how often x's likelihood ratio beats population samples z.

    LR(x, z) = (Pr(x | θ) / Pr(x)) / (Pr(z | θ) / Pr(z)), with Pr(. | θ) the target's
    released probability of the true class and Pr(.) its average over the reference
    models (the other K-1 models); the score of x is the fraction of z with
    LR(x, z) > ``gamma``. The z are population samples (their membership in the target
    is never read), so comparing with them calibrates each target on its own scale.
    Within one target the score is monotone in Pr(x | θ) / Pr(x); across pooled targets
    and with few references it is what makes RMIA strong.

    Args:
        obs: released outputs of all K models.
        targets: [T] indices of the target models.
        online: Pr(x) from all references; offline (default) from the OUT references only,
            scaled by ``a``.
        a: offline scaling parameter in [0, 1]; 1 uses the OUT average as is.
        gamma: threshold on the pairwise likelihood ratio (>= 1).
        num_z: how many population samples serve as z (``None``: all N).
        seed: drives the choice of z.
    """
    if not 0.0 <= a <= 1.0:
        raise ConfigError(f"attack rmia a={a}: must lie in [0, 1]")
    if gamma < 1.0:
        raise ConfigError(f"attack rmia gamma={gamma}: must be >= 1")
    log_p = true_class_log_prob(obs.log_probs, obs.labels).astype(np.float64)  # [K, N]
    masks = obs.masks.astype(np.float64)
    num_samples = log_p.shape[1]
    z = np.arange(num_samples)
    if num_z is not None and num_z < num_samples:
        z = np.sort(np.random.default_rng(seed).choice(num_samples, num_z, replace=False))
    scores = np.empty((len(targets), num_samples))
    for row, t in enumerate(targets):
        refs = np.arange(obs.num_models) != t
        log_ratio = log_p[t] - _log_marginal(log_p[refs], masks[refs], online=online, a=a)
        ratio_z = np.sort(log_ratio[z])
        # fraction of z with log_ratio(x) - log_ratio(z) > log(gamma)
        scores[row] = np.searchsorted(ratio_z, log_ratio - np.log(gamma), side="left") / len(z)
    return scores

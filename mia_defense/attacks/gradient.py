"""White-box attack: members have small loss gradients (the model has fitted them)."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.base import first_bad, requires_access
from mia_defense.attacks.references import (
    check_calibration,
    check_kinds,
    checked_targets,
    scored_against_references,
)
from mia_defense.errors import DataError
from mia_defense.observations import GRAD_NORMS_SKIPPED, Observations, grad_norms_fix

__all__ = ["gradient_norm"]

_FLOOR = float(np.finfo(np.float64).tiny)  # (a norm of 0: the highest score, -log 2e-308)


@requires_access("weights")
def gradient_norm(
    obs: Observations, targets: np.ndarray, *, calibration: str = "reference", seed: int = 0
) -> np.ndarray:
    """Gradient-norm scores [T, N] for a user who attacks their own model (white box).

    The signal is minus the log of the per-sample gradient norm of the loss with respect
    to the parameters (``obs.grad_norms``, computed when ``attack.white_box=true``).

    Args:
        obs: observations with ``grad_norms`` [K, N].
        targets: [T] indices of the target models.
        calibration: ``global``: the signal as is; ``reference``: standardised per sample
            against the reference models that did not train on it (as many as did:
            `balanced_references`; LiRA offline style), ranked as LiRA's
            (`ranked_within_strata`).
        seed: drives those ranks' draws, as `lira`'s.
    """
    check_calibration("gradient_norm", calibration)
    check_kinds("gradient_norm", seed=seed)
    targets = checked_targets(targets, obs.num_models, where="gradient_norm")
    fix = ("attack.white_box=true, but the models' per-sample gradient norms could not be "
           "computed (see the warning 'white-box gradient norms skipped' above)"
           if obs.metadata.get(GRAD_NORMS_SKIPPED) is True
           else grad_norms_fix())
    norms = obs.require("grad_norms", attack="gradient_norm", fix=fix)
    _check_norms(norms)
    # [K, N]; floored at float64's smallest normal number, below every positive float32
    # norm (a floor of 1e-30 tied a fitted model's norms of 1e-38 and 1e-31: AUC 0.5)
    signal = -np.log(np.maximum(norms.astype(np.float64), _FLOOR))
    if calibration == "global":
        return signal[targets]
    return scored_against_references(signal, obs.masks, targets, seed=seed, score=_standardised)


def _check_norms(norms: np.ndarray) -> None:
    """A `DataError` naming the first gradient norm that is NaN, infinite or negative:
    Observations built directly were never checked, and one NaN or infinite norm made every
    score NaN (the references' pooled spread: run_attacks skipped the attack as 'it
    returned NaN for every score'); a negative one was floored, a perfect fit."""
    bad = ~(np.isfinite(norms) & (norms >= 0))
    if not bad.any():
        return
    value, at = first_bad(norms, bad)
    raise DataError(
        f"gradient_norm: observations.grad_norms holds {value:g} at {at}; "
        "gradient norms are finite and >= 0 (each record's norm of the loss gradient with "
        "respect to the parameters): give them as computed, or leave the gradient attack out "
        "with '~attack.attacks.gradient_norm'"
    )


def _standardised(
    target: np.ndarray, ref_signal: np.ndarray, ref_in: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """[N] the target's ``target`` signal standardised per sample against the OUT
    references' (``ref_signal`` [R, N], weights ``out`` [R, N]; one pooled spread)."""
    count = np.maximum(out.sum(axis=0), 1)
    mean = (ref_signal * out).sum(axis=0) / count
    # no OUT reference (only with very few references): the mean over all samples
    mean = np.where(out.sum(axis=0) > 0, mean, (ref_signal * out).sum() / max(out.sum(), 1))
    resid = ((ref_signal - mean) ** 2 * out).sum() / max(out.sum() - count.size, 1)
    return (target - mean) / max(np.sqrt(resid), 1e-6)

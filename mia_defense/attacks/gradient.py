"""White-box attack: members have small loss gradients (the model has fitted them)."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.base import requires_access
from mia_defense.attacks.references import (
    balanced_references,
    check_calibration,
    check_kinds,
    checked_targets,
    closed_records,
    ranked_within_strata,
    reference_models,
)
from mia_defense.observations import GRAD_NORMS_SKIPPED, Observations

__all__ = ["gradient_norm"]


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
           else "set attack.white_box=true (needs the models), or give observations of "
                "your own their grad_norms (docs/observations.md)")
    norms = obs.require("grad_norms", attack="gradient_norm", fix=fix)
    signal = -np.log(np.maximum(norms.astype(np.float64), 1e-30))  # [K, N]
    if calibration == "global":
        return signal[targets]
    scores = np.empty((len(targets), signal.shape[1]))
    closed = closed_records(obs.masks)
    for row, t in enumerate(targets):
        refs = reference_models(obs.num_models, t)
        ref_in, out = balanced_references(obs.masks[refs], closed=closed)
        count = np.maximum(out.sum(axis=0), 1)
        mean = (signal[refs] * out).sum(axis=0) / count
        # no OUT reference (only with very few references): the mean over all samples
        mean = np.where(out.sum(axis=0) > 0, mean, (signal[refs] * out).sum() / max(out.sum(), 1))
        resid = ((signal[refs] - mean) ** 2 * out).sum() / max(out.sum() - count.size, 1)
        score = (signal[t] - mean) / max(np.sqrt(resid), 1e-6)
        scores[row] = ranked_within_strata(score, ref_in, out, np.random.default_rng([t, seed]))
    return scores

"""Score-threshold attacks (Yeom et al. 2018; Song & Mittal 2021): one signal, one threshold."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.base import requires_access
from mia_defense.attacks.references import checked_targets, reference_models
from mia_defense.attacks.signals import SIGNALS, per_model, true_class_log_prob
from mia_defense.errors import ConfigError
from mia_defense.metrics.inputs import as_truth
from mia_defense.observations import Observations

__all__ = ["CALIBRATIONS", "class_calibrated", "loss_attack", "threshold_attack"]

CALIBRATIONS = ("global", "class")


@requires_access("outputs")
def loss_attack(obs: Observations, targets: np.ndarray) -> np.ndarray:
    """Loss-threshold attack (Yeom et al. 2018): low loss means member.

    Returns scores [T, N], higher = more likely a member of target ``targets[t]``;
    the ROC sweeps the global threshold.
    """
    targets = checked_targets(targets, obs.num_models, where="loss_attack")
    return per_model(true_class_log_prob, obs.log_probs, obs.labels, targets)


def class_calibrated(
    signal: np.ndarray, labels: np.ndarray, masks: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    """Map each target's signal through its shadows' per-class non-member distribution.

    The score of sample n of class c is the fraction of the shadow models' non-member
    signals of class c below it (ties count half): one global threshold on it is a
    class-dependent threshold with equal FPR on the shadows in every class (Song &
    Mittal 2021). The shadows of a target are all other models; the target's own
    membership is never read.

    Beyond the shadows' range the fraction is 1 (or 0) whatever the signal, so the score
    adds how far the signal lies past the class's highest (lowest) shadow non-member
    (`_beyond`): saturated samples keep their order. Tied at exactly 1.0, 0.19% of the
    non-members on the default run took the whole 0.1% FPR budget, and the attack's TPR
    at 0.1% FPR read 0 whatever its members' signals.

    Args:
        signal: [K, N] per-model signal, higher = member.
        labels: [N] classes.
        masks: [K, N] membership.
        targets: [T] target models.

    Returns:
        [T, N] scores, in [0, 1] within the shadows' range of each class.
    """
    # 0/1 ints, as Observations built directly keep them: ~1 is -2, an index (a raw numpy
    # error from inside, 'object too deep for desired array')
    masks = as_truth(masks, where="class_calibrated", name="masks")
    scores = np.empty((len(targets), signal.shape[1]))
    classes = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    for row, t in enumerate(targets):
        refs = reference_models(len(signal), t)
        ref_signal, ref_out = signal[refs], ~masks[refs]  # [K-1, N], copied once per target
        for idx in classes:
            out = np.sort(ref_signal[:, idx][ref_out[:, idx]])
            if len(out) == 0:
                scores[row, idx] = 0.5
                continue
            below = np.searchsorted(out, signal[t, idx], side="left")
            at_most = np.searchsorted(out, signal[t, idx], side="right")
            scores[row, idx] = (below + at_most) / (2.0 * len(out)) + _beyond(signal[t, idx], out)
    return scores


def _beyond(values: np.ndarray, out: np.ndarray) -> np.ndarray:
    """How far each of ``values`` lies above the largest of the sorted ``out`` (positive)
    or below the smallest (negative), 0 in between; in float64, so a small excess over a
    signal near 0 (modified entropy of a confident answer: -1e-10) is not rounded away."""
    values = np.asarray(values, dtype=np.float64)
    top, bottom = np.float64(out[-1]), np.float64(out[0])
    return np.maximum(values - top, 0.0) + np.minimum(values - bottom, 0.0)


def check_options(*, signal: str = "loss", calibration: str = "global") -> None:
    """Refuse a signal or calibration `threshold_attack` does not know (`ConfigError`); also
    run by `mia_defense.config.check_config`, before the run directory is made."""
    if signal not in SIGNALS:
        raise ConfigError(
            f"attack signal={signal!r}: unexpected signal, choose from {sorted(SIGNALS)}"
        )
    if calibration not in CALIBRATIONS:
        raise ConfigError(
            f"attack calibration={calibration!r}: unexpected calibration, "
            f"choose from {CALIBRATIONS}"
        )


@requires_access("outputs")
def threshold_attack(
    obs: Observations,
    targets: np.ndarray,
    *,
    signal: str = "loss",
    calibration: str = "global",
) -> np.ndarray:
    """Score-threshold attack scores [T, N] on one per-sample signal.

    Args:
        obs: released outputs of all K models.
        targets: [T] indices of the target models.
        signal: ``loss`` (Yeom et al. 2018), ``confidence``, ``entropy`` (Salem et al.
            2019) or ``modified_entropy`` (Song & Mittal 2021).
        calibration: ``global``: the raw signal, the ROC sweeps one threshold for all
            samples; ``class``: class-dependent thresholds calibrated on the shadow models
            (see `class_calibrated`).
    """
    check_options(signal=signal, calibration=calibration)
    targets = checked_targets(targets, obs.num_models, where="threshold_attack")
    fn = SIGNALS[signal]
    if calibration == "global":
        return per_model(fn, obs.log_probs, obs.labels, targets)
    signal_all = per_model(fn, obs.log_probs, obs.labels)
    return class_calibrated(signal_all, obs.labels, obs.masks, targets)

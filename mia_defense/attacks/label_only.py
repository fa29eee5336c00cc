"""Label-only attack of Choquette-Choo et al. (2021): robustness of the predicted label."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from mia_defense.attacks.base import first_bad, requires_access
from mia_defense.attacks.references import (
    check_calibration,
    check_kinds,
    checked_targets,
    scored_against_references,
)
from mia_defense.attacks.signals import _labels
from mia_defense.budget import Work, augmented_copies_work
from mia_defense.errors import DataError
from mia_defense.observations import Observations, is_attacked_as_given, queries_fix

__all__ = ["budget_work", "label_only", "label_robustness"]

log = logging.getLogger(__name__)


def label_robustness(obs: Observations) -> np.ndarray:
    """Fraction of queries (the sample and its perturbed copies) labelled correctly [K, N].

    Needs only the predicted label, so it works on a label-only release. A label outside
    the C classes (-1, which Observations built in Python keep as given) matched no
    prediction: robustness 0, a record scored as a non-member, silently; it is a
    `DataError` naming this function, as the other attacks' signals refuse it.
    """
    labels = _labels(obs.log_probs, obs.labels, "label_robustness")
    # model by model: numpy's argmax copies a read-only array whole (the views the attack
    # runner hands out are), which was a second [K, N, C] at the attacks' peak
    predictions = np.stack([log_probs.argmax(axis=-1) for log_probs in obs.log_probs])[:, None]
    if obs.augmented_predictions is not None:
        _check_predictions(obs.augmented_predictions, obs.log_probs.shape[-1])
        predictions = np.concatenate([predictions, obs.augmented_predictions], axis=1)
    else:
        # (mia-train's setting; observations attacked as given lack them, and no setting
        # adds them: a file's or arrays' own, attack.queries.num_augmented named nowhere)
        lack = ("no perturbed queries in these observations" if is_attacked_as_given()
                else "no perturbed queries (attack.queries.num_augmented=0, or observations "
                     "without them)")  # fmt: skip
        log.warning(
            "label_only: %s: falling back on the gap attack, correct label = member; %s",
            lack, queries_fix(),
        )  # fmt: skip
    return (predictions == labels).mean(axis=1)


def _check_predictions(predictions: np.ndarray, num_classes: int) -> None:
    """A `DataError` naming the first augmented prediction outside the ``num_classes``
    classes: Observations built directly were never checked, and such a prediction
    matched no label (the query counted as misclassified, silently)."""
    bad = (predictions < 0) | (predictions >= num_classes)
    if bad.any():
        value, at = first_bad(predictions, bad)
        raise DataError(
            f"label_robustness: observations.augmented_predictions holds {value} at {at}; "
            f"give each query's predicted class, an index in [0, {num_classes}) of the "
            "outputs' classes (api.observations_from_arrays checks them)"
        )


@requires_access("label")
def label_only(
    obs: Observations, targets: np.ndarray, *, calibration: str = "reference", seed: int = 0
) -> np.ndarray:
    """Label-only scores [T, N]: members keep their label under perturbations more often.

    Args:
        obs: released outputs, with ``augmented`` queries (perturbed copies; without them
            the attack degrades to the gap attack: correctly labelled = member).
        targets: [T] indices of the target models.
        calibration: ``global``: the target's robustness as is (Choquette-Choo et al.);
            ``reference``: minus the mean robustness of the reference models that did not
            train on the sample (as many as did: `balanced_references`), so
            hard-but-robust samples are not all called members; ranked as LiRA's where
            samples keep different numbers of references (`ranked_within_strata`).
        seed: drives those ranks' draws, as `lira`'s.
    """
    check_calibration("label_only", calibration)
    check_kinds("label_only", seed=seed)
    targets = checked_targets(targets, obs.num_models, where="label_only")
    robust = label_robustness(obs)  # [K, N]
    if calibration == "global":
        return robust[targets]
    # ranked among the samples that keep as many references, as LiRA's: on a user's
    # unbalanced masks (each record IN for each of 8 models with probability 0.8) the
    # number kept follows the target's membership, and the raw differences read AUC
    # 0.54 (0.46 at 0.2) on outputs without any membership signal
    return scored_against_references(robust, obs.masks, targets, seed=seed, score=_above_out)


def _above_out(
    target: np.ndarray, ref_robust: np.ndarray, ref_in: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """[N] the target's robustness minus the mean of its OUT references' (``ref_robust``
    [R, N], weights ``out`` [R, N])."""
    mean_out = (ref_robust * out).sum(axis=0) / np.maximum(out.sum(axis=0), 1)
    # no OUT reference (only with very few references): the mean over all samples
    overall = ref_robust[out > 0].mean() if out.any() else 0.0
    return target - np.where(out.any(axis=0), mean_out, overall)


def budget_work(attacks: Mapping[str, Any], *, num_models: int, num_augmented: int,
                num_records: int) -> list[Work]:
    """What each of ``attacks`` that is `label_only` (its _target_, under any name) holds
    beside observations of ``num_augmented`` queries on each of ``num_records`` records of
    ``num_models`` models: `label_robustness`'s working copies of their predictions, the
    int64 [K, A + 1, N] of the target's own label and the queries' (numpy's argmax, its
    dtype) and their bool match, 9 bytes a cell (h462's tracemalloc: about 9); none
    without queries (the attack falls back on the gap attack). For mia-train's up-front
    check (`mia_defense.pipeline.data`'s attack memory) and mia-attack's
    (`mia_defense.attack_setup.check_observed_budget`): with
    '~attack.attacks.lira_online_augmented', neither counted them (h500)."""
    return augmented_copies_work(
        [name for name, attack in attacks.items()  # (its _target_, under any name)
         if getattr(attack, "func", None) is label_only],
        copies_of="the predictions on the augmented queries",
        memory=9 * num_models * (num_augmented + 1) * num_records,
        queries=f"its queries: attack.queries.num_augmented={num_augmented}",
        num_models=num_models, num_augmented=num_augmented, num_records=num_records,
    )  # fmt: skip

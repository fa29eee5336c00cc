"""Each attack recovers a planted membership signal and sees nothing in null data."""

import copy
import functools
from dataclasses import replace

import numpy as np
import pytest

from mia_defense.attacks import (
    gradient_norm,
    label_only,
    lira,
    loss_attack,
    rmia,
    shokri,
    threshold_attack,
)
from mia_defense.attacks.signals import true_class_logit
from mia_defense.errors import ConfigError
from mia_defense.metrics import roc_metrics
from mia_defense.observations import MissingObservationError, Observations
from tests.attacks import synthetic
from tests.helpers import synthetic_observations

ATTACKS = {
    "loss": loss_attack,
    **{
        f"{signal}_{calibration}": (
            lambda obs, t, s=signal, c=calibration: threshold_attack(
                obs, t, signal=s, calibration=c
            )
        )
        for signal in ("loss", "confidence", "entropy", "modified_entropy")
        for calibration in ("global", "class")
    },
    "shokri": shokri,
    "lira_online": lira,
    "lira_offline": lambda obs, t: lira(obs, t, online=False),
    "lira_online_per_example": lambda obs, t: lira(obs, t, fixed_variance=False),
    "lira_online_augmented": lambda obs, t: lira(obs, t, augmented=True),
    "lira_offline_augmented": lambda obs, t: lira(obs, t, online=False, augmented=True),
    "rmia_offline": rmia,
    "rmia_online": lambda obs, t: rmia(obs, t, online=True),
    "rmia_gamma2_z200": lambda obs, t: rmia(obs, t, gamma=2.0, num_z=200),
    "label_only_global": lambda obs, t: label_only(obs, t, calibration="global"),
    "label_only_reference": label_only,
    "gradient_norm_global": lambda obs, t: gradient_norm(obs, t, calibration="global"),
    "gradient_norm_reference": gradient_norm,
}
# Entropy ignores the label, so the class-calibrated and global versions differ only in
# calibration; every attack is listed so each is held to the same three properties.


@functools.cache
def _built(**kwargs) -> Observations:
    return synthetic.full_observations(**kwargs)


def full_observations(**kwargs) -> Observations:
    """`tests.attacks.synthetic.full_observations`, built once per set of arguments (66 of
    the tests below ask for one of three) and given to each test as its own deep copy, so
    that no test sees what an attack of another might have written into its arrays."""
    return copy.deepcopy(_built(**kwargs))


def _auc(name: str, obs: Observations) -> float:
    targets = np.arange(obs.num_models)
    scores = ATTACKS[name](obs, targets)
    assert scores.shape == (obs.num_models, obs.labels.shape[0])
    return roc_metrics(scores, obs.masks[targets]).auc


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_planted_signal_is_found(name):
    assert _auc(name, full_observations(signal=5.0)) > 0.9


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_null_data_gives_chance(name):
    obs = full_observations(signal=0.0, num_samples=1000)
    assert abs(_auc(name, obs) - 0.5) < 0.05


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_shuffled_membership_destroys_the_attack(name):
    """Strong signal, but memberships permuted across samples: references and truth no
    longer match the outputs, so no attack can do better than chance."""
    obs = full_observations(signal=5.0, num_samples=1000)
    perm = np.random.default_rng(1).permutation(obs.labels.shape[0])
    shuffled = replace(obs, masks=obs.masks[:, perm])
    assert abs(_auc(name, shuffled) - 0.5) < 0.05


def test_lira_beats_loss_when_samples_differ_in_difficulty():
    obs = synthetic_observations(signal=1.0, num_models=16)
    targets = np.arange(16)
    truth = obs.masks[targets]
    lira_tpr = roc_metrics(lira(obs, targets), truth).tpr_at_fpr[0.01]
    loss_tpr = roc_metrics(loss_attack(obs, targets), truth).tpr_at_fpr[0.01]
    assert lira_tpr > 2 * loss_tpr


def test_class_thresholds_beat_a_global_one_when_classes_differ():
    """Classes with different confidence levels: one global threshold mixes them up,
    thresholds calibrated per class on the shadows do not."""
    obs = synthetic_observations(signal=1.0, num_samples=1000, seed=3)
    shift = np.where(obs.labels % 2 == 0, 3.0, -3.0)  # even classes far more confident
    log_probs = obs.log_probs.copy()
    log_probs[:, np.arange(len(obs.labels)), obs.labels] += shift
    shifted = Observations(log_probs, obs.labels, obs.masks)
    targets = np.arange(obs.num_models)
    truth = obs.masks[targets]
    glob = roc_metrics(threshold_attack(shifted, targets, signal="loss"), truth).auc
    cls = roc_metrics(
        threshold_attack(shifted, targets, signal="loss", calibration="class"), truth
    ).auc
    assert cls > glob + 0.02


def test_attacks_use_only_other_models_membership():
    """Flipping the target's own mask must not change its scores (no label leakage)."""
    obs = full_observations(signal=2.0, num_models=8)
    flipped = obs.masks.copy()
    flipped[0] = ~flipped[0]
    other = replace(obs, masks=flipped)
    for name, attack in ATTACKS.items():
        np.testing.assert_allclose(
            attack(obs, np.array([0])), attack(other, np.array([0])), err_msg=name
        )


def test_missing_white_box_signal_names_the_fix():
    obs = synthetic_observations(num_models=4)
    with pytest.raises(MissingObservationError, match=r"attack\.white_box=true"):
        gradient_norm(obs, np.array([0]))


def test_label_only_without_queries_is_the_gap_attack():
    obs = synthetic_observations(signal=5.0, num_models=4)
    scores = label_only(obs, np.arange(4), calibration="global")
    assert set(np.unique(scores)) <= {0.0, 1.0}
    correct = obs.log_probs.argmax(-1) == obs.labels
    np.testing.assert_array_equal(scores, correct)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda o: threshold_attack(o, np.array([0]), signal="bogus"), "choose from"),
        (lambda o: threshold_attack(o, np.array([0]), calibration="bogus"), "choose from"),
        (lambda o: rmia(o, np.array([0]), a=1.5), "a=1.5"),
        (lambda o: rmia(o, np.array([0]), gamma=0.5), "gamma=0.5"),
        (lambda o: label_only(o, np.array([0]), calibration="x"), "choose from"),
    ],
)
def test_bad_options_are_config_errors(call, match):
    with pytest.raises(ConfigError, match=match):
        call(synthetic_observations(num_models=4, num_samples=50))


def test_logit_scaling_is_stable_near_one():
    log_probs = np.log(np.array([[[1 - 1e-12, 1e-12]]], dtype=np.float64))
    logit = true_class_logit(log_probs, np.array([0]))
    assert logit[0, 0] == pytest.approx(np.log((1 - 1e-12) / 1e-12), rel=1e-6)


def test_shokri_features_of_many_classes_take_memory_linear_in_the_classes():
    """The one-hot label of C = 50,000 classes (Texas-like tasks have thousands): eye(C)
    took C^2 floats, 20 GB; the features of N records need N x (2C + 1)."""
    import tracemalloc

    from mia_defense.attacks.shokri import attack_features

    classes, labels = 50_000, np.array([0, 7, 49_999])
    log_probs = np.full((3, classes), -np.log(classes))
    tracemalloc.start()
    features = attack_features(log_probs, labels)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50e6
    assert features.shape == (3, 2 * classes + 1)
    assert features[1, classes + 1 + 7] == 1.0 and features[1, classes + 1 :].sum() == 1.0

"""Red team (attacks and metrics): mia-attack and `api.audit` pick the targets mia-train picks."""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pytest

from mia_defense import api
from mia_defense.attack_setup import attack_config, attack_settings
from mia_defense.attacks import (
    Scores,
    gradient_norm,
    label_only,
    lira,
    loss_attack,
    rmia,
    run_attacks,
    threshold_attack,
)
from mia_defense.attacks.references import DEFAULT_MAX_TARGETS
from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.attacks.signals import confidence
from mia_defense.errors import ConfigError
from tests.attacks.synthetic import full_observations
from tests.helpers import synthetic_observations

_ONLY_LOSS = [f"~attack.attacks.{name}" for name in (
    "confidence", "entropy", "modified_entropy", "modified_entropy_class", "shokri",
    "lira_online", "lira_offline", "lira_online_augmented", "rmia", "label_only",
    "gradient_norm")]  # fmt: skip


def test_null_num_targets_attacks_at_most_16_models_as_mia_train_does():
    """attack.num_targets=null on observations of K=18 models attacked all 18 (mia-train:
    the first 16), so mia-attack on a run directory pooled other targets and its figures
    differed from the run's (loss AUC 0.5192 for 0.5212) at 18/16 of the cost."""
    cfg = attack_config(_ONLY_LOSS)
    settings = attack_settings(cfg, num_models=18, num_classes=3, defended=False)
    assert settings.targets.tolist() == list(range(DEFAULT_MAX_TARGETS))
    few = attack_settings(cfg, num_models=6, num_classes=3, defended=False)
    assert few.targets.tolist() == list(range(6))
    four = attack_settings(attack_config([*_ONLY_LOSS, "attack.num_targets=4"]), num_models=18,
                           num_classes=3, defended=False)
    assert np.array_equal(four.targets, np.arange(4))


@pytest.mark.parametrize("targets", [[-1], [0, 0], [4], [], [0.0], [True, False, True, False]])
def test_run_attacks_refuses_targets_that_are_not_distinct_models(targets):
    """Target -1 of 4 models was attacked with every model, itself included, as its
    references: LiRA online read its own membership (AUC 0.70 at K=8 on outputs without
    any signal); a repeated target counted its decisions twice."""
    obs = synthetic_observations(num_models=4, num_samples=40, signal=0.0)
    with pytest.raises(ConfigError, match="targets="):
        run_attacks(obs, {"lira": lira}, targets=np.array(targets))


@pytest.mark.parametrize("attack", [lira, rmia, label_only, gradient_norm,
                                    functools.partial(threshold_attack, calibration="class")])
def test_reference_attacks_refuse_a_target_outside_the_models(attack):
    obs = full_observations(num_models=4, num_samples=40, num_augmented=2)
    with pytest.raises(ValueError, match="target model -1 is not one of the 4 models"):
        attack(obs, np.array([-1]))


@pytest.mark.parametrize(("setting", "message"), [
    ({"gamma": float("nan")}, "gamma=nan: must be >= 1"),
    ({"gamma": float("inf")}, "gamma=inf: must be >= 1 and finite"),
    ({"gamma": 0.5}, "gamma=0.5: must be >= 1"),
    ({"num_z": 0}, "num_z=0: must be >= 1"),
    ({"num_z": -3}, "num_z=-3: must be >= 1"),
])  # fmt: skip
def test_rmia_refuses_a_gamma_or_num_z_that_blinds_it(setting, message):
    """Called from Python (the config check refuses these before): gamma=nan or inf made
    every score 0 or 1, AUC 0.5 on outputs with AUC 0.94; num_z=0 every score NaN."""
    obs = synthetic_observations(num_models=4, num_samples=40)
    with pytest.raises(ConfigError, match=message):
        rmia(obs, np.arange(4), **setting)


def test_an_fpr_of_1e_310_is_warned_about_without_an_overflow(caplog):
    """attack.fprs=[0.1,1e-310] passes the config check ((0, 1)); 1 / 1e-310 is infinite in
    float, and the warning's math.ceil of it raised OverflowError after training."""
    obs = synthetic_observations(num_models=4, num_samples=40, signal=0.0)
    results = run_attacks(obs, {"loss": loss_attack}, targets=np.arange(4), fprs=(0.1, 1e-310))
    assert results["loss"].metrics.tpr_at_fpr[1e-310] >= 0
    assert "at least 1/1e-310 non-member scores" in caplog.text


@pytest.mark.parametrize(("override", "message"), [
    ("~attack", "attack: missing; it is required"),
    ("attack=null", r"attack overrides \['attack=null'\]: attack=null: a config group takes "
     r"the name of one of its configs \(the files in conf/attack/\), not null"),
])  # fmt: skip
def test_audit_refuses_a_deleted_or_null_attack_group_with_a_config_error(override, message):
    """api.audit(obs, overrides=['~attack']) raised omegaconf's ConfigAttributeError (the
    fixed settings' check and attack_settings read cfg.attack before the config check), and
    ['attack=null'] Hydra's raw ValueError."""
    obs = synthetic_observations(num_models=4, num_samples=40)
    with pytest.raises(ConfigError, match=message):
        api.audit(obs, overrides=[override])


def _choosing(chosen):
    def attack(obs, targets):
        return Scores(np.asarray(obs.log_probs[targets].max(axis=-1), np.float64), chosen)
    return attack


@pytest.mark.parametrize(("chosen", "message"), [
    ({"auc": np.ones(4)}, "the setting 'auc' it chose per target: name it"),
    ({"tpr@0.1%fpr": np.ones(4)}, "name it with a Python identifier"),
    ({"a_max": np.ones(4)}, "not ending in _min or _max"),
    ({"a": np.array(["x"] * 4)}, "give one number per target"),
    ({"a": np.zeros(7)}, r"give one number per target \(4\)"),
    ({"a": np.zeros(0)}, "give one number per target"),
    ({"a": object()}, "give one number per target"),
])  # fmt: skip
def test_a_users_chosen_settings_are_numbers_per_target_under_their_own_names(chosen, message):
    """A user's attack returning Scores(values, {"auc": ones}) replaced its AUC in
    results.json (the summary takes each chosen setting's name); strings or objects were a
    raw ValueError or TypeError, 7 values for 4 targets were accepted."""
    obs = synthetic_observations(num_models=4, num_samples=40)
    with pytest.raises(ConfigError, match=message):
        run_attacks(obs, {"mine": _choosing(chosen)}, targets=np.arange(4))


def test_rmia_keeps_its_chosen_a():
    obs = synthetic_observations(num_models=4, num_samples=40)
    result = run_attacks(obs, {"rmia": rmia}, targets=np.arange(4))["rmia"]
    assert result.chosen["a"].shape == (4,)


def test_integer_masks_are_read_as_bool():
    """Observations built directly with 0/1 integer masks: the non-members were counted as
    the sum of ~mask (negative), so the ε bound came out NaN, and the class-calibrated
    attack failed with a raw ValueError."""
    obs = synthetic_observations(num_models=4, num_samples=60, signal=1.0)
    attacks = {"loss": loss_attack, "cls": functools.partial(threshold_attack,
                                                            calibration="class")}
    want = run_attacks(obs, attacks, targets=np.arange(4))
    got = run_attacks(replace(obs, masks=obs.masks.astype(np.int64)), attacks,
                      targets=np.arange(4))
    for name in attacks:
        assert np.isfinite(got[name].epsilon_lower_bound)
        assert got[name].epsilon_lower_bound == want[name].epsilon_lower_bound
        assert np.array_equal(got[name].scores, want[name].scores)
    with pytest.raises(ConfigError, match=r"observations\.masks: dtype int64 with values"):
        run_attacks(replace(obs, masks=obs.masks * 2), attacks, targets=np.arange(4))


def test_evaluate_reads_integer_truth_as_bool():
    rng = np.random.default_rng(0)
    truth = rng.random((2, 50)) < 0.5
    scores = rng.normal(size=truth.shape) + truth
    config = EvaluationConfig(bootstrap=0)
    want = evaluate("x", scores, truth, targets=np.arange(2), config=config)
    got = evaluate("x", scores, truth.astype(np.int8), targets=np.arange(2), config=config)
    assert np.isfinite(got.epsilon_lower_bound)
    assert got.epsilon_lower_bound == want.epsilon_lower_bound


def test_a_function_of_ours_that_is_no_attack_fails_in_one_line():
    """attack.attacks.loss._target_=mia_defense.attacks.signals.confidence (a signal, not
    an attack) counted as one of our attacks: its AttributeError was a traceback after
    training."""
    obs = synthetic_observations(num_models=4, num_samples=40)
    with pytest.raises(ConfigError, match=r"attack\.attacks\.x: the attack raised AttributeError"):
        run_attacks(obs, {"x": confidence}, targets=np.arange(4))

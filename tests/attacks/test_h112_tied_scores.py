"""An attack that gives every record the same score measured nothing: as AUC 0.5 [0.5, 0.5]
and TPR 0 [0, 0] it read as a measured 'no leak' (LiRA online at K=2, whose one reference
model is never IN and OUT of a record, so it keeps none; the entropy of one-hot outputs; a
user's attack returning a constant), and as a run's only attack it made a leaky run look
private. It is kept (every run of a sweep keeps one set of attacks, so one front) but said,
and never decides the verdict."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense import api
from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig, run_attacks, strongest, tied_scores
from mia_defense.errors import ConfigError
from mia_defense.pipeline.evaluate import attack_observations
from tests.attacks.synthetic import full_observations


def _constant(obs, targets):
    return np.zeros((len(targets), len(obs.labels)))


def _constant_per_target(obs, targets):
    return np.repeat(np.asarray(targets, dtype=float)[:, None], len(obs.labels), axis=1)


def _inverted_loss(obs, targets):  # AUC below 0.5, TPR 0 at low FPR: weaker than a constant
    return -loss_attack(obs, targets)


def test_tied_scores_are_those_of_one_value_per_target():
    assert tied_scores(np.zeros((2, 5)))
    assert tied_scores(np.array([[1.0, 1.0, np.nan], [2.0, 2.0, 2.0]]))
    assert not tied_scores(np.array([[1.0, 1.0, 1.0], [2.0, 3.0, 2.0]]))


def test_an_attack_of_one_score_is_said_and_never_the_strongest(caplog):
    obs = full_observations(signal=3.0, num_models=4, num_samples=200)
    attacks = {"inverted": _inverted_loss, "mine": _constant, "per_target": _constant_per_target}
    with caplog.at_level(logging.WARNING):
        results = run_attacks(obs, attacks, targets=np.arange(4),
                              evaluation=EvaluationConfig(bootstrap=0))
    assert list(results) == ["inverted", "mine", "per_target"]  # kept: one set per sweep
    assert "attack mine: it gave every record the same score" in caplog.text
    assert "attack per_target: it gave every record the same score" in caplog.text
    assert "attack inverted: it gave" not in caplog.text
    assert strongest(results, 0.001) == "inverted"  # (AUC 0.5 broke the tie before)


def test_a_leaky_run_whose_only_attack_is_constant_gets_no_verdict():
    obs = full_observations(signal=3.0, num_models=4, num_samples=200)
    utility = {"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
               "chance_accuracy": 0.1}
    with pytest.raises(ConfigError, match=r"attack.attacks: every black-box attack \(mine\) "
                                          r"gave every record the same score"):
        attack_observations(
            obs, {"mine": _constant}, targets=np.arange(4),
            evaluation=EvaluationConfig(bootstrap=0), is_canary=np.zeros(200, bool),
            population_idx=np.arange(200), utility=utility, privacy={}, defense={},
            training={},
        )


def _two_leaky_models():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 400)
    masks = np.zeros((2, 400), bool)
    masks[rng.integers(0, 2, 400), np.arange(400)] = True
    logits = rng.normal(size=(2, 400, 5))
    logits[masks[:, :, None] & (np.arange(5) == labels[:, None])[None]] += 4.0
    return api.observations_from_arrays(logits, masks, labels, kind="logits")


def test_lira_online_at_two_models_is_said_naming_the_plan(caplog):
    """At K=2 LiRA online keeps no reference of any record (`balanced_references`): its
    scores are all tied, a row of 0.500 [0.500, 0.500] in the table."""
    cfg = api.attack_config(["attack.bootstrap=0"])
    with caplog.at_level(logging.WARNING):
        result = api.run_audit(_two_leaky_models(), cfg, defended=False).result
    assert "attack lira_online: it gave every record the same score" in caplog.text
    assert "plan.num_models >= 4" in caplog.text
    assert result.strongest_attack != "lira_online"


def test_lira_online_alone_at_two_models_gives_no_verdict():
    cfg = api.attack_config(["attack.bootstrap=0", *(
        f"~attack.attacks.{name}" for name in (
            "loss", "confidence", "entropy", "modified_entropy", "modified_entropy_class",
            "shokri", "lira_offline", "lira_online_augmented", "rmia", "label_only",
            "gradient_norm"))])  # fmt: skip
    with pytest.raises(ConfigError, match=r"every black-box attack \(lira_online\)"):
        api.run_audit(_two_leaky_models(), cfg, defended=False)


def test_a_run_at_chance_whose_attacks_are_all_tied_finishes_without_a_verdict():
    """A release that answers every query alike (release.temperature=1e30: uniform outputs)
    ties every attack, and the utility is at chance: the run gets no verdict and says so, it
    is not stopped as if an attack were missing."""
    obs = full_observations(signal=3.0, num_models=4, num_samples=200)
    utility = {"test_accuracy": 0.1, "train_accuracy": 0.1, "generalization_gap": 0.0,
               "chance_accuracy": 0.1}
    result, _ = attack_observations(
        obs, {"mine": _constant}, targets=np.arange(4),
        evaluation=EvaluationConfig(bootstrap=0), is_canary=np.zeros(200, bool),
        population_idx=np.arange(200), utility=utility, privacy={}, defense={}, training={},
    )
    assert result.utility_below_chance


def test_the_lira_advice_on_num_models_is_given_at_two_models_only(caplog):
    obs = api.observations_from_arrays(np.zeros((4, 100, 3)), np.tile([[1], [1], [0], [0]],
                                       (1, 100)).astype(bool), np.arange(100) % 3,
                                       kind="logits")  # fmt: skip
    cfg = api.attack_config(["attack.bootstrap=0", "~attack.attacks.shokri"])
    with caplog.at_level(logging.WARNING):
        api.run_audit(obs, cfg, defended=False)
    assert "attack lira_online: it gave every record the same score" in caplog.text
    assert "plan.num_models >= 4" not in caplog.text

"""A DP claim that a measured lower bound on ε exceeds is said loudly (results.json, log,
console), not printed as two numbers side by side."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.cli.build import format_table
from mia_defense.metrics.one_run_audit import one_run_bound
from mia_defense.pipeline.claim import Evidence, audit_evidence, check_claim
from mia_defense.pipeline.evaluate import attack_observations
from tests.helpers import attack_with_claim, synthetic_observations


def test_a_strong_attack_refutes_a_tiny_claimed_epsilon(caplog):
    with caplog.at_level(logging.WARNING):
        result, _ = attack_with_claim({"epsilon": 0.05, "delta": 1e-5})
    privacy = result.privacy
    (evidence,) = result.epsilon_evidence
    bound, what = evidence.bound, evidence.what
    # the refuting bound holds for the best of all the run's attacks at once: below the
    # attack's own 95% bound
    assert 0.05 < bound <= privacy["empirical_epsilon"]
    assert privacy["epsilon_refuted"] is True
    assert privacy["epsilon_refuted_by"] == what == "attack loss, 95% over all 1 attacks"
    assert privacy["epsilon_refuted_reason"].startswith(
        f"measured ε >= {bound:.3g} (attack loss, 95% over all 1 attacks; a lower bound) "
        "exceeds the accountant's ε 0.05: the DP claim does not hold"
    )
    assert "DP CLAIM REFUTED: measured ε >=" in caplog.text
    table = format_table(result, [0.01])
    assert f"DP CLAIM REFUTED: {privacy['epsilon_refuted_reason']}" in table
    assert "epsilon_refuted True" not in table  # said once, in capitals


def test_a_claim_above_every_bound_stands_and_no_claim_is_not_judged():
    result, _ = attack_with_claim({"epsilon": 1000.0, "delta": 1e-5})
    assert result.privacy["epsilon_refuted"] is False
    assert "REFUTED" not in format_table(result, [0.01])
    for privacy in ({}, {"epsilon": None}, {"epsilon": float("inf")}):
        result, _ = attack_with_claim(dict(privacy))
        assert "epsilon_refuted" not in result.privacy


@pytest.mark.parametrize("side", ["white_box", "black_box"])
def test_the_one_run_audit_can_refute_the_claim_too(side):
    privacy = {"epsilon": 1.0, "empirical_epsilon": 0.2,
               "audit": {side: {"epsilon": 1.7}, "accountant_epsilon": 1.0}}
    attacks = [Evidence("attack loss, 95% over all 3 attacks", 0.95, lambda confidence: 0.2)]
    check_claim(privacy, [*attacks, *audit_evidence(privacy, confidence=0.95)])
    assert privacy["epsilon_refuted"] is True
    assert privacy["epsilon_refuted_by"] == f"one-run audit, {side}"
    # rechecked once the audit is below: the refutation is not left behind
    privacy["audit"][side]["epsilon"] = 0.9
    check_claim(privacy, [*attacks, *audit_evidence(privacy, confidence=0.95)])
    assert privacy["epsilon_refuted"] is False and "epsilon_refuted_by" not in privacy


def test_an_audit_figure_without_counts_is_stated_at_the_runs_confidence():
    """A side whose counts were not recorded keeps its figure, at the confidence it records
    or else at the run's (attack.confidence=0.99 here), never at a fixed 95%."""
    privacy = {"epsilon": 1.0, "audit": {"white_box": {"epsilon": 1.7},
                                         "black_box": {"epsilon": 1.2, "confidence": 0.9}}}
    white, black = audit_evidence(privacy, confidence=0.99)
    assert (white.confidence, white.bound, white.bound_at(confidence=0.999)) == (0.99, 1.7, 1.7)
    assert (black.confidence, black.bound) == (0.9, 1.2)
    check_claim(privacy, [white, black])
    assert "at 99% for all 2 bounds the claim was held to" in privacy["epsilon_refuted_reason"]


def test_the_refuting_bound_is_corrected_for_the_number_of_attacks():
    few, _ = attack_with_claim({"epsilon": 0.05, "delta": 1e-5})
    obs = synthetic_observations(num_models=8, num_samples=400, signal=4.0)
    many, _ = attack_observations(
        obs, {f"loss{i}": loss_attack for i in range(10)}, targets=np.arange(8),
        evaluation=EvaluationConfig(fprs=(0.01,), bootstrap=0), is_canary=np.zeros(400, bool),
        population_idx=np.arange(400), utility=few.utility, privacy={"epsilon": 0.05},
        defense={}, training={},
    )
    # the same scores ten times: the same 95% bound, a lower family-wise one
    assert many.privacy["empirical_epsilon"] == few.privacy["empirical_epsilon"]
    assert many.epsilon_evidence[0].bound < few.epsilon_evidence[0].bound


def _audit_side(correct: int) -> dict:
    """A side of privacy.audit as audit_report records it: 1000 canaries, the 100 scored
    highest of which hold ``correct`` members, spread through their ranks."""
    top = np.random.default_rng(0).permutation(np.arange(100) < correct)
    scores = np.r_[np.linspace(2, 1, 100), np.full(900, -1.0)]
    included = np.r_[top, np.arange(900) % 2 == 0]
    return one_run_bound(scores, included, delta=1e-5, confidence=0.95).as_dict()


def test_the_audit_bound_is_recomputed_from_its_counts_at_its_own_confidence():
    side = _audit_side(85)
    (evidence,) = audit_evidence({"audit": {"white_box": side}}, confidence=0.95)
    assert evidence.bound == pytest.approx(side["epsilon"], rel=1e-12)
    assert evidence.bound_at(confidence=0.99) < evidence.bound


def test_the_claim_is_held_to_all_its_bounds_at_once_not_to_the_luckiest():
    """Three 95% bounds (the attacks' and the audit's two): the largest of them is an 85%
    bound. Each is taken at 98.3% so that together they refute at 95%."""
    white, black = _audit_side(85), _audit_side(60)
    (alone,) = audit_evidence({"audit": {"white_box": white}}, confidence=0.95)
    # below the white-box audit's own 95% bound, above the same counts' 98.3% bound
    claimed = (alone.bound + alone.bound_at(confidence=1 - 0.05 / 3)) / 2
    assert alone.bound > claimed > black["epsilon"]
    privacy = {"epsilon": claimed, "audit": {"white_box": white, "black_box": black}}
    attacks = [Evidence("attack loss, 95% over all 3 attacks", 0.95, lambda confidence: 0.2)]
    check_claim(privacy, [*attacks, *audit_evidence(privacy, confidence=0.95)])
    assert privacy["epsilon_refuted"] is False
    # alone, the same bound refutes the same claim
    check_claim(privacy, audit_evidence({"audit": {"white_box": white}}, confidence=0.95))
    assert privacy["epsilon_refuted"] is True
    # far above, it refutes beside the others too, and says at what confidence
    privacy["audit"]["white_box"] = _audit_side(95)
    check_claim(privacy, [*attacks, *audit_evidence(privacy, confidence=0.95)])
    assert privacy["epsilon_refuted"] is True
    assert privacy["epsilon_refuted_by"] == "one-run audit, white_box"
    assert "at 95% for all 3 bounds the claim was held to" in privacy["epsilon_refuted_reason"]


def test_a_runs_evidence_survives_pickling_as_tests_share_runs_between_workers():
    import pickle

    result, _ = attack_with_claim({"epsilon": 0.05, "delta": 1e-5})
    privacy = {"audit": {"white_box": _audit_side(85)}}
    for evidence in [*result.epsilon_evidence, *audit_evidence(privacy, confidence=0.95)]:
        assert pickle.loads(pickle.dumps(evidence)).bound == evidence.bound

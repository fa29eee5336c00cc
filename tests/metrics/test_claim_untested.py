"""A DP claim no measurement could have refuted (too few decisions, an audit too small)
is said to be untested, so ``epsilon_refuted: false`` is not read as evidence it holds."""

from __future__ import annotations

import numpy as np

from mia_defense.cli.build import format_table
from mia_defense.metrics.one_run_audit import one_run_bound
from mia_defense.pipeline.claim import audit_evidence, check_claim
from mia_defense.report.checks import run_end_lines
from tests.helpers import attack_with_claim


def test_a_claim_beyond_what_a_perfect_attack_could_show_is_untested():
    # 1600 member and 1600 non-member decisions: a perfect attack shows ε >= ~6 at most
    result, _ = attack_with_claim({"epsilon": 8.0, "delta": 1e-5})
    privacy = result.privacy
    assert privacy["epsilon_refuted"] is False
    (evidence,) = result.epsilon_evidence
    ceiling = evidence.ceiling_at(confidence=0.95)
    assert privacy["empirical_epsilon"] <= ceiling < 8.0
    assert privacy["epsilon_untested"].startswith(
        "too few decisions to test the accountant's ε 8: even a perfect attack or audit "
        f"could show at most ε >= {ceiling:.3g}"
    )
    # said once, in the READ WITH CARE line printed under the table (h412), not in it
    assert "too few decisions" not in format_table(result, [0.01])
    ends = run_end_lines({"privacy": privacy, "attacks": {}})
    assert "READ WITH CARE: DP claim untested: too few decisions" in ends[0]


def test_a_claim_a_perfect_attack_could_refute_is_not_untested():
    for epsilon in (1.0, 0.05, float("inf")):
        result, _ = attack_with_claim({"epsilon": epsilon, "delta": 1e-5}, signal=0.0)
        # (null, written with every finite ε: a missing one reads as deleted, h315)
        assert result.privacy.get("epsilon_untested", "missing") == (
            None if epsilon < 1e9 else "missing"), epsilon


def test_an_audit_that_could_refute_lifts_the_attacks_ceiling():
    privacy = {"epsilon": 3.0, "delta": 1e-6}
    truth = np.arange(4000) % 2 == 0
    bound = one_run_bound(np.where(truth, 0.0, 1.0), truth, delta=1e-6)  # all wrong: 0
    side = {**bound.as_dict()}
    check_claim(privacy, audit_evidence({"audit": {"white_box": side}}, confidence=0.95))
    assert privacy["epsilon_refuted"] is False and privacy["epsilon_untested"] is None
    # the same audit at a claim beyond its ceiling, and a stale note is replaced
    privacy = {"epsilon": 30.0, "delta": 1e-6, "epsilon_untested": "stale"}
    check_claim(privacy, audit_evidence({"audit": {"white_box": side}}, confidence=0.95))
    assert "one-run audit, white_box" in privacy["epsilon_untested"]
    # no evidence at all: nothing tested the claim
    privacy = {"epsilon": 1.0}
    check_claim(privacy, [])
    assert privacy["epsilon_untested"].startswith("nothing measured a bound on ε")
    privacy = {"epsilon": float("inf"), "epsilon_untested": "stale"}
    check_claim(privacy, [])
    assert "epsilon_untested" not in privacy


def test_a_carried_audit_of_a_billion_pairs_is_judged_without_its_ceiling():
    from mia_defense.metrics.one_run_audit import guess_counts

    m = 10**9  # (its perfect guesses' p-values took minutes, then ran out of memory)
    side = {"epsilon": 0.5, "confidence": 0.95, "delta": 1e-12, "canaries": m,
            "guesses": 10, "correct": 10, "candidates": len(guess_counts(m))}
    (evidence,) = audit_evidence({"audit": {"white_box": side}}, confidence=0.95)
    assert evidence.ceiling_at is None
    privacy = {"epsilon": 8.0}
    check_claim(privacy, [evidence])
    assert privacy["epsilon_refuted"] is False and privacy["epsilon_untested"] is None


def test_a_carried_audit_of_a_billion_correct_guesses_keeps_its_recorded_figure():
    from mia_defense.metrics.one_run_audit import guess_counts

    m = 10**9  # (recomputing its bound took arrays of 4·10**8: minutes, then no memory)
    side = {"epsilon": 9.0, "confidence": 0.95, "delta": 1e-12, "canaries": m,
            "guesses": 4 * 10**8, "correct": 4 * 10**8, "candidates": len(guess_counts(m))}
    (evidence,) = audit_evidence({"audit": {"white_box": side}}, confidence=0.95)
    assert evidence.bound_at(confidence=0.99) == 9.0 and evidence.confidence == 0.95
    privacy = {"epsilon": 8.0}
    check_claim(privacy, [evidence])
    assert privacy["epsilon_refuted"] is True


def test_a_run_with_a_one_run_audit_is_not_told_to_make_one():
    # a run with attack.audit=one_run was told '... or a one-run audit (attack.audit=one_run)'
    truth = np.arange(4000) % 2 == 0
    side = one_run_bound(np.where(truth, 0.0, 1.0), truth, delta=1e-6).as_dict()
    audit = {"audit": {"white_box": side}}
    privacy = {"epsilon": 30.0, "delta": 1e-6, **audit}
    check_claim(privacy, audit_evidence(audit, confidence=0.95))
    assert "attack.audit=one_run" not in privacy["epsilon_untested"]
    assert "this run's one-run audit at a lower defense.dp.delta or with more canaries" in (
        privacy["epsilon_untested"])
    result, _ = attack_with_claim({"epsilon": 8.0, "delta": 1e-5})  # (no audit: told to)
    assert "a one-run audit (attack.audit=one_run)" in result.privacy["epsilon_untested"]

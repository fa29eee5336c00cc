"""A DP claim was judged twice where the run carried a one-run audit: first on the attacks'
bounds alone (at 95% for one bound), which logged 'DP CLAIM REFUTED', then with the audit's
two bounds at 1 - 5%/3 each, which could clear it again: the log said refuted, results.json
not. api.run_audit (observations with the audit block mia-attack carries) kept the first
verdict. attack_observations now judges the claim once, on every bound."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense import api
from mia_defense.metrics.one_run_audit import guess_counts
from mia_defense.plan import balanced_masks

FAST = ["attack.bootstrap=0", "attack.white_box=false", "attack.queries.num_augmented=0",
        "attack.queries.repeats=1", "~attack.attacks.shokri", "~attack.attacks.label_only",
        "~attack.attacks.lira_online", "~attack.attacks.lira_offline", "~attack.attacks.rmia"]
DELTA = 1e-5


def _obs():
    k, n = 8, 400
    rng = np.random.default_rng(0)
    masks = balanced_masks(k, n, rng)
    labels = rng.integers(0, 2, n)
    logit = rng.normal(0, 2, n)[None, :] + rng.normal(0, 1, (k, n)) + np.where(masks, 1.5, 0.0)
    logit = np.where(labels[None, :] == 1, logit, -logit)
    log_probs = np.stack([-np.logaddexp(0, logit), -np.logaddexp(0, -logit)], axis=-1)
    return api.observations_from_arrays(log_probs.astype(np.float32), masks, labels)


def _side(m: int) -> dict:  # a one-run audit's side that found nothing, as results.json holds
    return {"epsilon": 0.0, "confidence": 0.95, "delta": DELTA, "canaries": m, "guesses": 10,
            "correct": 5, "guessed_in": 10, "guessed_out": 0,
            "candidates": len(guess_counts(m))}


def _judged(obs, claimed: float, *, audit: bool) -> dict:
    privacy = {"epsilon": claimed, "delta": DELTA, "epsilon_valid": True}
    if audit:
        privacy["audit"] = {"confidence": 0.95, "delta": DELTA, "accountant_epsilon": claimed,
                            "white_box": _side(16000), "black_box": _side(1600)}
    return api.run_audit(obs, api.attack_config(FAST), defended=True,
                         privacy=privacy).result.privacy


@pytest.fixture(scope="module")
def band():
    """(claim, bound at 1 - 5%/3): a claim the attacks' bound refutes at 95% alone but not
    at 1 - 5%/3, the level each of three bounds is held to."""
    obs = _obs()
    audited = api.run_audit(obs, api.attack_config(FAST), defended=True,
                            privacy={"epsilon": 100.0, "delta": DELTA, "epsilon_valid": True})
    (evidence,) = audited.result.epsilon_evidence
    alone, shared = evidence.bound_at(confidence=0.95), evidence.bound_at(confidence=1 - 0.05 / 3)
    assert alone > shared + 0.02
    return obs, (alone + shared) / 2, shared


def test_a_claim_the_audit_shares_the_confidence_with_is_judged_once(band, caplog):
    obs, claimed, _ = band
    assert _judged(obs, claimed, audit=False)["epsilon_refuted"] is True  # (the band holds)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        privacy = _judged(obs, claimed, audit=True)
    assert privacy["epsilon_refuted"] is False
    assert "DP CLAIM REFUTED" not in caplog.text


def test_a_claim_refuted_with_the_audit_is_said_once(band, caplog):
    obs, _, shared = band
    with caplog.at_level(logging.WARNING):
        privacy = _judged(obs, shared / 2, audit=True)
    assert privacy["epsilon_refuted"] is True
    assert "for all 3 bounds the claim was held to" in privacy["epsilon_refuted_reason"]
    assert caplog.text.count("DP CLAIM REFUTED") == 1

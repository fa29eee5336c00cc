"""Targets that trained on all or on none of the records judged: the pooled ROC compares
their scores only with other targets', so what it takes from them is a difference between
models, not membership. At K=2 (model 0 trained on none of the records, model 1 on all of
them, model 1 merely sharper) the audit gave the loss attack AUC 0.67 and an ε bound of
4.3 (modified_entropy_class) with no word, and such a bound refuted a DP claim. The pooling
stays; the run now warns naming those targets, holds no DP claim to the attacks' bound
(privacy.epsilon_untested says why), and where no target has both kinds it has no verdict
(privacy.no_verdict_reason)."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.attacks.threshold import loss_attack
from mia_defense.observations import Observations

N, C = 300, 3


def _probs(rng: np.random.Generator, labels: np.ndarray, sharp: float) -> np.ndarray:
    """Outputs [N, C] with no membership signal: only ``sharp`` sets how sure the model is."""
    logits = rng.normal(size=(len(labels), C))
    logits[np.arange(len(labels)), labels] += sharp
    return np.log(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True))


def _attacked(masks: np.ndarray, sharpness: list[float]) -> dict:
    from mia_defense.pipeline.evaluate import attack_observations

    rng = np.random.default_rng(0)
    labels = rng.integers(0, C, N)
    log_probs = np.stack([_probs(rng, labels, s) for s in sharpness]).astype(np.float32)
    obs = Observations.from_arrays({"log_probs": log_probs, "masks": masks, "labels": labels},
                                  source="test")
    result, _ = attack_observations(
        obs, {"loss": loss_attack}, targets=np.arange(len(masks)),
        evaluation=EvaluationConfig(fprs=(0.1, 0.01), bootstrap=0),
        is_canary=np.zeros(N, bool), population_idx=np.arange(N),
        utility={"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                 "chance_accuracy": 0.4},
        privacy={"epsilon": 0.5, "delta": 1e-5}, defense={}, training={},
    )  # fmt: skip
    return result.privacy


def test_none_and_all_at_two_models_is_no_verdict_and_no_refutation(caplog):
    masks = np.stack([np.zeros(N, bool), np.ones(N, bool)])
    with caplog.at_level(logging.WARNING):
        privacy = _attacked(masks, [1.0, 3.0])
    assert privacy["empirical_epsilon"] > 0.5  # the sharper model reads as a leak
    assert privacy["epsilon_refuted"] is False
    assert "epsilon_refuted_reason" not in privacy
    reason = privacy["no_verdict_reason"]
    assert "members only: model 1; non-members only: model 0" in reason
    assert "no target has both" in reason
    assert privacy["epsilon_untested"] == reason
    said = [r.getMessage() for r in caplog.records if "ONE KIND OF RECORD" in r.getMessage()]
    assert len(said) == 1 and "api.make_plan" in said[0]


def test_one_target_of_one_kind_among_others_refutes_nothing_but_keeps_the_verdict(caplog):
    half = np.arange(N) < N // 2
    masks = np.stack([np.ones(N, bool), half, ~half, half, ~half])
    with caplog.at_level(logging.WARNING):
        privacy = _attacked(masks, [4.0, 1.0, 1.0, 1.0, 1.0])
    assert privacy["epsilon_refuted"] is False
    assert privacy["no_verdict_reason"] is None  # (written always: h315)
    assert privacy["epsilon_untested"].startswith(
        "target models with one kind of record among those judged (members only: model 0)")
    assert any("ONE KIND OF RECORD" in r.getMessage() for r in caplog.records)


def test_targets_with_both_kinds_are_held_to_the_claim(caplog):
    half = np.arange(N) < N // 2
    masks = np.stack([half, ~half, half, ~half])
    with caplog.at_level(logging.WARNING):
        privacy = _attacked(masks, [1.0, 1.0, 1.0, 1.0])
    assert privacy["no_verdict_reason"] is None  # (written always: h315)
    assert not str(privacy.get("epsilon_untested", "")).startswith("target models with one")
    assert not any("ONE KIND OF RECORD" in r.getMessage() for r in caplog.records)

"""attack.confidence=0.5: the end-of-run table headed its 50% intervals "AUC [95% CI]" and
said "strongest attack ... 95% CI [...]": a precision the figures do not have."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.cli.build import format_table
from mia_defense.pipeline.evaluate import RunResult, _attack_summary

_FPRS = [0.1]


def _table(confidence: float) -> str:
    rng = np.random.default_rng(0)
    truth = np.stack([rng.permutation(200) < 100 for _ in range(2)])
    scores = rng.normal(size=truth.shape) + truth
    config = EvaluationConfig(fprs=_FPRS, bootstrap=50, confidence=confidence)
    attack = evaluate("loss", scores, truth, targets=np.arange(2), config=config)
    result = RunResult(
        utility={"test_accuracy": 0.8, "train_accuracy": 0.9, "generalization_gap": 0.1,
                 "chance_accuracy": 0.1},
        attacks={"loss": _attack_summary(attack, _FPRS)},
        strongest_attack="loss", defense={}, privacy={}, wall_seconds=0.0,
        attack_results={"loss": attack},
    )
    return format_table(result, _FPRS)


def test_the_table_names_the_level_of_its_intervals():
    table = _table(0.5)
    assert "AUC [50% CI]" in table and ", 50% CI [" in table
    assert "95%" not in table


def test_the_default_level_keeps_its_wording():
    table = _table(0.95)
    assert "AUC [95% CI]" in table and ", 95% CI [" in table

"""The end-of-run table (`format_table`: mia-train, mia-attack, `Audit.table`) said the
reasons a verdict understates the leak as lower-case 'key reason' lines above the table
(``privacy.attacks_inverted``, ``masks_suspect``...), and ended 'strongest attack at 1% FPR:
inv (TPR 0.0000)' as any run's: an attack of the wrong sign, or masks of other models
(`api.audit`: a leaky model judged against the wrong truth), read as a private model. They
are now said under the verdict, in their warnings' capitals, as 'SOME MODELS AT CHANCE' is."""

from __future__ import annotations

import numpy as np

from mia_defense import api
from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.attacks.threshold import loss_attack
from mia_defense.pipeline.evaluate import attack_observations
from mia_defense.report.run_table import format_table
from tests.attacks.synthetic import full_observations
from tests.hostile.test_verdicts_redteam import _leaky


def _inverted(obs, targets):
    return -loss_attack(obs, targets)  # (a sign error: higher means non-member)


def _verdict_then(lines: list[str], start: str) -> int:
    verdict = next(i for i, line in enumerate(lines) if line.startswith("strongest attack at"))
    said = [i for i, line in enumerate(lines) if line.startswith(start)]
    assert len(said) == 1, lines
    assert said[0] > verdict
    return said[0]


def test_inverted_scores_are_said_under_the_verdict():
    obs = full_observations(signal=1.0, num_models=4, num_samples=200)
    result, _ = attack_observations(
        obs, {"inv": _inverted}, targets=np.arange(4),
        evaluation=EvaluationConfig(fprs=(0.01, 0.1), bootstrap=0),
        is_canary=np.zeros(200, bool), population_idx=np.arange(200),
        utility={"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                 "chance_accuracy": 0.1},
        privacy={}, defense={}, training={},
    )  # fmt: skip
    reason = result.privacy["attacks_inverted"]
    lines = format_table(result, [0.01, 0.1]).splitlines()
    at = _verdict_then(lines, "INVERTED ATTACK SCORES: ")
    assert lines[at] == f"INVERTED ATTACK SCORES: {reason}"
    assert not any(line.startswith("attacks_inverted") for line in lines)


def test_suspect_masks_are_said_under_the_verdict():
    outputs, masks, labels, test, test_labels = _leaky(signal=2.0)
    obs = api.observations_from_arrays(outputs, np.roll(masks, 1, axis=0), labels,
                                       kind="logits", test_outputs=test,
                                       test_labels=test_labels)  # fmt: skip
    audit = api.audit(obs, overrides=["attack.bootstrap=0", "~attack.attacks.shokri"])
    lines = audit.table().splitlines()
    at = _verdict_then(lines, "MASKS SUSPECT: ")
    assert lines[at] == f"MASKS SUSPECT: {audit.result.privacy['masks_suspect']}"
    assert not any(line.startswith("masks_suspect") for line in lines)


def test_a_run_without_caveats_says_none():
    obs = full_observations(signal=1.0, num_models=4, num_samples=200)
    result, _ = attack_observations(
        obs, {"loss": loss_attack}, targets=np.arange(4),
        evaluation=EvaluationConfig(fprs=(0.01, 0.1), bootstrap=0),
        is_canary=np.zeros(200, bool), population_idx=np.arange(200),
        utility={"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                 "chance_accuracy": 0.1},
        privacy={}, defense={}, training={},
    )  # fmt: skip
    table = format_table(result, [0.01, 0.1])
    assert "strongest attack at 1% FPR: loss" in table
    assert not any(word in table for word in ("INVERTED", "MASKS SUSPECT", "MASKS UNBALANCED"))

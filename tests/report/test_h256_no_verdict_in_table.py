"""The end-of-run table (`format_table`: mia-train, mia-attack, `Audit.table`) of a run whose
results.json says it has no privacy verdict (``privacy.no_verdict_reason``: a blown-up
training, targets of one kind of record) ended as any run's: 'strongest attack at 0.1% FPR:
modified_entropy_class (TPR 0.0000)', a private model's verdict, the reason only a
lower-case 'no_verdict_reason ...' line above the table (train.lr=1e6 on digits). It now
says 'NO PRIVACY VERDICT: <reason>' where the verdict would be, once."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.attacks.threshold import loss_attack
from mia_defense.observations import Observations
from mia_defense.pipeline.evaluate import attack_observations
from mia_defense.report.run_table import format_table
from tests.helpers import mia_train

N, C = 300, 3


def _result(masks: np.ndarray):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, C, N)
    logits = rng.normal(size=(len(masks), N, C))
    log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    obs = Observations.from_arrays(
        {"log_probs": log_probs.astype(np.float32), "masks": masks, "labels": labels},
        source="test",
    )
    result, _ = attack_observations(
        obs, {"loss": loss_attack}, targets=np.arange(len(masks)),
        evaluation=EvaluationConfig(fprs=(0.1, 0.01), bootstrap=0),
        is_canary=np.zeros(N, bool), population_idx=np.arange(N),
        utility={"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                 "chance_accuracy": 0.4},
        privacy={}, defense={}, training={},
    )  # fmt: skip
    return result


def test_targets_of_one_kind_end_the_table_without_a_verdict():
    result = _result(np.stack([np.zeros(N, bool), np.ones(N, bool)]))
    reason = result.privacy["no_verdict_reason"]
    lines = format_table(result, [0.01, 0.1]).splitlines()
    assert lines[-1] == f"NO PRIVACY VERDICT: {reason}"
    assert not any(line.startswith("strongest attack at") for line in lines)
    assert sum(reason in line for line in lines) == 1  # (said once, not also above the table)


def test_targets_of_both_kinds_keep_the_verdict():
    half = np.arange(N) < N // 2
    result = _result(np.stack([half, ~half, half, ~half]))
    table = format_table(result, [0.01, 0.1])
    assert "NO PRIVACY VERDICT" not in table
    assert "strongest attack at 1% FPR: loss" in table


def test_mia_train_of_a_blown_up_training_prints_no_verdict(tmp_path):
    done = mia_train(
        "train.epochs=2", "figures=false", "attack.bootstrap=0", "progress=false",
        "attack.queries.num_augmented=0", "attack.white_box=false", "plan.num_models=4",
        "plan.population_size=200", "~attack.attacks.shokri", "train.lr=1e6",
        f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "NO PRIVACY VERDICT: training blew up" in done.stdout
    assert "strongest attack at" not in done.stdout

"""mia-train's end-of-run table of a run whose test set does not establish its test accuracy
above chance ended 'strongest attack at 0.1% FPR: entropy (TPR 0.0012)', a private model's
verdict; that the model may have learned nothing was a log warning before the table only
(breast_cancer's 143 test records, train.lr=0.0006, one epoch: 0.636 against chance 0.601,
95% interval [0.555, 0.711]). The table now says it under the verdict, as mia-report's
caveat words it (`near_chance_note`)."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.attacks.threshold import loss_attack
from mia_defense.pipeline.evaluate import attack_observations
from mia_defense.report.run_table import format_table
from tests.attacks.synthetic import full_observations
from tests.helpers import mia_train


def _result(test_size):
    obs = full_observations(signal=1.0, num_models=4, num_samples=200)
    result, _ = attack_observations(
        obs, {"loss": loss_attack}, targets=np.arange(4),
        evaluation=EvaluationConfig(fprs=(0.01, 0.1), bootstrap=0),
        is_canary=np.zeros(200, bool), population_idx=np.arange(200),
        utility={"test_accuracy": 0.636, "train_accuracy": 0.672, "generalization_gap": 0.036,
                 "chance_accuracy": 0.601},
        privacy={}, defense={}, training={},
    )  # fmt: skip
    result.test_size = test_size
    return result


def test_the_caveat_follows_the_test_records_it_rests_on():
    said = format_table(_result(143), [0.01, 0.1]).splitlines()
    near = [line for line in said if line.startswith("NEAR CHANCE: ")]
    assert len(near) == 1 and "on its 143 test records" in near[0]
    assert said.index(near[0]) > next(
        i for i, line in enumerate(said) if line.startswith("strongest attack at"))
    for size in (None, 100_000):  # unknown (run_audit given a utility), or established
        assert "NEAR CHANCE" not in format_table(_result(size), [0.01, 0.1]), size


def test_mia_train_says_it_under_the_verdict(tmp_path):
    done = mia_train(
        "dataset=breast_cancer", "train.epochs=1", "train.lr=0.0006", "figures=false",
        "attack.bootstrap=0", "attack.queries.num_augmented=0", "attack.white_box=false",
        "plan.num_models=4", "progress=false", "~attack.attacks.shokri",
        f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    verdict = next(i for i, line in enumerate(lines) if line.startswith("strongest attack at"))
    near = next(i for i, line in enumerate(lines) if line.startswith("NEAR CHANCE: "))
    assert near > verdict
    assert "is not established above chance" in lines[near]

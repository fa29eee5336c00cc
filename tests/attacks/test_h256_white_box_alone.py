"""Every black-box attack skipped at run time, a white-box one run: no verdict, said as such.

`check_attacks` refuses a set of white-box attacks alone before training. When the
black-box ones were all skipped at run time (lira_online_augmented without augmented
queries, an attack of NaN scores) beside gradient_norm, the run was recorded complete
without a verdict, and mia-train then exited 2 on its objective with 'no attack reports
tpr@0.1%fpr; choose max_attack.METRIC with METRIC one of ' (an empty list).
"""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks import gradient_norm, loss_attack
from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.errors import ConfigError
from mia_defense.pipeline.evaluate import attack_observations
from mia_defense.tracking import read_json
from tests.attacks.synthetic import full_observations
from tests.helpers import mia_train

_UTILITY = {"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
            "chance_accuracy": 0.1}  # fmt: skip


def _all_nan(obs, targets):
    return np.full((len(targets), len(obs.labels)), np.nan)


def _attacked(attacks):
    obs = full_observations(signal=1.0, num_models=4, num_samples=200)
    return attack_observations(
        obs, attacks, targets=np.arange(4), evaluation=EvaluationConfig(bootstrap=0),
        is_canary=np.zeros(200, bool), population_idx=np.arange(200), utility=dict(_UTILITY),
        privacy={}, defense={}, training={},
    )  # fmt: skip


def test_white_box_results_alone_are_refused_naming_the_skipped_black_box_attacks():
    with pytest.raises(ConfigError, match=r"none of the black-box attacks \(mine\) could run"
                       r".*white-box ones that ran \(gradient_norm\)"):
        _attacked({"mine": _all_nan, "gradient_norm": gradient_norm})


def test_a_skipped_white_box_attack_is_not_named_as_black_box():
    def _nan_weights(obs, targets):
        return _all_nan(obs, targets)

    _nan_weights.access = "weights"
    with pytest.raises(ConfigError, match=r"black-box attacks \(mine\) could run") as caught:
        _attacked({"mine": _all_nan, "other": _nan_weights, "gradient_norm": gradient_norm})
    assert "other" not in str(caught.value)


def test_a_black_box_attack_that_ran_keeps_the_verdict():
    result, _ = _attacked({"mine": _all_nan, "loss": loss_attack,
                           "gradient_norm": gradient_norm})
    assert result.strongest_attack == "loss"
    assert result.strongest_white_box_attack == "gradient_norm"


def test_mia_train_stops_with_the_reason_and_records_the_run_failed(tmp_path):
    dropped = ["loss", "confidence", "entropy", "modified_entropy", "modified_entropy_class",
               "shokri", "lira_online", "lira_offline", "rmia", "label_only"]
    run_dir = tmp_path / "run"
    done = mia_train(
        "train.epochs=1", "figures=false", "attack.bootstrap=0", "progress=false",
        "attack.queries.num_augmented=0", "attack.white_box=true", "plan.num_models=4",
        "plan.population_size=200", *(f"~attack.attacks.{name}" for name in dropped),
        f"hydra.run.dir={run_dir}", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "none of the black-box attacks (lira_online_augmented) could run" in done.stderr
    assert "choose max_attack.METRIC" not in done.stderr
    assert read_json(run_dir / "results.json")["status"] == "failed"

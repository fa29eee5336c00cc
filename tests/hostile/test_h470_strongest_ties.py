"""A run whose every black-box attack is at TPR 0 at the lowest FPR (release=label_only,
plan.num_models=4) crowned one of them by the AUC alone, and the choice read as arbitrary:
mia-train said modified_entropy_class, mia-attack of the same run (another shokri) said
shokri. `strongest` now breaks ties by the TPR at each higher FPR, then the AUC, then the
attacks' order, whatever order the results come in; the table says that none is above 0."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.runner import AttackResult, EvaluationConfig, strongest
from mia_defense.metrics.roc import AttackMetrics
from mia_defense.pipeline.evaluate import attack_observations
from mia_defense.report.run_table import format_table
from tests.attacks.synthetic import full_observations


def _result(name: str, tprs: dict[float, float], auc: float) -> AttackResult:
    scores = np.arange(8, dtype=float).reshape(2, 4)  # (not tied: measured something)
    metrics = AttackMetrics(auc=auc, tpr_at_fpr=tprs, advantage=0.0, fpr=np.zeros(1),
                            tpr=np.zeros(1))  # fmt: skip
    return AttackResult(name, np.arange(2), scores, metrics, 0.0)


def test_a_tie_at_the_lowest_fpr_goes_to_the_next_fpr_then_the_auc():
    results = {
        "by_auc": _result("by_auc", {0.001: 0.0, 0.01: 0.0, 0.1: 0.10}, auc=0.53),
        "by_next": _result("by_next", {0.001: 0.0, 0.01: 0.0, 0.1: 0.12}, auc=0.52),
        "weak": _result("weak", {0.001: 0.0, 0.01: 0.0, 0.1: 0.0}, auc=0.60),
    }
    assert strongest(results, 0.001) == "by_next"
    assert strongest(dict(reversed(results.items())), 0.001) == "by_next"
    # the lowest FPR still decides first
    results["leak"] = _result("leak", {0.001: 0.002, 0.01: 0.0, 0.1: 0.0}, auc=0.5)
    assert strongest(results, 0.001) == "leak"


def test_equal_figures_go_to_the_auc_then_the_first():
    same = {0.001: 0.0, 0.1: 0.1}
    results = {"a": _result("a", same, 0.51), "b": _result("b", same, 0.52),
               "c": _result("c", same, 0.52)}  # fmt: skip
    assert strongest(results, 0.001) == "b"


def _top_nonmember(boost: float):
    """Member scores 1, non-members 0, one non-member a target at ``boost`` above all: the
    TPR is 0 until that FPR, 1 after it."""
    def attack(obs, targets):
        scores = obs.masks[targets].astype(float)
        for row, target in enumerate(targets):
            scores[row, np.flatnonzero(~obs.masks[target].astype(bool))[:4]] = boost
        return scores
    return attack


def test_the_table_says_no_attack_is_above_zero():
    obs = full_observations(signal=1.0, num_models=4, num_samples=200)
    result, _ = attack_observations(
        obs, {"a": _top_nonmember(2.0), "b": _top_nonmember(3.0)}, targets=np.arange(4),
        evaluation=EvaluationConfig(fprs=(0.001, 0.1), bootstrap=0),
        is_canary=np.zeros(200, bool), population_idx=np.arange(200),
        utility={"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                 "chance_accuracy": 0.1},
        privacy={}, defense={}, training={},
    )  # fmt: skip
    assert result.attacks["a"]["tpr@0.1%fpr"] == 0 == result.attacks["b"]["tpr@0.1%fpr"]
    assert result.strongest_attack == "a"
    table = format_table(result, [0.001, 0.1])
    assert ("strongest attack at 0.1% FPR: none, every black-box attack's TPR there is "
            "0.0000; its figures are a's") in table  # fmt: skip
    assert "strongest attack at 0.1% FPR: a (TPR" not in table

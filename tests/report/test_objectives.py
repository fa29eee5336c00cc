import math

import pytest

from mia_defense.errors import ConfigError
from mia_defense.report import check_objective_names, objective, objectives

PAYLOAD = {
    "utility": {"test_accuracy": 0.9, "generalization_gap": 0.05},
    "attacks": {
        "loss": {"auc": 0.6, "tpr@1%fpr": 0.02, "tpr@0.1%fpr": 0.001},
        "lira": {"auc": 0.7, "tpr@1%fpr": 0.08, "tpr@0.1%fpr": None},
    },
    "privacy": {"epsilon": 4.0},
}


def test_objectives_read_utility_privacy_and_the_strongest_attack():
    assert objectives(PAYLOAD, ["utility.test_accuracy", "max_attack.tpr@1%fpr"]) == [0.9, 0.08]
    assert objective(PAYLOAD, "max_attack.auc") == 0.7
    assert objective(PAYLOAD, "privacy.epsilon") == 4.0
    # null (a NaN when written) is ignored by the max; an absent privacy figure is NaN
    assert objective(PAYLOAD, "max_attack.tpr@0.1%fpr") == 0.001
    assert math.isnan(objective({**PAYLOAD, "privacy": {}}, "privacy.epsilon"))


def test_a_run_without_a_verdict_gives_a_sweeper_the_worst_leakage():
    # an untrained model leaks nothing: minimising TPR would otherwise converge on it
    useless = {**PAYLOAD, "utility_below_chance": True}
    names = ["utility.test_accuracy", "max_attack.tpr@1%fpr", "max_attack.empirical_epsilon"]
    with_bound = {**useless, "attacks": {"loss": {"tpr@1%fpr": 0.0, "empirical_epsilon": 0.0}}}
    assert objectives(with_bound, names) == [0.9, 1.0, math.inf]
    # a figure no attack could give (NaN): a sweeper cannot take NaN, it gets the worst
    nan = {**PAYLOAD, "attacks": {"loss": {"tpr@1%fpr": None}}}
    assert objectives(nan, ["max_attack.tpr@1%fpr"]) == [1.0]
    # a run with a verdict keeps its figures
    assert objectives(PAYLOAD, names[:2]) == [0.9, 0.08]


def test_unknown_objectives_name_the_key_and_the_choices():
    with pytest.raises(ConfigError, match=r"objectives: unknown objective 'accuracy'.*SECTION"):
        check_objective_names(["accuracy"])
    with pytest.raises(ConfigError, match=r"'utility.test_acc' is not in .*test_accuracy"):
        objective(PAYLOAD, "utility.test_acc")
    with pytest.raises(ConfigError, match=r"no attack reports 'tpr@5%fpr'.*tpr@1%fpr"):
        objective(PAYLOAD, "max_attack.tpr@5%fpr")


def test_a_tpr_at_100_percent_fpr_is_refused_without_advice_attack_fprs_refuses():
    with pytest.raises(ConfigError, match=r"'max_attack.tpr@100%fpr' is no TPR results.json "
                                          r"holds \(attack.fprs: 0.9999999\); choose one of "
                                          r"max_attack.tpr@99.99999%fpr$"):  # fmt: skip
        check_objective_names(["max_attack.tpr@100%fpr"], fprs=[0.9999999])


def test_an_fpr_below_one_in_a_million_is_an_objective_in_plain_decimals():
    # attack.fprs=[1e-7] was keyed tpr@1e-05%fpr, which the TPR pattern ([0-9.]+) missed:
    # tpr@0.00001%fpr was refused, and a misspelt exponent passed until training was done
    check_objective_names(["max_attack.tpr@0.00001%fpr_ci_low"], fprs=[1e-7, 0.001])
    with pytest.raises(ConfigError, match=r"'max_attack.tpr@1e-05%fpr' is no TPR results.json "
                                          r"holds \(attack.fprs: 1e-07\); choose one of "
                                          r"max_attack.tpr@0.00001%fpr$"):  # fmt: skip
        check_objective_names(["max_attack.tpr@1e-05%fpr"], fprs=[1e-7])

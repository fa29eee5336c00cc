"""A search minimising ``privacy.empirical_epsilon`` or ``utility.generalization_gap`` is
never handed a model that learned nothing as its best trial: such a model measures a bound
of 0 and a gap of 0 or below (a tiny run at chance: empirical_epsilon 0.0, gap -0.007),
which put it on the search's Pareto front. As for the max_attack figures, the sweeper gets
the worst there is; results.json keeps the measured figures."""

import math

from mia_defense.report import objectives

LEARNED = {
    "num_classes": 10,
    "utility": {"test_accuracy": 0.8, "train_accuracy": 0.9, "generalization_gap": 0.1,
                "chance_accuracy": 0.106, "train_loss": 0.3, "test_loss": 0.6,
                "epochs_trained": 3.0},
    "attacks": {"loss": {"auc": 0.6, "tpr@1%fpr": 0.02, "empirical_epsilon": 0.05}},
    "privacy": {"empirical_epsilon": 0.05},
}  # fmt: skip
NAMES = ["utility.test_accuracy", "privacy.empirical_epsilon", "utility.generalization_gap"]


def test_a_run_at_chance_gives_a_sweeper_the_worst_bound_and_gap():
    at_chance = {**LEARNED, "utility_below_chance": True,
                 "utility": {**LEARNED["utility"], "test_accuracy": 0.072,
                             "train_accuracy": 0.065, "generalization_gap": -0.007},
                 "privacy": {"empirical_epsilon": 0.0}}  # fmt: skip
    assert objectives(at_chance, NAMES) == [0.072, math.inf, 1.0]
    # the flag left out (a file edited, a tool of one's own): judged on its figures
    assert objectives({**at_chance, "utility_below_chance": False}, NAMES) == [
        0.072, math.inf, 1.0]
    # a run with a verdict keeps its figures
    assert objectives(LEARNED, NAMES) == [0.8, 0.05, 0.1]


def test_a_blown_up_run_gives_a_sweeper_the_worst_bound_and_gap():
    # train.lr=1e6: loss 5e15, accuracy above chance, never flagged below chance
    blown = {**LEARNED, "utility": {**LEARNED["utility"], "test_accuracy": 0.159,
                                    "train_accuracy": 0.16, "generalization_gap": 0.001,
                                    "train_loss": 5e15, "test_loss": 5e15},
             "privacy": {"empirical_epsilon": 0.0}}  # fmt: skip
    assert objectives(blown, NAMES) == [0.159, math.inf, 1.0]


def test_a_stated_no_verdict_gives_the_worst_bound_and_keeps_the_gap():
    # the targets each trained on every record judged: the attacks could not judge, the
    # model learned (its gap holds)
    stated = {**LEARNED, "privacy": {"empirical_epsilon": 0.0,
                                     "no_verdict_reason": "the targets have no non-member"}}
    assert objectives(stated, NAMES) == [0.8, math.inf, 0.1]

"""A run whose released answers are saturated (privacy.outputs_saturated: the attacks on
probabilities tie on them, so its figures understate the leak) goes the way of one whose
attack scores are inverted: the most leaking for a search (h362)."""

import math

import pytest

from mia_defense.report import objectives

SATURATED = "82% of the released answers (99% of the members', 66% of the non-members')"
LEARNED = {
    "num_classes": 4, "utility_below_chance": False,
    "utility": {"test_accuracy": 0.68, "train_accuracy": 1.0, "generalization_gap": 0.32,
                "chance_accuracy": 0.26, "train_loss": 0.0, "test_loss": 9.0},
    "attacks": {"loss": {"access": "outputs", "auc": 0.6, "tpr@0.1%fpr": 0.0025}},
    "privacy": {"empirical_epsilon": 0.01, "outputs_saturated": SATURATED},
}  # fmt: skip
NAMES = ["max_attack.auc", "max_attack.tpr@0.1%fpr", "privacy.empirical_epsilon"]


@pytest.mark.parametrize("maximized", [set(), set(NAMES)])
def test_saturated_outputs_stand_in_as_the_most_leaking_whichever_way_searched(maximized):
    """A search minimising attack success was handed the tied TPR 0.0025 (the most private
    of its sweep); an attacker's, maximising, the same understated figure."""
    assert objectives(LEARNED, NAMES, maximized=maximized) == [1.0, 1.0, math.inf]


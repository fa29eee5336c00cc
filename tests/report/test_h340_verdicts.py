"""Verdicts that must not read a leak as smaller than it is (helper h340)."""

import math

import pytest

from mia_defense.report import objectives

LEARNED = {
    "num_classes": 10, "utility_below_chance": False,
    "utility": {"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                "chance_accuracy": 0.106, "train_loss": 0.01, "test_loss": 0.4},
    "attacks": {"loss": {"access": "outputs", "auc": 0.436, "tpr@1%fpr": 0.0025}},
}  # fmt: skip
NAMES = ["max_attack.auc", "max_attack.tpr@1%fpr", "privacy.empirical_epsilon"]


@pytest.mark.parametrize(("field", "expected"), [
    ("attacks_inverted", [1.0, 1.0, math.inf]),
    ("white_box_attacks_inverted", [0.436, 0.0025, math.inf]),
])  # fmt: skip
@pytest.mark.parametrize("maximized", [set(), set(NAMES)])
def test_inverted_scores_stand_in_as_the_most_leaking_whichever_way_searched(
    field, expected, maximized
):
    """An attacker's search (maximize) was handed 0 and -infinity for a run whose flipped
    scores leak more than any attack measured: ranked the least leaking of its sweep."""
    payload = {**LEARNED, "privacy": {"empirical_epsilon": 0.2, field: "loss AUC 0.436"}}
    assert objectives(payload, NAMES, maximized=maximized) == expected

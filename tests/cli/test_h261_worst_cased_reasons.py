"""mia-train's warning of an objective a sweeper gets as its worst (be427b5) gave every
figure the same reason, "the run has no privacy verdict, or an attack's scores are inverted",
also for ``utility.generalization_gap``, which inverted scores never worst-case: only a run
at chance or whose training blew up. Each figure now says its own reason."""

from __future__ import annotations

import logging
import math

from mia_defense.cli.train import _say_worst_cased
from mia_defense.report.objectives import objectives

AT_CHANCE = {
    "num_classes": 10, "utility_below_chance": True,
    "utility": {"test_accuracy": 0.072, "train_accuracy": 0.065, "generalization_gap": -0.007,
                "chance_accuracy": 0.106, "train_loss": 2.3, "test_loss": 2.3,
                "epochs_trained": 3.0},
    "attacks": {"loss": {"auc": 0.5, "tpr@1%fpr": 0.01, "empirical_epsilon": 0.0}},
    "privacy": {"empirical_epsilon": 0.0},
}  # fmt: skip
NAMES = ["utility.generalization_gap", "privacy.empirical_epsilon"]


def _warnings(caplog, payload: dict) -> dict[str, str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mia_defense.cli.train"):
        _say_worst_cased(payload, NAMES, objectives(payload, NAMES))
    said = {}
    for record in caplog.records:
        name = next(n for n in NAMES if f" for {n}, not this run's" in record.getMessage())
        said[name] = record.getMessage()
    return said


def test_each_worst_cased_figure_says_its_own_reason(caplog):
    assert objectives(AT_CHANCE, NAMES) == [1.0, math.inf]
    said = _warnings(caplog, AT_CHANCE)
    gap, bound = said["utility.generalization_gap"], said["privacy.empirical_epsilon"]
    assert gap.endswith("(results.json keeps it): the run is at chance or its training blew "
                        "up (a model that learned nothing has no gap: 0 or below, the best a "
                        "search minimising it could find)")  # fmt: skip
    assert "inverted" not in gap and "not this run's -0.007" in gap
    assert bound.endswith("the run has no privacy verdict, its outputs are saturated or an "
                          "attack's scores are inverted")


def test_inverted_scores_worst_case_the_bound_not_the_gap(caplog):
    inverted = {**AT_CHANCE, "utility_below_chance": False,
                "utility": {**AT_CHANCE["utility"], "test_accuracy": 0.8,
                            "train_accuracy": 0.9, "generalization_gap": 0.1},
                "privacy": {"empirical_epsilon": 0.0, "attacks_inverted": "loss: AUC 0.3"}}
    said = _warnings(caplog, inverted)
    assert list(said) == ["privacy.empirical_epsilon"]
    assert said["privacy.empirical_epsilon"].endswith("an attack's scores are inverted")

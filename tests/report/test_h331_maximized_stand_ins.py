"""An attacker's Optuna search (``hydra.sweeper.direction=maximize`` on a leakage figure)
is never handed a run without a privacy verdict as its best trial: the stand-in for its
figures is the worst for the side the sweeper optimises, the least there is (it was 1 and
infinity, the best a search maximising leakage could find)."""

import math

from omegaconf import OmegaConf

from mia_defense.cli.sweep_end import maximized
from mia_defense.report import objectives

AT_CHANCE = {
    "num_classes": 10, "utility_below_chance": True,
    "utility": {"test_accuracy": 0.07, "train_accuracy": 0.065, "generalization_gap": -0.005,
                "chance_accuracy": 0.106, "train_loss": 2.3, "test_loss": 2.3},
    "attacks": {"loss": {"auc": 0.5, "tpr@1%fpr": 0.01, "advantage": 0.02}},
    "privacy": {"empirical_epsilon": 0.0},
}  # fmt: skip
NAMES = ["max_attack.auc", "max_attack.tpr@1%fpr", "privacy.empirical_epsilon",
         "utility.generalization_gap", "utility.test_accuracy"]  # fmt: skip


def test_a_run_without_verdict_is_the_worst_for_the_direction_searched():
    assert objectives(AT_CHANCE, NAMES) == [1.0, 1.0, math.inf, 1.0, 0.07]
    assert objectives(AT_CHANCE, NAMES, maximized=set(NAMES)) == [
        0.0, 0.0, -math.inf, -1.0, 0.07]
    sweeper = OmegaConf.create({
        "_target_": "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper",
        "direction": ["maximize", "minimize", "maximize"]})  # fmt: skip
    assert maximized(sweeper, NAMES[:3]) == {NAMES[0], NAMES[2]}
    assert maximized(OmegaConf.merge(sweeper, {"direction": "maximize"}), NAMES[:1]) == {
        NAMES[0]}
    assert maximized(OmegaConf.create({"_target_": "BasicSweeper"}), NAMES) == set()

"""plan.test_size=1 (a test set of one class, whose majority share is 1: no model can beat
it) ended in 'UTILITY BELOW CHANCE: test accuracy 1.000 is not above the majority class's
1.000, yet MEMBERSHIP LEAKS: not private (the model memorised its members without learning
the task ...)': a claim about the training that a one-class test set cannot support (the
models' train accuracy was 0.88). The table and privacy.leak_without_utility_reason now name
the test set and plan.test_size."""

from __future__ import annotations

from mia_defense.cli.build import format_table
from mia_defense.pipeline.evaluate import RunResult


def _result(chance: float, privacy: dict, accuracy: float = 1.0) -> RunResult:
    utility = {"train_accuracy": 0.88, "test_accuracy": accuracy, "test_accuracy_std": 0.0,
               "test_accuracy_median": accuracy, "generalization_gap": -0.12,
               "chance_accuracy": chance}  # fmt: skip
    return RunResult(utility=utility, attacks={}, strongest_attack=None,
                     defense={"defense": "none", "release": "full"}, privacy=privacy,
                     wall_seconds=0.0)  # fmt: skip


def test_the_table_names_a_one_class_test_set_not_the_training() -> None:
    leaked = format_table(_result(1.0, {"leak_without_utility": True}), [0.001])
    assert "MEMBERSHIP LEAKS" in leaked
    assert "the test set holds one class: raise plan.test_size" in leaked
    assert "memorised" not in leaked
    nothing = format_table(_result(1.0, {}), [0.001])
    assert "the test set holds one class, which no model can beat: raise plan.test_size" in (
        nothing)
    assert "learned nothing" not in nothing


def test_a_test_set_of_several_classes_keeps_the_training_reading() -> None:
    leaked = format_table(_result(0.95, {"leak_without_utility": True}, 0.9), [0.001])
    assert "the model memorised its members without learning the task" in leaked

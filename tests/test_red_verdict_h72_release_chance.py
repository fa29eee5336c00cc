"""release=noise release.scale=50: the released test accuracy 0.092 against chance 0.112
printed "UTILITY BELOW CHANCE ... (the model learned nothing, or the labels are not the
outputs' ...)", and mia-report "no privacy verdict for a useless model", where the models
learned the task (0.784 on the test set before the release): the release destroyed the
utility. results.json now keeps the models' own test accuracy
(``utility.test_accuracy_before_release``), and mia-train's table and mia-report say what
destroyed the utility beside their old words."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from mia_defense.cli.build import format_table
from mia_defense.observations import Observations
from mia_defense.pipeline.evaluate import RunResult
from mia_defense.pipeline.utility import utility_figures
from mia_defense.report.checks import rank_problem, release_below_chance_note
from mia_defense.training.loop import EpochRecord, ModelHistory

_UTILITY = {"train_accuracy": 0.097, "test_accuracy": 0.092, "test_accuracy_std": 0.01,
            "test_accuracy_median": 0.092, "generalization_gap": 0.005,
            "test_accuracy_before_release": 0.784, "chance_accuracy": 0.112}  # fmt: skip
_OLD = ("UTILITY BELOW CHANCE: test accuracy 0.092 is not above the majority class's 0.112; "
        "no privacy verdict for this run (the model learned nothing, or the labels are not the "
        "outputs', so a low attack success says nothing about privacy)")  # fmt: skip


def _result(utility: dict, release: str = "noise") -> RunResult:
    return RunResult(utility=utility, attacks={}, strongest_attack=None,
                     defense={"defense": "none", "release": release}, privacy={},
                     wall_seconds=0.0)  # fmt: skip


def test_the_table_says_the_release_destroyed_the_utility():
    table = format_table(_result(_UTILITY), [0.001]).splitlines()
    assert _OLD in table  # the old words stay
    assert table[table.index(_OLD) + 1] == (
        "UTILITY DESTROYED BY THE RELEASE: the models' own test accuracy, before the release, "
        "is 0.784, above chance 0.112: the release (release=noise) destroyed the utility, not "
        "the training"
    )


def test_no_such_words_where_the_models_learned_nothing_or_nothing_was_released_otherwise():
    for utility, release in (
        ({**_UTILITY, "test_accuracy_before_release": 0.1}, "noise"),  # the models too
        ({**_UTILITY, "test_accuracy_before_release": float("nan")}, "noise"),
        ({**_UTILITY, "test_accuracy_before_release": 7.84}, "noise"),  # an edited file
        ({**_UTILITY, "test_accuracy_before_release": "0.784"}, "noise"),
        ({k: v for k, v in _UTILITY.items() if k != "test_accuracy_before_release"}, "noise"),
        (_UTILITY, "full"),
    ):
        table = format_table(_result(utility, release), [0.001])
        assert _OLD in table and "DESTROYED" not in table
        assert release_below_chance_note(utility, release) is None


def test_mia_report_says_it_beside_its_old_words():
    payload = {"status": "complete", "utility": _UTILITY, "utility_below_chance": True,
               "attacks": {}, "defense": {"release": "noise"}, "privacy": {}}  # fmt: skip
    reason = rank_problem(payload)
    old = ("test accuracy 0.092 is not above chance (0.112, the majority class); no privacy "
           "verdict for a useless model (")
    assert reason.startswith(old)  # the old words, then the new ones
    assert "before the release, is 0.784" in reason and "release=noise" in reason
    payload["privacy"] = {"leak_without_utility": True}
    assert "MEMBERSHIP LEAKS (privacy.leak_without_utility): not private (the models' own" in (
        rank_problem(payload))
    payload["privacy"] = {}
    payload["defense"] = {"release": ["not", "a", "name"]}  # a hostile file: no words, no error
    assert "before the release" not in rank_problem(payload)


def test_the_run_records_the_models_own_test_accuracy():
    histories = [ModelHistory(epochs=[EpochRecord(1, 0.1, 0.9, 0.5, acc)]) for acc in (0.7, 0.8)]
    ensemble = SimpleNamespace(histories=histories)
    rng = np.random.default_rng(0)
    obs = Observations(log_probs=np.log(rng.dirichlet(np.ones(3), size=(2, 20))),
                       labels=rng.integers(0, 3, 20), masks=rng.random((2, 20)) < 0.5)  # fmt: skip
    y_test = rng.integers(0, 3, 10)
    test = np.log(rng.dirichlet(np.ones(3), size=(2, 10)))
    utility = utility_figures(ensemble, test, y_test, obs)
    assert utility["test_accuracy_before_release"] == 0.75


def test_mia_report_says_a_test_set_of_one_class_cannot_tell_a_useless_model():
    # plan.test_size=1: test accuracy 1.000 against chance 1.000 read "no privacy verdict
    # for a useless model", of a model at 0.895 on its members
    utility = {**_UTILITY, "test_accuracy": 1.0, "test_accuracy_median": 1.0,
               "chance_accuracy": 1.0, "train_accuracy": 0.895, "generalization_gap": -0.105}
    payload = {"status": "complete", "utility": utility, "utility_below_chance": True,
               "attacks": {}, "defense": {"release": "full"}, "privacy": {}}  # fmt: skip
    reason = rank_problem(payload)
    assert "the test set holds a single class: no model can beat chance on it" in reason
    assert reason.startswith("test accuracy 1.000 is not above chance (1.000, the majority "
                             "class); no privacy verdict for a useless model (the test set")
    utility["chance_accuracy"] = 0.5
    utility["test_accuracy"] = utility["test_accuracy_median"] = 0.4
    assert "single class" not in rank_problem(payload)


# breast_cancer, release=noise release.scale=1: 0.671 on 143 test records against chance
# 0.601 ([0.591, 0.743]), the models' own 0.892: "the model may have learned nothing ...
# train further", where the release took the utility
_NEAR = {"train_accuracy": 0.609, "test_accuracy": 0.671, "test_accuracy_median": 0.671,
         "generalization_gap": -0.062, "test_accuracy_before_release": 0.892,
         "chance_accuracy": 0.601}  # fmt: skip


def test_a_release_that_brings_the_accuracy_near_chance_is_named(caplog):
    import logging

    from mia_defense.pipeline.record import _warn_release_near_chance, warn_near_chance
    from mia_defense.report.checks import near_chance_note

    with caplog.at_level(logging.WARNING):
        warn_near_chance(_NEAR, 143)
        _warn_release_near_chance(_result(_NEAR), 143)
    old, new = (r.getMessage() for r in caplog.records)
    assert old.startswith("test accuracy 0.671 is not established above chance 0.601")
    assert new.startswith("RELEASE NEAR CHANCE: the models' own test accuracy, before the "
                          "release, is 0.892, established above chance: the release "
                          "(release=noise), not the training")
    payload = {"test_size": 143, "utility": _NEAR, "defense": {"release": "noise"}}
    note = near_chance_note(payload)
    assert note.startswith("its test accuracy 0.671 is not established above chance 0.601")
    assert "the model may have learned nothing, and then its low leakage says nothing about " \
        "privacy (the models' own test accuracy, before the release, is 0.892" in note


def test_no_release_words_near_chance_where_the_models_own_is_not_established():
    from mia_defense.report.checks import release_near_chance_note

    assert release_near_chance_note(_NEAR, "noise", 143) is not None
    assert release_near_chance_note({**_NEAR, "test_accuracy_before_release": 0.64},
                                    "noise", 143) is None  # its own not established either
    assert release_near_chance_note(_NEAR, "full", 143) is None
    assert release_near_chance_note({**_NEAR, "test_accuracy": 0.9}, "noise", 143) is None
    assert release_near_chance_note(_NEAR, "noise", None) is None
    assert release_near_chance_note({**_NEAR, "test_accuracy_before_release": None},
                                    "noise", 143) is None

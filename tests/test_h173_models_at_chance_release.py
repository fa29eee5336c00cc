"""SOME MODELS AT CHANCE blamed the training ('they learned nothing (training that failed in
some models)') where the release took the models' accuracy: dataset=breast_cancer
release=noise release.scale=1.5 (K=16) said so of 4 models while the models' own test
accuracy before the release was 0.953 (0.646 released). Where the release lowered the test
accuracy (``utility.test_accuracy_before_release`` above ``test_accuracy``), mia-train's
warning and table and mia-report's caveat now say the release or the training; a release
that changes no answer keeps the training's words (train.lr=0.2: 0.17126725241541862 before,
0.171267252195734 released, the same answers rounded apart)."""

from __future__ import annotations

import pytest

from mia_defense.metrics.utility import release_took_accuracy
from mia_defense.pipeline.utility import models_at_chance_note
from mia_defense.report.checks.notes import models_at_chance_note as report_note

_NOISED = {"test_accuracy_models_at_chance": 4, "test_accuracy": 0.64554,
           "test_accuracy_before_release": 0.9528, "chance_accuracy": 0.6014}
_FAILED = {"test_accuracy_models_at_chance": 4, "test_accuracy": 0.171267252195734,
           "test_accuracy_before_release": 0.17126725241541862, "chance_accuracy": 0.112}


def test_a_release_that_took_the_accuracy_is_named_not_the_training():
    note = models_at_chance_note(_NOISED, 16)
    assert note.startswith("4 of the 16 models' test accuracy is not above chance: ")
    assert "learned nothing" not in note and "training that failed" not in note
    assert "the release took their accuracy, or their training failed" in note
    assert "0.953, 0.646 released" in note
    assert note.endswith("so the leak of the models that learned is understated")
    caveat = report_note({"utility": _NOISED, "num_models": 16})
    assert "learned nothing" not in caveat and "0.953, 0.646 released" in caveat
    assert caveat.endswith("understate the leak of the models that learned")


def test_failed_training_keeps_its_words():
    assert release_took_accuracy(_FAILED) is None
    assert "they learned nothing (training that failed in some models)" in (
        models_at_chance_note(_FAILED, 8))
    assert "they learned nothing" in report_note({"utility": _FAILED, "num_models": 8})


@pytest.mark.parametrize("utility", [
    {"test_accuracy": 0.5}, {"test_accuracy": float("nan"), "test_accuracy_before_release": 0.9},
    {"test_accuracy": 0.5, "test_accuracy_before_release": True},
    {"test_accuracy": "0.5", "test_accuracy_before_release": 0.9}, None,
])
def test_missing_or_odd_figures_say_nothing_of_the_release(utility):
    assert release_took_accuracy(utility) is None

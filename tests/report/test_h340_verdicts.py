"""Verdicts that must not read a leak as smaller than it is (helper h340)."""

import logging
import math

import numpy as np
import pytest

from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import run_attacks
from mia_defense.metrics.roc import pooled_only_fprs
from mia_defense.report import objectives, write_report
from mia_defense.report.checks import resolution_note
from tests.helpers import synthetic_observations
from tests.report.fake_runs import make_run, rewrite_results

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


def test_an_fpr_pooled_over_targets_from_fewer_records_than_1_over_fpr_is_said(caplog):
    """K models of few records pooled their scores past 1/FPR (4 targets x 600 records: 1,200
    non-member scores for 0.1%), and no word said that one record's scores, not independent,
    could make up the whole FPR: the run, its table and mia-report now name the records."""
    assert pooled_only_fprs(600, 1200, [0.1, 0.01, 0.001]) == [0.001]
    assert pooled_only_fprs(600, 500, [0.001]) == []  # unresolved: said otherwise
    obs = synthetic_observations(num_models=4, num_samples=600)
    with caplog.at_level(logging.WARNING):
        run_attacks(obs, {"loss": loss_attack}, targets=np.arange(4))
    (line,) = [r.getMessage() for r in caplog.records if "distinct" in r.getMessage()]
    assert "1200 non-member scores are of 600 distinct records" in line
    payload = {"nonmember_scores": 1200, "nonmember_records": 600}
    note = resolution_note(payload, leakage="max_attack.tpr@0.1%fpr")
    assert note.startswith("its tpr@0.1%fpr: the 1200 non-member scores are of 600 distinct "
                           "records, fewer than 1/FPR for TPR@0.1%FPR")
    assert resolution_note(payload, leakage="max_attack.tpr@1%fpr") is None
    assert resolution_note({**payload, "nonmember_records": 1000},
                           leakage="max_attack.tpr@0.1%fpr") is None
    tied = {**payload, "strongest_attack": "loss", "attacks": {"loss": {"nonmember_top_ties": 30}}}
    assert resolution_note(tied, leakage="max_attack.tpr@0.1%fpr").startswith(
        "its tpr@0.1%fpr rests on tied scores")  # (the stronger caveat: TPR at FPR 0)
    older = {"nonmember_scores": 2400, "population_size": 300}  # (no nonmember_records)
    assert "are of at most 300 distinct" in resolution_note(older, leakage="max_attack.tpr@0.1%fpr")


def test_a_run_of_inverted_scores_is_kept_off_the_pareto_front(tmp_path):
    """A run whose flipped scores leak more than any attack measured sat on the front at its
    understated TPR, and pushed off the honest run it seemed to beat; a search gets it as
    the most leaking."""
    root = tmp_path / "sweep"
    make_run(root / "train.epochs=3", test_accuracy=0.85, signal=1.0)
    make_run(root / "train.epochs=9", test_accuracy=0.9, signal=0.1)
    rewrite_results(root / "train.epochs=9", lambda payload: payload["privacy"].update(
        attacks_inverted="inv AUC 0.300 (flipped: 0.700)"))
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    (front,) = report.fronts.values()
    assert [report.groups[i].label for i in front] == ["train.epochs=3"]
    assert "inverted attack scores are left off" in (tmp_path / "out" / "README.md").read_text()
    # alone (a front of its own), it leaves its front without a row, and says so
    report = write_report([root / "train.epochs=9"], out_dir=tmp_path / "alone",
                          tensorboard=False, charts=False)  # fmt: skip
    assert list(report.fronts.values()) == [[]]
    assert "No row: its runs have inverted attack scores" in (
        tmp_path / "alone" / "README.md").read_text()

"""A TPR at an FPR below 1 / (non-member scores) is the TPR at FPR 0: the run says so (log,
console, results.json) instead of passing it off as a measurement at that FPR."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest

from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import run_attacks
from mia_defense.cli.build import format_table
from mia_defense.metrics import roc_metrics
from mia_defense.metrics.roc import unresolved_fprs
from tests.helpers import synthetic_observations


@pytest.mark.parametrize(
    ("count", "expected"),
    [(120, [0.001]), (999, [0.001]), (1000, []), (99, [0.001, 0.01]), (1, [0.001, 0.01, 0.1])],
)
def test_an_fpr_is_resolved_from_one_over_fpr_scores(count, expected):
    assert unresolved_fprs(count, [0.1, 0.01, 0.001]) == expected


def test_below_the_resolution_the_tpr_is_the_tpr_at_fpr_zero():
    rng = np.random.default_rng(0)
    truth = np.repeat([True, False], 200)
    scores = rng.normal(size=400) + truth
    metrics = roc_metrics(scores, truth, fprs=(0.001, 0.004))
    at_zero = metrics.tpr[metrics.fpr == 0].max()
    # neither FPR lets one of the 200 non-members through: both read the TPR at FPR 0
    assert metrics.tpr_at_fpr[0.001] == metrics.tpr_at_fpr[0.004] == at_zero
    assert unresolved_fprs(200, (0.001, 0.004)) == [0.001, 0.004]


def test_the_attack_stage_warns_with_the_count_and_the_fix(caplog):
    obs = synthetic_observations(num_models=4, num_samples=100)
    with caplog.at_level(logging.WARNING):
        run_attacks(obs, {"loss": loss_attack}, targets=np.arange(4))
    nonmembers = int((~obs.masks).sum())
    assert nonmembers < 1000
    (line,) = [r.getMessage() for r in caplog.records if "non-member scores" in r.getMessage()]
    assert f"judged on {nonmembers} non-member scores" in line
    assert "TPR at 0.1% FPR is the TPR at FPR 0" in line
    assert "plan.population_size or attack.num_targets" in line


def test_the_attack_stage_is_quiet_when_every_fpr_is_resolved(caplog):
    obs = synthetic_observations(num_models=4, num_samples=1000)  # (1,000 distinct records)
    with caplog.at_level(logging.WARNING):
        run_attacks(obs, {"loss": loss_attack}, targets=np.arange(4))
    assert not [r for r in caplog.records if "non-member scores" in r.getMessage()]


def test_a_run_records_its_count_and_its_table_flags_unresolved_columns(tiny_run):
    result, payload = tiny_run.result, tiny_run.payload
    masks = np.load(tiny_run.run_dir / "observations.npz")["masks"]
    targets = np.load(tiny_run.run_dir / "scores.npz")["targets"]
    assert payload["nonmember_scores"] == result.nonmember_scores == (~masks[targets]).sum()
    assert payload["nonmember_records"] == result.nonmember_records == (
        ~masks[targets]).any(axis=0).sum()
    fprs = [0.001, 0.01, 0.1]
    table = format_table(result, fprs)
    assert result.nonmember_scores < 1000  # the tiny run's population is 300
    assert (f"NOTE: only {result.nonmember_scores} non-member scores, fewer than 1/FPR for "
            "TPR@0.1%FPR:") in table
    # (the count faked, the FPRs read stay those of the run's own few scores, which the note
    # on TPRs read far below their FPR may name: no other note)
    notes = [line for line in format_table(replace(
        result, nonmember_scores=5000, nonmember_records=2000), fprs).splitlines()
        if line.startswith("NOTE")]  # fmt: skip
    assert [n for n in notes if not n.startswith("NOTE: tied scores span the FPR")] == []
    pooled = format_table(replace(result, nonmember_scores=5000, nonmember_records=300), fprs)
    assert ("NOTE: the 5000 non-member scores are of 300 distinct records, fewer than 1/FPR "
            "for TPR@0.1%FPR:") in pooled


def test_the_canary_line_says_when_its_tpr_is_at_fpr_zero(tiny_run):
    result = tiny_run.result
    name = result.strongest_attack
    slice_ = {"records": 20, "auc": 0.9, "tpr@0.1%fpr": 0.5, "tpr@1%fpr": 0.6, "tpr@10%fpr": 0.8}
    few = replace(result, slices={name: {"canaries": {**slice_, "nonmember_scores": 160}}})
    assert ("canaries (20 records): strongest " f"{name}, TPR@0.1%FPR 0.500 (TPR at FPR 0 of "
            "160 non-member scores), AUC 0.900") in format_table(few, [0.001, 0.01, 0.1])
    many = replace(result, slices={name: {"canaries": {**slice_, "nonmember_scores": 4000,
                                                        "records": 2000}}})  # fmt: skip
    assert "TPR@0.1%FPR 0.500, AUC 0.900" in format_table(many, [0.001, 0.01, 0.1])
    pooled = replace(result, slices={name: {"canaries": {**slice_, "nonmember_scores": 4000}}})
    assert ("TPR@0.1%FPR 0.500 (of 4000 non-member scores of at most 20 canaries, fewer than "
            "1/FPR: one canary can make up the whole FPR), AUC") in format_table(
        pooled, [0.001, 0.01, 0.1])  # fmt: skip

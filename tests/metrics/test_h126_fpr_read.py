"""The FPR at which each TPR@FPR is read (results.json's ``attacks.<name>.fpr_read@...``): the
TPR stays the highest at a point of the ROC curve with FPR not above the target (Carlini et
al.'s reading), but where a run of tied scores, members and non-members at one score, spans
the target, that point lies far below it, and the TPR is no figure at the target
(release=label_only at plan.num_models=4: lira_online's TPR@10%FPR 0.051, below chance at an
AUC of 0.520, was read at FPR 2.9%, and nothing said so)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.metrics import roc_metrics
from mia_defense.metrics.roc import fpr_read_at, read_far_below
from mia_defense.pipeline.evaluate import attack_observations, fpr_read_key
from tests.helpers import synthetic_observations


def _tied_block(*, members_in_block: int) -> tuple[np.ndarray, np.ndarray]:
    """40 members and 40 non-members: 20 members on top, one non-member (FPR 2.5%), then
    10 non-members tied with ``members_in_block`` members (FPR 2.5% -> 27.5%), the rest
    below."""
    scores = [10.0] * 20 + [9.0] + [5.0] * (10 + members_in_block)
    truth = [True] * 20 + [False] + [False] * 10 + [True] * members_in_block
    rest_members, rest_others = 20 - members_in_block, 29
    scores += [1.0 - i / 100 for i in range(rest_members)] + [0.0 - i / 100
                                                              for i in range(rest_others)]
    truth += [True] * rest_members + [False] * rest_others
    return np.array(scores), np.array(truth)


def test_a_tied_run_spanning_the_fpr_is_read_where_it_starts():
    scores, truth = _tied_block(members_in_block=10)
    metrics = roc_metrics(scores, truth, fprs=(0.1,))
    assert metrics.tpr_at_fpr[0.1] == 0.5  # the convention kept: the point at FPR 2.5%
    assert fpr_read_at(metrics.fpr, metrics.tpr, 0.1) == 0.025
    assert read_far_below({0.1: 0.025}, 40, [0.1]) == [(0.1, 0.025)]


def test_a_flat_curve_past_the_point_is_read_at_the_fpr_itself():
    scores, truth = _tied_block(members_in_block=0)  # the tied run holds no member
    metrics = roc_metrics(scores, truth, fprs=(0.1,))
    assert metrics.tpr_at_fpr[0.1] == 0.5  # the TPR at 10% FPR whichever way ties break
    assert fpr_read_at(metrics.fpr, metrics.tpr, 0.1) == 0.1
    assert read_far_below({0.1: 0.1}, 40, [0.1]) == []


def test_untied_scores_are_read_within_one_score_of_the_fpr():
    rng = np.random.default_rng(0)
    truth = np.repeat([True, False], 1000)
    scores = rng.normal(size=2000) + truth
    metrics = roc_metrics(scores, truth)
    for f in (0.001, 0.01, 0.1):
        assert f - 1 / 1000 <= fpr_read_at(metrics.fpr, metrics.tpr, f) <= f


def test_an_fpr_the_scores_do_not_resolve_is_left_to_its_own_note():
    # 100 non-member scores resolve 1% but not 0.1% (`unresolved_fprs` says that one)
    assert read_far_below({0.001: 0.0, 0.01: 0.0}, 100, [0.001, 0.01]) == [(0.01, 0.0)]
    assert read_far_below({0.01: None, 0.1: float("nan")}, 100, [0.01, 0.1]) == []


def test_the_reading_needs_an_fpr_in_the_open_unit_interval():
    with pytest.raises(ValueError, match=r"fpr_read_at: target=1\.0: must be a number in \(0, 1\)"):
        fpr_read_at(np.array([0.0, 1.0]), np.array([0.0, 1.0]), 1.0)


def coarse_scores(obs, targets):
    """Member-leaning scores with every score between the non-members' 75th and 97th
    percentiles tied at the latter: a run of ties spanning 10% FPR, starting near 3%."""
    members = obs.masks[targets]
    scores = np.random.default_rng(1).normal(size=members.shape) + members
    low, high = np.quantile(scores[~members], [0.75, 0.97])
    scores[(scores >= low) & (scores <= high)] = high
    return scores


def fine_scores(obs, targets):
    members = obs.masks[targets]
    return np.random.default_rng(1).normal(size=members.shape) + members


def audit(attacks):
    obs = synthetic_observations(num_models=4, num_samples=500)
    utility = {"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
               "chance_accuracy": 0.1}
    result, _ = attack_observations(
        obs, attacks, targets=np.arange(4),
        evaluation=EvaluationConfig(fprs=(0.1, 0.01, 0.001), bootstrap=0),
        is_canary=np.zeros(500, bool), population_idx=np.arange(500), utility=utility,
        privacy={}, defense={}, training={},
    )
    return result


def test_each_attack_records_the_fpr_each_tpr_was_read_at():
    result = audit({"coarse": coarse_scores, "fine": fine_scores})
    coarse, fine = result.attacks["coarse"], result.attacks["fine"]
    assert 0.02 < coarse[fpr_read_key(0.1)] < 0.04  # the tied run starts near 3%
    assert coarse[fpr_read_key(0.01)] == pytest.approx(0.01, abs=1 / result.nonmember_scores)
    for f in (0.1, 0.01, 0.001):
        assert fpr_read_key(f) == f"fpr_read@{f * 100:g}%fpr"
        assert f - 1 / result.nonmember_scores <= fine[fpr_read_key(f)] <= f

"""A bootstrap resample that drew no member or no non-member has no ROC: it is left out of
the percentiles (its AUC read 0 once). With few records of one kind (one non-member among 60
records of one target) that is a third of the resamples, and the intervals rested on the
rest, drawn on condition that both kinds came up, fewer than attack.bootstrap asked and
below the 200 a 95% interval needs, without a word (h580). `Intervals` counts them and the
attack stage says so (`one_class_note`); the intervals are checked against scikit-learn's
AUC of each resample, redrawn here."""

from __future__ import annotations

import logging

import numpy as np
from sklearn.metrics import roc_auc_score

from mia_defense.attacks.runner import EvaluationConfig, run_attacks
from mia_defense.metrics.bootstrap import bootstrap_intervals, one_class_note
from mia_defense.observations import Observations

_RECORDS = 60


def _one_nonmember() -> tuple[np.ndarray, np.ndarray]:
    """[1, 60] scores and truth: record 5 is the target's only non-member."""
    rng = np.random.default_rng(0)
    truth = np.ones((1, _RECORDS), dtype=bool)
    truth[0, 5] = False
    return rng.normal(size=(1, _RECORDS)) + truth, truth


def _redrawn_aucs(scores: np.ndarray, truth: np.ndarray, resamples: int, seed: int) -> list:
    """Each resample's AUC (NaN for one kind only), the records drawn as the bootstrap draws
    them: N with replacement per resample, from ``default_rng(seed)``."""
    draws = np.random.default_rng(seed).integers(0, _RECORDS, (resamples, _RECORDS))
    aucs = []
    for drawn in draws:
        kinds = truth[0, drawn]
        one_kind = kinds.all() or not kinds.any()
        aucs.append(np.nan if one_kind else roc_auc_score(kinds, scores[0, drawn]))
    return aucs


def test_the_one_class_resamples_are_counted_and_left_out():
    scores, truth = _one_nonmember()
    intervals = bootstrap_intervals(scores, truth, fprs=(0.1,), num_resamples=200, seed=3)
    aucs = np.array(_redrawn_aucs(scores, truth, 200, seed=3))
    left_out = int(np.isnan(aucs).sum())
    assert 40 < left_out < 110  # (a third of them, about)
    assert intervals.one_class_resamples == left_out
    expected = np.nanpercentile(aucs, [2.5, 97.5])
    np.testing.assert_allclose(intervals.auc, expected, rtol=0, atol=1e-12)


def test_the_note_says_how_many_and_that_too_few_remain():
    scores, truth = _one_nonmember()
    intervals = bootstrap_intervals(scores, truth, fprs=(0.1,), num_resamples=200, seed=3)
    note = one_class_note(intervals)
    left_out = intervals.one_class_resamples
    assert note is not None and note.startswith(f"{left_out} of the 200 bootstrap resamples")
    assert f"rest on the other {200 - left_out}, fewer than the 200 a 95%" in note
    balanced = np.arange(_RECORDS) % 2 == 0
    many = bootstrap_intervals(scores, balanced[None], fprs=(0.1,), num_resamples=200)
    assert many.one_class_resamples == 0 and one_class_note(many) is None


def test_the_attack_stage_says_it_once(caplog):
    scores, truth = _one_nonmember()
    masks = np.concatenate([truth, ~truth])  # model 1: the other kind of every record
    log_probs = np.log(np.full((2, _RECORDS, 2), 0.5, dtype=np.float32))
    obs = Observations(log_probs, np.zeros(_RECORDS, dtype=np.int64), masks)
    attacks = {name: (lambda o, t: scores + 0.0) for name in ("mine", "also_mine")}
    with caplog.at_level(logging.WARNING):
        results = run_attacks(
            obs,
            attacks,
            targets=np.array([0]),
            evaluation=EvaluationConfig(fprs=(0.1,), bootstrap=200, seed=3),
        )
    left_out = results["mine"].intervals.one_class_resamples
    assert left_out > 40
    said = [r.getMessage() for r in caplog.records if "bootstrap resamples drew" in r.getMessage()]
    assert said == [f"bootstrap: {one_class_note(results['mine'].intervals)}"]

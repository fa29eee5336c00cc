"""The bootstrap's resamples of one kind of record (no member or no non-member) are left out
of the intervals (`Intervals.one_class_resamples`, h580): the attack stage warned of them,
but results.json's attack block did not carry the count, so a reader of the file saw
intervals that rest on fewer resamples than attack.bootstrap asked as if they rested on all
of them (h584). `_attack_summary` writes ``ci_one_class_resamples``."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.runner import EvaluationConfig, evaluate
from mia_defense.pipeline.evaluate import _attack_summary

_RECORDS = 60


def _summary(truth: np.ndarray, bootstrap: int = 200) -> dict:
    scores = np.random.default_rng(0).normal(size=truth.shape) + truth
    config = EvaluationConfig(fprs=(0.1,), bootstrap=bootstrap, seed=3)
    result = evaluate("loss", scores, truth, targets=np.array([0]), config=config)
    return _attack_summary(result, (0.1,))


def test_the_attack_block_counts_the_one_class_resamples():
    truth = np.ones((1, _RECORDS), dtype=bool)
    truth[0, 5] = False  # (the target's only non-member: a third of the resamples lack it)
    summary = _summary(truth)
    left_out = summary["ci_one_class_resamples"]
    assert isinstance(left_out, int) and 40 < left_out < 110


def test_balanced_records_and_no_bootstrap_leave_none_out():
    balanced = (np.arange(_RECORDS) % 2 == 0)[None]
    assert _summary(balanced)["ci_one_class_resamples"] == 0
    assert _summary(balanced, bootstrap=0)["ci_one_class_resamples"] == 0

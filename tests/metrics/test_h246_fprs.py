"""bootstrap_intervals gave intervals at an FPR of 0, 2 or -1 (a TPR of 0 'at FPR -1') that
roc_metrics refuses, and a raw zip error for no FPRs; a single FPR or text was a raw
TypeError in roc_metrics. Each is refused naming the function and ``fprs``."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.errors import ConfigError
from mia_defense.metrics import bootstrap_intervals, roc_metrics, slice_metrics

SCORES = np.array([0.1, 0.5, 0.9, 0.3, 0.7, 0.2])
TRUTH = np.array([False, True, True, False, True, False])


def _calls(fprs):
    yield "roc_metrics", lambda: roc_metrics(SCORES, TRUTH, fprs=fprs)
    yield "bootstrap_intervals", lambda: bootstrap_intervals(SCORES, TRUTH, fprs=fprs,
                                                             num_resamples=5)
    yield "slice_metrics", lambda: slice_metrics(SCORES[None], TRUTH[None],
                                                 {"all": np.ones(6, bool)}, fprs=fprs)


@pytest.mark.parametrize("bad", [0, 0.0, 1, 2.0, -1, float("nan"), "0.1", None, True])
def test_an_fpr_outside_the_open_unit_interval_is_refused(bad):
    for where, call in _calls((0.1, bad)):
        with pytest.raises(ConfigError, match=rf"{where}: fprs holds .*: each FPR must be a "
                                              r"number in \(0, 1\)"):
            call()


@pytest.mark.parametrize("bad", [0.1, "0.1"])
def test_one_fpr_instead_of_a_sequence_is_refused(bad):
    for where, call in _calls(bad):
        with pytest.raises(ConfigError, match=rf"{where}: fprs=.*: give a sequence of FPRs"):
            call()


def test_no_fprs_give_the_auc_alone():
    intervals = bootstrap_intervals(SCORES, TRUTH, fprs=(), num_resamples=5)
    assert intervals.tpr_at_fpr == {} and not np.isnan(intervals.auc).any()
    assert roc_metrics(SCORES, TRUTH, fprs=()).tpr_at_fpr == {}

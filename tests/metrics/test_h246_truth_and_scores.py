"""The metrics read an ``is_member`` of other values than 0/1 as members (a label 2, -1, 0.5,
NaN, the text '0': a silently wrong figure) and scores that are no real numbers (complex,
dates) as numbers: both are refused, naming the function and the argument."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mia_defense.errors import DataError
from mia_defense.metrics import (
    bootstrap_intervals,
    record_vulnerability,
    roc_metrics,
    slice_metrics,
)

SCORES = np.array([[0.1, 0.5, 0.9], [0.3, 0.2, 0.4]])
TRUTH = np.array([[0, 1, 1], [0, 0, 1]])


def _calls(truth):
    yield lambda: roc_metrics(SCORES, truth)
    yield lambda: bootstrap_intervals(SCORES, truth, fprs=(0.1,), num_resamples=5)
    yield lambda: record_vulnerability(SCORES, truth)
    yield lambda: slice_metrics(SCORES, truth, {"all": np.ones(3, bool)}, fprs=(0.1,))


@pytest.mark.parametrize("bad, said", [(2, "2.0"), (-1, "-1.0"), (0.5, "0.5"), (np.nan, "nan")])
def test_truth_other_than_0_and_1_is_refused(bad, said):
    truth = TRUTH.astype(np.float64)
    truth[0, 0] = bad
    for call in _calls(truth):
        with pytest.raises(DataError, match=rf": is_member holds {said} .*give the membership "
                                            r"truth as bool, or as 0 and 1"):
            call()


def test_text_truth_is_refused():
    with pytest.raises(DataError, match=r"roc_metrics: is_member has dtype <U21"):
        roc_metrics(SCORES, TRUTH.astype(str))


@pytest.mark.parametrize("scores", [SCORES + 1j, SCORES.astype("datetime64[s]"),
                                    np.array([["a", 0.2, 0.3], [0.1, 0.2, 0.3]], dtype=object)])
def test_scores_that_are_no_real_numbers_are_refused(scores):
    for call in (lambda: roc_metrics(scores, TRUTH),
                 lambda: bootstrap_intervals(scores, TRUTH, fprs=(0.1,), num_resamples=5),
                 lambda: record_vulnerability(scores, TRUTH)):
        with pytest.raises(DataError, match=r"(roc_metrics|bootstrap_intervals|"
                                            r"record_vulnerability): scores: .*give real"):
            call()


def test_a_truth_of_another_shape_with_as_many_values_is_refused():
    with pytest.raises(DataError, match=r"roc_metrics: scores \(2, 3\) and is_member \(3, 2\) "
                                        "differ in shape"):
        roc_metrics(SCORES, TRUTH.T)


def test_0_1_truth_bool_scores_and_lists_still_give_sklearns_auc():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 200)
    for scores in (rng.normal(size=200).astype(np.float16), rng.integers(-3, 3, 200),
                   rng.random(200) < 0.5):
        expected = roc_auc_score(truth, scores.astype(np.float64))
        assert roc_metrics(scores, truth).auc == pytest.approx(expected, abs=1e-12)
        assert roc_metrics(list(scores), list(truth.astype(float))).auc == pytest.approx(
            expected, abs=1e-12)
        as_objects = roc_metrics(scores.astype(object), truth.astype(object)).auc
        assert as_objects == pytest.approx(expected, abs=1e-12)


def test_a_tensor_that_requires_grad_is_refused_naming_the_fix():
    torch = pytest.importorskip("torch")
    scores = torch.tensor(SCORES, requires_grad=True)
    with pytest.raises(DataError, match=r"roc_metrics: scores: not numbers \(.*detach"):
        roc_metrics(scores, TRUTH)
    with pytest.raises(DataError, match=r"roc_metrics: scores: not numbers \(Casting complex"):
        roc_metrics(np.array([np.complex128(1 + 2j), 0.2, 0.3, 0.1, 0.2, 0.3], dtype=object)
                    .reshape(2, 3), TRUTH)  # fmt: skip
    assert roc_metrics(torch.tensor(SCORES), torch.tensor(TRUTH)).auc == roc_metrics(
        SCORES, TRUTH).auc

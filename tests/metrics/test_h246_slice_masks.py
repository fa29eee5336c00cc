"""slice_metrics took a slice of 0/1 ints as record indices ([0, 1, 1]: records 0, 1 and 1
again, a silently wrong slice), a list as a raw AttributeError and a mask of another length,
or scores [N], as numpy's IndexError: refused naming the slice or the arrays."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.errors import DataError
from mia_defense.metrics import slice_metrics

SCORES = np.array([[0.1, 0.5, 0.9, 0.3], [0.3, 0.2, 0.4, 0.8]])
TRUTH = np.array([[True, False, True, False], [False, True, False, True]])


def test_a_0_1_int_slice_is_the_slice_its_bool_mask_is():
    as_bool = slice_metrics(SCORES, TRUTH, {"s": np.array([False, True, True, True])},
                            fprs=(0.1,))["s"]
    for keep in (np.array([0, 1, 1, 1]), [0, 1, 1, 1], [False, True, True, True]):
        assert slice_metrics(SCORES, TRUTH, {"s": keep}, fprs=(0.1,))["s"] == as_bool


@pytest.mark.parametrize("keep", [np.array([0, 2, 3, 1]), np.array([0.5, 1, 0, 0]), None,
                                  ["a", "b", "c", "d"]])
def test_a_slice_of_other_values_is_refused(keep):
    with pytest.raises(DataError, match=r"slice_metrics: slices\['s'\] holds other values than "
                                        r"True/False or 0/1; give each slice as \[N\] bool"):
        slice_metrics(SCORES, TRUTH, {"s": keep}, fprs=(0.1,))


def test_a_slice_of_another_length_is_refused():
    with pytest.raises(DataError, match=r"slices\['s'\] has shape \(3,\), expected \(4,\)"):
        slice_metrics(SCORES, TRUTH, {"s": np.ones(3, bool)}, fprs=(0.1,))


@pytest.mark.parametrize("scores, truth", [(SCORES[0], TRUTH[0]), (SCORES, TRUTH[:, :3])])
def test_scores_and_truth_not_both_targets_by_records_are_refused(scores, truth):
    with pytest.raises(DataError, match=r"slice_metrics: scores .* and is_member .*: need both "
                                        r"\[T, N\]"):
        slice_metrics(scores, truth, {"s": np.ones(scores.shape[-1], bool)}, fprs=(0.1,))

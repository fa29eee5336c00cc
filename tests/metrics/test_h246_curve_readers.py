"""tpr_at_fpr and fpr_read_at (metrics' public readers of an ROC curve) raised a raw
TypeError for lists and numpy's IndexError for fpr and tpr of other lengths;
top_tied_nonmembers read a label 2 as a member and scores and members of other lengths were
an IndexError. Lists now read as arrays, the rest is refused naming the function."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.errors import DataError
from mia_defense.metrics.roc import fpr_read_at, top_tied_nonmembers, tpr_at_fpr

FPR, TPR = [0.0, 0.0, 0.005, 0.02, 1.0], [0.0, 0.1, 0.2, 0.5, 1.0]


def test_a_curve_given_as_lists_reads_as_arrays():
    assert tpr_at_fpr(FPR, TPR, 0.01) == tpr_at_fpr(np.array(FPR), np.array(TPR), 0.01) == 0.2
    assert fpr_read_at(FPR, TPR, 0.01) == fpr_read_at(np.array(FPR), np.array(TPR), 0.01)


@pytest.mark.parametrize("reader", [tpr_at_fpr, fpr_read_at])
def test_a_curve_of_two_lengths_is_refused(reader):
    with pytest.raises(DataError, match=rf"{reader.__name__}: fpr \(5,\) and tpr \(4,\): give "
                                        "the ROC curve as two"):
        reader(np.array(FPR), np.array(TPR[:4]), 0.01)


def test_top_tied_nonmembers_refuses_truth_it_cannot_read():
    assert top_tied_nonmembers([1.0, 1.0, 0.0], [0, 0, 1]) == 2
    with pytest.raises(DataError, match=r"top_tied_nonmembers: members holds 2"):
        top_tied_nonmembers(np.array([1.0, 1.0, 0.0]), np.array([2, 0, 0]))
    with pytest.raises(DataError, match=r"top_tied_nonmembers: scores \(3,\) and members \(2,\)"):
        top_tied_nonmembers(np.zeros(3), np.array([True, False]))

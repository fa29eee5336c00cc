"""references.balanced_references (in the module's __all__) called directly: masks of 2,
-1 or NaN were read as IN, silently; [N] masks or a closed of another length were numpy's
raw IndexError / broadcasting error."""

import numpy as np
import pytest

from mia_defense.attacks.references import balanced_references
from mia_defense.errors import DataError

MASKS = np.array([[1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 0, 0]], bool)


def test_hand_computed_weights():
    # record 0: IN for refs 0 and 2, OUT for 1, keeps one of each (IN rotated from its
    # 0th); record 1: IN for 1 and 2 keeps ref 2 (its 1st, 1 mod 2), OUT ref 0; record 3
    # has no IN reference and keeps all three OUT (not strict, not closed)
    ins, outs = balanced_references(MASKS)
    assert ins.tolist() == [[1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 0, 0]]
    assert outs.tolist() == [[0, 1, 0, 1], [1, 0, 0, 1], [0, 0, 1, 1]]
    # 0/1 integers and lists are the same masks
    for same in (MASKS.astype(int), MASKS.astype(int).tolist()):
        got_in, got_out = balanced_references(same)
        assert np.array_equal(got_in, ins) and np.array_equal(got_out, outs)


@pytest.mark.parametrize("value", [2, -1, 0.5, np.nan])
def test_masks_other_than_0_1_are_refused(value):
    masks = MASKS.astype(float)
    masks[0, 1] = value
    with pytest.raises(DataError, match="balanced_references: ref_masks holds"):
        balanced_references(masks)


def test_masks_of_one_axis_are_refused():
    with pytest.raises(DataError, match=r"balanced_references: ref_masks of shape \(4,\)"):
        balanced_references(MASKS[0])


@pytest.mark.parametrize("closed", [np.array([True, False]), np.array([0, 2, 1, 0])])
def test_bad_closed_is_refused(closed):
    with pytest.raises(DataError, match="balanced_references: closed"):
        balanced_references(MASKS, closed=closed)

"""A Dataset of a user's loader (a dataset._target_ of their own, or built from Python)
with class_labels or one_hot_columns of the wrong kind: class_labels=5 ended in a raw
"TypeError: object of type 'int' has no len()", class_labels='ab' was taken as the labels
'a' and 'b', and one_hot_columns='colour' as the columns 'c', 'o', 'l', ... (named so in
DP-SGD's note on ε). The Dataset refuses them when it is made; a list (or a 1-D array
of class labels) is kept as a tuple."""

import numpy as np
import pytest

from mia_defense.data import Dataset
from mia_defense.errors import DataError


def _make(**kw):
    x = np.zeros((4, 2), np.float32)
    return Dataset(x=x, y=np.array([0, 1, 0, 1]), num_classes=2, name="d", **kw)


@pytest.mark.parametrize("value", [5, "ab", b"ab", {"a": 0, "b": 1}, np.array([["a", "b"]])])
def test_class_labels_that_are_no_sequence_are_refused(value):
    with pytest.raises(DataError, match=r"dataset 'd': class_labels=.*: must be a tuple \(or "
                                        r"list\) of the label of each class"):
        _make(class_labels=value)


@pytest.mark.parametrize("value", ["colour", 5, [5], ("colour", None), {"colour"}])
def test_one_hot_columns_that_are_no_names_are_refused(value):
    with pytest.raises(DataError, match=r"dataset 'd': one_hot_columns=.*: must be a tuple "
                                        r"\(or list\) of column names"):
        _make(one_hot_columns=value)


def test_lists_are_kept_as_tuples():
    data = _make(class_labels=["no", "yes"], one_hot_columns=["colour"])
    assert data.class_labels == ("no", "yes")
    assert data.one_hot_columns == ("colour",)
    assert _make(class_labels=np.array([3, 7])).class_labels == (3, 7)
    assert _make().class_labels is None and _make().one_hot_columns == ()

"""api.make_plan's refusals of y and x that named no argument or said nothing to do (h584
red-team): y of floats 1.0/2.0 or one-hot rows was 'y has dtype float64; give integer class
labels' (which call turns them into labels?), and x with a NaN row or y of one class came
from the dataset as "dataset 'your data': ...", naming neither make_plan nor x or y."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError

_X = np.random.default_rng(0).normal(size=(60, 3))
_Y = np.arange(60) % 3


@pytest.mark.parametrize(("y", "advice"), [
    ((_Y + 1).astype(float), "y.astype(np.int64)"),
    (np.eye(3)[_Y], "y.argmax(axis=1)"),
    (np.array(["cat", "dog", "eel"])[_Y], "np.unique(y, return_inverse=True)[1]"),
    (_Y == 0, "y.astype(np.int64)"),
    (_Y.astype(object), "whole numbers as Python objects: y.astype(np.int64)"),
])  # fmt: skip
def test_y_not_of_integers_is_told_how_to_make_labels(y, advice):
    with pytest.raises(DataError, match="make_plan: y ") as caught:
        api.make_plan(_X, y, num_models=4)
    assert advice in str(caught.value)


def test_fractional_y_is_not_told_to_cast():
    with pytest.raises(DataError, match="make_plan: y ") as caught:
        api.make_plan(_X, _Y + 0.5, num_models=4)
    assert "astype" not in str(caught.value)


def test_a_nan_row_of_x_and_one_class_of_y_name_the_argument():
    x = _X.copy()
    x[7, 1] = np.nan
    with pytest.raises(DataError, match=r"make_plan: x .*NaN or inf.*sample 7"):
        api.make_plan(x, _Y, num_models=4)
    with pytest.raises(DataError, match=r"make_plan: .*y .*2 classes"):
        api.make_plan(_X, np.zeros(60, dtype=int), num_models=4)

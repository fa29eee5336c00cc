"""A Dataset built from fields of the wrong kind gets a DataError naming the field."""

import numpy as np
import pytest
import torch

from mia_defense.data import Dataset
from mia_defense.errors import DataError

X = np.zeros((6, 2), dtype=np.float32)
Y = np.array([0, 1, 0, 1, 0, 1])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"x": torch.zeros(6, 2), "y": Y}, r"x is a torch.Tensor, not a numpy array; .*x.numpy\(\)"),
    ({"x": X, "y": torch.tensor(Y)}, r"y is a torch.Tensor, not a numpy array"),
    ({"x": X.tolist(), "y": Y}, r"x is a builtins.list, not a numpy array"),
    ({"x": X.astype(str), "y": Y}, r"features must be numbers, got dtype <U"),
    ({"x": X, "y": Y, "num_classes": 2.0}, r"num_classes must be an integer, got 2.0"),
    ({"x": X, "y": Y, "num_classes": True}, r"num_classes must be an integer, got True"),
])  # fmt: skip
def test_fields_of_the_wrong_kind_are_named(kwargs, message):
    with pytest.raises(DataError, match=message):
        Dataset(**{"num_classes": 2, "name": "mine", **kwargs})


def test_numpy_fields_of_any_numeric_kind_are_taken():
    data = Dataset(x=X.astype(np.float64), y=Y.astype(np.int32), num_classes=np.int64(2),
                   name="mine")  # fmt: skip
    assert len(data) == 6
    assert Dataset(x=X > 0, y=Y, num_classes=2, name="flags").num_features == 2

"""`api.observations_from_arrays` on nested lists of rows of different lengths (a model
that answered one record fewer, labels of another length): a DataError naming the field,
not a raw numpy ValueError ('setting an array element with a sequence')."""

from __future__ import annotations

import pytest

from mia_defense import api
from mia_defense.errors import DataError

RAGGED = r"not one rectangular array \(.*\); give rows of equal length, e\.g\. np\.stack of the"


def test_ragged_outputs_are_named():
    outputs = [[[0.0, 1.0], [1.0, 0.0]], [[0.0, 1.0]]]  # model 1 answered one record fewer
    with pytest.raises(DataError, match=rf"^observations_from_arrays: outputs: {RAGGED}"):
        api.observations_from_arrays(outputs, [[1, 0], [0, 1]], [0, 1], kind="logits")


def test_every_ragged_field_is_listed():
    outputs = [[[0.0, 1.0], [1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]]]
    with pytest.raises(DataError, match=r"2 problems in the observations:\n  masks: "
                                        rf"{RAGGED}.*\n  test_outputs: {RAGGED}"):
        api.observations_from_arrays(outputs, [[1, 0], [0]], [0, 1], kind="logits",
                                     test_outputs=[[[0.0, 1.0]], []], test_labels=[0])

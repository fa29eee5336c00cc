"""What README promises a new user, checked where a walk through it found otherwise."""

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import DataError


@pytest.mark.parametrize("classes", [0, 1])
def test_observations_list_every_shape_problem(classes):
    """README: 'One DataError lists every problem of a stage ... shapes and dtypes first':
    outputs of one class (or none) beside masks and labels of another shape named only the
    classes; fixing them, the user met the masks' shape next."""
    outputs = np.full((4, 200, classes), 1.0)
    masks = np.zeros((4, 150), bool)
    with pytest.raises(DataError) as caught:
        api.observations_from_arrays(outputs, masks, np.zeros(100, int), kind="probabilities")
    said = str(caught.value)
    assert ("one class (C=1)" if classes else "no classes (C=0)") in said
    assert "inconsistent shapes: masks has shape (4, 150) and labels (100,)" in said

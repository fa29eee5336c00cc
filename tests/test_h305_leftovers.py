"""h305: leftovers of a red-team of user data (observations_from_arrays, CSV, label copies)."""

import numpy as np
import pytest

from mia_defense.api import observations_from_arrays
from mia_defense.errors import DataError

_MASKS = np.array([[1, 0], [0, 1]])
_LABELS = np.array([0, 1])


@pytest.mark.parametrize(
    ("kind", "output"),
    [
        # log-probabilities scaled past float32: the class became -inf ('withheld')
        ("log_probabilities", [0.0, -1e39, -1e39]),
        # logits so far apart that their log-probability leaves float32
        ("logits", [1e300, -1e300, 0.0]),
    ],
)
def test_outputs_beyond_float32_are_refused_not_made_withheld(kind, output):
    outputs = np.tile(np.array(output, dtype=np.float64), (2, 2, 1))
    with pytest.raises(DataError, match=r"outputs: .* at \[0, 0, 1\].*beyond float32's range"):
        observations_from_arrays(outputs, _MASKS, _LABELS, kind=kind)

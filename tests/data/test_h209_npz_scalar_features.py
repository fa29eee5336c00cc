"""An .npz whose features array is a single number (np.savez(f, x=np.float32(1), y=...),
a 0-d array) crashed load_npz with "TypeError: len() of unsized object" from the check for
a row-number column, before the shape check that refuses it with a DataError."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.errors import DataError


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("x", [np.float32(1.5), np.int64(5), np.uint8(7)])
def test_a_scalar_features_array_is_refused_by_name(tmp_path, x, standardize):
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(20) % 2)
    refused = r"d\.npz: features must have shape \[N, \.\.\.\], got \(\)"
    with pytest.raises(DataError, match=refused):
        load_npz(path=tmp_path / "d.npz", standardize=standardize)

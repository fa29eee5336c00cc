"""Red-team checks (helper 77) of the .npz loader."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.errors import DataError


def test_an_npz_of_many_arrays_without_the_key_is_one_short_line(tmp_path):
    """An .npz of 50,000 arrays, none named x: every name went into the error, 489 KB."""
    one = io.BytesIO()
    np.save(one, np.zeros(1))
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(3000):
            archive.writestr(f"a{i:04d}.npy", one.getvalue())
    with pytest.raises(DataError) as caught:
        load_npz(path=path)
    message = str(caught.value)
    assert len(message) < 1000, len(message)
    assert "many.npz: no array 'x' (features); it holds ['a0000', 'a0001'," in message
    assert "... 2980 more ..., 'a2995', 'a2996', 'a2997', 'a2998', 'a2999'] (3000 arrays); set " \
        "dataset.x_key to one of them" in message

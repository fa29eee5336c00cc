"""An .npz whose header declares an absurd shape ((10**12, 10**6) of float64, the header
written by hand) was refused with its size in plain digits, '(7450580596.9 GiB)', a figure
nobody reads at a glance (h400). Sizes from 10**5 GiB on are written 7.5e+09 GiB, still
naming the array and the file; smaller ones keep their digits."""

from __future__ import annotations

import re
import zipfile

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.errors import DataError
from tests.hostile.test_data_files import _npy


def _forged(tmp_path, shape):
    path = tmp_path / "forged.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", _npy(shape, "<f8", body=b"\0" * 64))
        archive.writestr("y.npy", _npy((2,), "<i8", body=b"\0" * 16))
    return path


@pytest.mark.parametrize("shape", [(10**12, 10**6), (10**30, 10**30)])
def test_an_absurd_declared_shape_is_refused_with_a_readable_size(tmp_path, shape):
    gibibytes = np.prod(shape, dtype=float) * 8 / 2**30
    path = _forged(tmp_path, shape)
    with pytest.raises(DataError) as caught:
        load_npz(path=path)
    message = str(caught.value)
    assert message.startswith(f"{path}: array 'x' claims shape {shape} of float64 ")
    assert f"({gibibytes:.1e} GiB) but holds 64 bytes of data" in message
    assert not re.search(r"\d{6}\.\d GiB", message), message


def test_a_size_within_reach_keeps_its_digits(tmp_path):
    path = _forged(tmp_path, (10**9,))
    with pytest.raises(DataError, match=rf"\({10**9 * 8 / 2**30:.1f} GiB\) but holds 64 bytes"):
        load_npz(path=path)

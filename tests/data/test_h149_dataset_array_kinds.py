"""Hostile inputs (helper 149) of the Dataset seam: numpy array subclasses from a user's loader."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data.dataset import Dataset
from mia_defense.errors import DataError


def _data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 60)
    return (rng.normal(size=(60, 4)) + y[:, None]).astype(np.float32), y


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # numpy on np.matrix
def test_a_numpy_matrix_is_refused():
    """x.todense() of a scipy.sparse matrix is a numpy.matrix: a row of it stays 2-D, and
    the run ended in an IndexError traceback (index 2 is out of bounds for axis 0)."""
    x, y = _data()
    with pytest.raises(DataError, match=r"dataset 'mine': x is a numpy\.matrix \(scipy\.sparse's "
                                        r"\.todense\(\) gives one\).*pass np\.asarray\(x\)"):
        Dataset(x=np.asmatrix(x), y=y, num_classes=3, name="mine")


@pytest.mark.parametrize("field", ["x", "y"])
def test_a_masked_array_is_refused(field):
    """Its mask was ignored without a word: the masked (missing) values trained on."""
    x, y = _data()
    arrays = {"x": x, "y": y}
    arrays[field] = np.ma.masked_array(arrays[field], mask=np.arange(arrays[field].size)
                                       .reshape(arrays[field].shape) % 10 == 0)
    with pytest.raises(DataError, match=rf"dataset 'mine': {field} is a masked array \(\d+ "
                                        r"values masked\), whose mask would be ignored"):
        Dataset(**arrays, num_classes=3, name="mine")


def test_a_memory_mapped_array_is_a_plain_array(tmp_path):
    x, y = _data()
    mapped = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=x.dtype,
                                       shape=x.shape)
    mapped[:] = x
    assert len(Dataset(x=mapped, y=y, num_classes=3, name="mine")) == 60


@pytest.mark.parametrize("field", ["x", "y"])
def test_arrays_of_the_other_byte_order_are_refused(field):
    """Big-endian arrays (read from a file of another machine) ended the run in torch's
    ValueError traceback ('given numpy array has byte order different from the native')."""
    x, y = _data()
    arrays = {"x": x, "y": y}
    swapped = arrays[field].dtype.newbyteorder("S")
    arrays[field] = arrays[field].astype(swapped)
    with pytest.raises(DataError, match=rf"dataset 'mine': {field} has dtype {swapped.str}, "
                                        r"whose byte order is not this machine's"):
        Dataset(**arrays, num_classes=3, name="mine")


def test_a_numpy_integer_num_classes_is_held_as_an_int():
    """num_classes=np.uint8(3) overflowed in a size computed from it ('Python integer 4800
    out of bounds for uint8', a traceback after the data was loaded)."""
    x, y = _data()
    data = Dataset(x=x, y=y, num_classes=np.uint8(3), name="mine")
    assert type(data.num_classes) is int
    assert data.num_classes * 1600 == 4800

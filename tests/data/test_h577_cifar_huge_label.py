"""A CIFAR python batch whose 'labels' list holds an integer beyond int64 (2**70: numpy keeps
such a list as objects) was refused as "'labels' must be a list of integers (found other
values, or integers too large for a class index)", naming neither the value nor where it is
(h577)."""

from __future__ import annotations

import pickle

import pytest

from mia_defense.data.cifar import load_cifar10
from mia_defense.errors import DataError
from tests.data.files import write_cifar_python


def test_a_label_beyond_int64_is_named_with_its_position(tmp_path):
    folder = write_cifar_python(tmp_path / "cifar-10-batches-py")
    batch = pickle.loads((folder / "data_batch_2").read_bytes())
    batch[b"labels"][3] = 2**70
    (folder / "data_batch_2").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_2: 'labels' must be a list of integers, "
                                        r"found 1180591620717411303424 at position 3 \(from 0\): "
                                        r"too large for a class index"):
        load_cifar10(path=folder)


def test_a_missing_label_is_refused_naming_it(tmp_path):
    """A None among the labels passed the check for values other than numbers (None was also
    its 'nothing found'), and was refused as "'labels' must be a list of integers (found
    other values)"."""
    folder = write_cifar_python(tmp_path / "cifar-10-batches-py")
    batch = pickle.loads((folder / "data_batch_2").read_bytes())
    batch[b"labels"][3] = None
    (folder / "data_batch_2").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_2: 'labels' must be a flat list of "
                                        r"integers, found None in it \(position 3, from 0\)"):
        load_cifar10(path=folder)

"""One MNIST folder holding a file under two of the names the loader takes (LeCun's
``train-images-idx3-ubyte`` and the Kaggle copy's ``train-images.idx3-ubyte``; a ``.gz`` and a
folder named as the file, as unpacking tools leave it) with different data: the first name
found was read and the other ignored without a word (`mia-train dataset=mnist
dataset.path=DIR` on a folder where a Fashion-MNIST download landed beside MNIST's files).
Two folders holding such copies were refused already (test_h149_idx_two_folders), and a file
and its ``.gz`` beside it (test_red_h77_idx); the same folder's other names are now too."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_mnist
from mia_defense.errors import DataError
from tests.data.files import idx_bytes, images_with_signal, write_mnist


def _other_images(n: int = 30) -> bytes:
    x, _ = images_with_signal(n, channels=1, size=28, classes=10, seed=7)
    return idx_bytes(x[:, 0])


def test_kaggle_name_beside_lecun_name_with_other_data_is_refused(tmp_path):
    folder = write_mnist(tmp_path / "mnist")
    (folder / "train-images.idx3-ubyte").write_bytes(_other_images())
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte and .*train-images\.idx3-ubyte"
                                        r" both hold train-images-idx3-ubyte, with different"):
        load_mnist(path=folder)


def test_folder_named_as_the_file_beside_its_gz_with_other_data_is_refused(tmp_path):
    folder = write_mnist(tmp_path / "mnist", gz=True)
    inner = folder / "train-images-idx3-ubyte"
    inner.mkdir()
    (inner / "train-images-idx3-ubyte").write_bytes(_other_images())
    with pytest.raises(DataError, match=r"with different data"):
        load_mnist(path=folder)


def test_same_data_under_two_names_loads(tmp_path):
    """(a copy under the Kaggle name holding the same data is no conflict)"""
    folder = write_mnist(tmp_path / "mnist")
    same = (folder / "train-images-idx3-ubyte").read_bytes()
    (folder / "train-images.idx3-ubyte").write_bytes(same)
    data = load_mnist(path=folder)
    assert len(data.y) == 40 and np.isfinite(data.x).all()

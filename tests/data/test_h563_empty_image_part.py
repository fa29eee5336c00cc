"""An image dataset read in parts (MNIST's train and t10k files, CIFAR's batches) with one
part holding no images (an IDX header of 0 images, a CIFAR batch of 0 rows: a download or a
conversion cut short) was pooled with the others without a word under dataset.split=all:
`mia-train dataset=mnist dataset.path=...` trained on the 10,000 test digits alone, the
60,000 of the train files lost. Each such part is now refused, naming its file."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from mia_defense.data import load_cifar10, load_mnist
from mia_defense.errors import DataError
from tests.data.files import write_cifar_python, write_mnist


def test_mnist_train_files_of_no_images_are_refused(tmp_path):
    folder = write_mnist(tmp_path / "mnist", n_train=0, n_test=10)
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte: holds no samples") as info:
        load_mnist(path=folder)
    assert "download" in str(info.value)


def test_cifar_batch_of_no_images_is_refused(tmp_path):
    folder = write_cifar_python(tmp_path / "cifar-10-batches-py")
    empty = {b"data": np.zeros((0, 3072), dtype=np.uint8), b"labels": []}
    (folder / "data_batch_2").write_bytes(pickle.dumps(empty, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_2: holds no samples"):
        load_cifar10(path=folder)


def test_parts_holding_images_load_as_before(tmp_path):
    """(the check refuses nothing else: every part of these holds images)"""
    assert len(load_mnist(path=write_mnist(tmp_path / "m", n_train=6, n_test=4)).y) == 10
    assert len(load_cifar10(path=write_cifar_python(tmp_path / "c")).y) == 60

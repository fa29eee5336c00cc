"""Hostile inputs (helper 149) of the MNIST-style loaders: the same file name in two folders."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from mia_defense.data import load_fashion_mnist, load_mnist
from mia_defense.errors import DataError
from tests.data.files import idx_bytes


def _put(folder, seed: int, *, gz: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for part, n in (("train", 30), ("t10k", 20)):
        for stem, array in ((f"{part}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28))),
                            (f"{part}-labels-idx1-ubyte", rng.integers(0, 10, n))):
            data = idx_bytes(array)
            if gz:
                (folder / f"{stem}.gz").write_bytes(gzip.compress(data))
            else:
                (folder / stem).write_bytes(data)


def test_mnist_at_the_top_beside_torchvisions_fashion_mnist_is_refused(tmp_path):
    """dataset=fashion_mnist dataset.path=/data read the MNIST files at /data's top and
    ignored torchvision's /data/FashionMNIST/raw: digits trained and attacked as clothes,
    without a word (the two datasets name their files alike)."""
    _put(tmp_path, 1)
    _put(tmp_path / "FashionMNIST" / "raw", 2, gz=True)
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte and .*FashionMNIST/raw/"
                                        r"train-images-idx3-ubyte\.gz both hold "
                                        r"train-images-idx3-ubyte, with different data"):
        load_fashion_mnist(path=tmp_path)
    assert len(load_mnist(path=tmp_path)) == 50  # MNIST/raw absent: no second copy


def test_the_same_files_in_two_folders_load(tmp_path):
    _put(tmp_path, 1)
    _put(tmp_path / "raw", 1, gz=True)
    assert len(load_mnist(path=tmp_path)) == 50

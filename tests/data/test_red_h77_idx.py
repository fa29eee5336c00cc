"""Red-team checks (helper 77) of the MNIST-style IDX loader."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from mia_defense.data import load_mnist
from mia_defense.errors import DataError


def _idx(array: np.ndarray) -> bytes:
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) \
        + array.astype(np.uint8).tobytes()


def _folder(tmp_path, seed: int = 0):
    rng = np.random.default_rng(seed)
    files = {}
    for part, n in (("train", 30), ("t10k", 20)):
        files[f"{part}-images-idx3-ubyte"] = _idx(rng.integers(0, 256, (n, 28, 28)))
        files[f"{part}-labels-idx1-ubyte"] = _idx(np.arange(n) % 10)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return files


def test_a_file_and_its_gz_with_other_images_are_refused(tmp_path):
    """train-images-idx3-ubyte was read and a .gz of other images beside it ignored,
    silently (MNIST left beside a Fashion-MNIST download: the same sizes)."""
    _folder(tmp_path)
    other = _idx(np.random.default_rng(1).integers(0, 256, (30, 28, 28)))
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(other))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte and .*train-images-idx3-ubyte"
                                        r"\.gz hold different data, and only one is read; delete "
                                        r"the one that does not belong"):
        load_mnist(path=tmp_path)


def test_a_file_and_its_gz_with_the_same_content_load(tmp_path):
    # torchvision's MNIST/raw keeps both the downloads and what it extracted from them
    files = _folder(tmp_path)
    for name, data in files.items():
        (tmp_path / f"{name}.gz").write_bytes(gzip.compress(data))
    assert load_mnist(path=tmp_path).x.shape == (50, 1, 28, 28)

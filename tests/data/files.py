"""Writers of small dataset files in the formats the loaders read (tests make their own data)."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np


def images_with_signal(n: int, *, channels: int, size: int, classes: int, seed: int = 0):
    """uint8 noise images with a bright stripe whose row depends on the label (learnable)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, size=n)
    x = rng.integers(0, 60, size=(n, channels, size, size))
    height = max(1, size // classes)
    for i, label in enumerate(y):
        top = (label * size) // classes
        x[i, :, top : top + height] += 150
    return x.astype(np.uint8), y


def write_cifar_python(
    folder: Path,
    *,
    n_train: int = 40,
    n_test: int = 20,
    cifar100: bool = False,
    py2_globals: bool = False,
    seed: int = 0,
) -> Path:
    """A ``cifar-10-batches-py`` (or ``cifar-100-python``) folder with real-format pickles."""
    folder.mkdir(parents=True, exist_ok=True)
    classes = 100 if cifar100 else 10
    names = (
        (["train"], ["test"]) if cifar100 else (["data_batch_1", "data_batch_2"], ["test_batch"])
    )
    for i, name in enumerate(names[0] + names[1]):
        n = n_train // len(names[0]) if name in names[0] else n_test
        x, y = images_with_signal(n, channels=3, size=32, classes=classes, seed=seed + i)
        batch = {b"batch_label": name.encode(), b"data": x.reshape(n, -1),
                 b"filenames": [b"img.png"] * n}
        if cifar100:
            batch[b"fine_labels"] = y.tolist()
            batch[b"coarse_labels"] = (y // 5).tolist()
        else:
            batch[b"labels"] = y.tolist()
        raw = pickle.dumps(batch, protocol=2)
        if py2_globals:  # what the original Python 2 files name: numpy.core.multiarray
            raw = raw.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
        (folder / name).write_bytes(raw)
    return folder


def write_cifar_binary(folder: Path, *, n_train: int = 40, n_test: int = 20,
                       cifar100: bool = False, seed: int = 0) -> Path:
    """A ``cifar-10-batches-bin`` (or ``cifar-100-binary``) folder of fixed-size records."""
    folder.mkdir(parents=True, exist_ok=True)
    classes = 100 if cifar100 else 10
    names = (
        (["train.bin"], ["test.bin"]) if cifar100 else (["data_batch_1.bin"], ["test_batch.bin"])
    )
    for i, name in enumerate(names[0] + names[1]):
        n = n_train if name in names[0] else n_test
        x, y = images_with_signal(n, channels=3, size=32, classes=classes, seed=seed + i)
        labels = np.stack([y // 5, y], axis=1) if cifar100 else y[:, None]
        records = np.concatenate([labels.astype(np.uint8), x.reshape(n, -1)], axis=1)
        (folder / name).write_bytes(records.tobytes())
    return folder


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file holding a uint8 array."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def write_mnist(folder: Path, *, n_train: int = 30, n_test: int = 10, gz: bool = False) -> Path:
    """The four MNIST IDX files, plain or gzip-compressed."""
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n, seed in (("train", n_train, 0), ("t10k", n_test, 1)):
        x, y = images_with_signal(n, channels=1, size=28, classes=10, seed=seed)
        for kind, array in (("images-idx3", x[:, 0]), ("labels-idx1", y)):
            raw = idx_bytes(array)
            name = f"{prefix}-{kind}-ubyte"
            if gz:
                (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
            else:
                (folder / name).write_bytes(raw)
    return folder

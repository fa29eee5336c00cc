"""MNIST-style IDX files whose header gives another number of dimensions (h400): flattened
images [N, 784], a channel axis of 1 ([N, 28, 28, 1], [N, 1, 28, 28]), one-hot labels
[N, 10]. They were refused ('images must be [N, H, W], got shape (100, 784)'; 'labels have
shape (100, 10) ... use the label file that belongs to these images', for the right file)
without what to do; the refusals now say it."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from mia_defense.data import load_mnist
from mia_defense.errors import DataError

_N = 40


def _idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">I", s) for s in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def _folder(tmp_path, *, train_images=None, train_labels=None):
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (_N, 28, 28)), np.arange(_N) % 10
    _idx(tmp_path / "train-images-idx3-ubyte", images if train_images is None else train_images)
    _idx(tmp_path / "train-labels-idx1-ubyte", labels if train_labels is None else train_labels)
    _idx(tmp_path / "t10k-images-idx3-ubyte", images)
    _idx(tmp_path / "t10k-labels-idx1-ubyte", labels)
    return tmp_path


@pytest.mark.parametrize(("shape", "said"), [
    ((_N, 784), "flattened images of 784 pixels each: save them as [N, 28, 28] "
                "(x.reshape(-1, 28, 28))"),
    ((_N, 28, 28, 1), "one channel kept as an axis of its own: save them as [N, H, W] "
                      "(x.reshape(-1, 28, 28))"),
    ((_N, 1, 28, 28), "one channel kept as an axis of its own"),
])  # fmt: skip
def test_images_of_other_dimensions_say_what_to_do(tmp_path, shape, said):
    folder = _folder(tmp_path, train_images=np.zeros(shape))
    with pytest.raises(DataError) as refused:
        load_mnist(path=folder)
    message = str(refused.value)
    assert message.startswith(f"{folder / 'train-images-idx3-ubyte'}: images must be [N, H, W]")
    assert said in message and "or read the images as an .npz with dataset=npz" in message


def test_one_hot_labels_are_not_called_another_file(tmp_path):
    folder = _folder(tmp_path, train_labels=np.eye(10)[np.arange(_N) % 10])
    with pytest.raises(DataError) as refused:
        load_mnist(path=folder)
    message = str(refused.value)
    assert "one class index per image [N]" in message and "save y.argmax(1)" in message
    assert "belongs to these images" not in message


def test_labels_of_another_count_are_still_another_file(tmp_path):
    folder = _folder(tmp_path, train_labels=np.arange(_N // 2) % 10)
    with pytest.raises(DataError, match="use the label file that belongs to these images"):
        load_mnist(path=folder)

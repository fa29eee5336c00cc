"""A hand-made CIFAR-style pickle whose labels are true/false (a bool array, or a list of
Python bools) is refused, naming the file and the key (h155): numpy read them as 0 and 1,
so dataset=cifar10 loaded a 10-class dataset with classes 0 (airplane) and 1 (automobile)
only ('only 2 of the 10 classes have samples', a warning), and the run trained and attacked
10-way models and recorded them as CIFAR-10, whatever the file's true/false meant (a
'labels == 3' mask, a two-class task). Integer labels still load."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest

from mia_defense.data import load_cifar10, load_cifar100
from mia_defense.errors import DataError


def _batch(path, labels, *, key=b"labels"):
    data = np.random.default_rng(0).integers(0, 256, (len(labels), 3072), dtype=np.uint8)
    path.write_bytes(pickle.dumps({b"data": data, key: labels}, protocol=2))
    return path


_FLAGS = np.arange(40) % 3 == 0


@pytest.mark.parametrize("labels", [_FLAGS, _FLAGS.tolist(), [1, 2, True, *range(37)]],
                         ids=["bool array", "list of bools", "a bool among integers"])
def test_cifar10_batch_of_true_false_labels_is_refused(tmp_path, labels):
    path = _batch(tmp_path / "data_batch_1", labels)
    with pytest.raises(DataError, match="^" + re.escape(f"{path}: 'labels' holds true/false "
                                        "values, not class indices: ") + r".*classes 0 and 1"):
        load_cifar10(path=path)


def test_cifar100_batch_of_true_false_fine_labels_is_refused(tmp_path):
    path = _batch(tmp_path / "train", _FLAGS, key=b"fine_labels")
    with pytest.raises(DataError, match=r"'fine_labels' holds true/false values"):
        load_cifar100(path=path)


def test_integer_labels_still_load(tmp_path):
    data = load_cifar10(path=_batch(tmp_path / "data_batch_1", (np.arange(40) % 10).tolist()),
                        normalize=False)
    assert data.num_classes == 10
    assert np.array_equal(data.y, np.arange(40) % 10)

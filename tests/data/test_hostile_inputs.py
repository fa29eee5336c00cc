"""Hostile or mistaken data files the loaders must refuse cheaply, with a `DataError`."""

from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pytest

from mia_defense.data import load_cifar10
from mia_defense.errors import DataError


@pytest.mark.parametrize("labels", [
    [[0] * 2000] * 2000,  # one shared list, 2000 times: a 32 MB array from a 10 KB pickle
    ["x" * 40_000] * 200,  # one shared string: a 32 MB array of text
])
def test_cifar_labels_repeating_one_object_are_refused_before_numpy_builds_them(
        tmp_path, labels):
    batch = tmp_path / "data_batch_1"
    batch.write_bytes(pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": labels},
                                   protocol=2))
    assert batch.stat().st_size < 60_000
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"data_batch_1: 'labels' must be a flat list of "
                                            r"integers, found a (list|str) in it"):
            load_cifar10(path=batch)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000

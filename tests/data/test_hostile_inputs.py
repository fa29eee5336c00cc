"""Hostile or mistaken data files the loaders must refuse cheaply, with a `DataError`."""

from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pytest

from mia_defense.data import (
    load_cifar10,
    load_csv,
    load_npz,
    load_purchase100,
    load_texas100,
)
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


def test_num_classes_far_beyond_the_samples_is_refused_even_when_a_label_reaches_it(tmp_path):
    """Labels 0 and 1000000 with dataset.num_classes=1000001 on 400 samples: the largest
    label made the count look plausible, and the run trained million-way models."""
    file = tmp_path / "sparse.npz"
    y = np.where(np.arange(400) % 2 == 1, 1_000_000, 0)
    np.savez(file, x=np.random.default_rng(0).normal(size=(400, 3)), y=y)
    with pytest.raises(DataError, match=r"sparse.npz: dataset.num_classes=1000001 but the data "
                                        r"holds only 400 samples .* set dataset.num_classes=null"):
        load_npz(path=file, num_classes=1_000_001)
    assert load_npz(path=file).class_labels == (0, 1_000_000)
    np.savez(file, x=np.zeros((40, 3)), y=np.arange(40) % 2 * 99)  # a subset of 100 classes
    assert load_npz(path=file, num_classes=100).num_classes == 100


def test_cifar_batch_with_a_key_both_as_bytes_and_text_is_refused(tmp_path):
    batch = tmp_path / "data_batch_1"
    images = np.zeros((4, 3072), np.uint8)
    batch.write_bytes(pickle.dumps({b"data": images, b"labels": [0, 1, 2, 3],
                                    "labels": [5, 5, 6, 6]}))
    with pytest.raises(DataError, match=r"data_batch_1: holds the key 'labels' twice"):
        load_cifar10(path=batch)


@pytest.mark.parametrize("name", ["purchase.NPZ", "purchase_arrays"])
def test_purchase_and_texas_take_an_npz_by_its_content_whatever_its_name(tmp_path, name):
    file = tmp_path / name
    with file.open("wb") as handle:
        np.savez(handle, features=np.arange(1200).reshape(200, 6) % 2,
                 labels=np.arange(200) % 100 + 1)
    assert len(load_purchase100(path=file)) == 200
    assert len(load_texas100(path=file)) == 200
    text = tmp_path / "dataset_purchase"
    text.write_text("".join(f"{i % 100 + 1},{i % 2},1\n" for i in range(200)))
    assert len(load_purchase100(path=text)) == 200  # still read as text


def test_npz_standardize_keeps_the_digits_of_float64_features_float32_would_lose(tmp_path):
    """Timestamps 1.7e9 + seconds in float64: converted to float32 before standardising,
    400 distinct values became 4; shifted first (standardising removes any shift), all stay."""
    file = tmp_path / "times.npz"
    x = np.stack([1.7e9 + np.arange(400), np.random.default_rng(0).normal(size=400)], axis=1)
    np.savez(file, x=x, y=np.arange(400) % 2)
    features = load_npz(path=file, standardize=True).x
    assert len(np.unique(features[:, 0])) == 400
    expected = (x - x.mean(axis=0)) / x.std(axis=0)
    np.testing.assert_allclose(features, expected, atol=1e-6)
    images = 1e9 + np.random.default_rng(1).normal(size=(50, 3, 4, 4))  # per channel
    np.savez(file, x=images, y=np.arange(50) % 2)
    expected = (images - images.mean(axis=(0, 2, 3), keepdims=True)) \
        / images.std(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(load_npz(path=file, standardize=True).x, expected, atol=1e-5)


@pytest.mark.slow  # ~2 s: parses 30000 rows under tracemalloc
def test_csv_of_short_rows_fits_the_memory_its_check_assumes(tmp_path):
    """Rows such as "3,12": a label string per row (about 50 bytes) made parsing need 24
    bytes per byte of the file, over the 16 the memory check allows for, so a file that
    passed the check could exhaust the memory with no message."""
    from mia_defense.data import csv_file

    file = tmp_path / "short.csv"
    file.write_text("a,y\n" + "".join(f"{i % 10},{10 + i % 50}\n" for i in range(30_000)))
    tracemalloc.start()
    try:
        data = load_csv(path=file, label_column="y", standardize=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert data.num_classes == 50
    assert peak < csv_file._CSV_BYTES_PER_BYTE * file.stat().st_size, peak / file.stat().st_size

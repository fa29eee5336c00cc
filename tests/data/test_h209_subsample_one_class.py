"""dataset.max_samples small enough to draw samples of one class alone (max_samples=3 of a
3-class CSV) crashed every loader with 'IndexError: index 0 is out of bounds for axis 0
with size 0' in checks.label_copies: the file's classes were checked (one class alone is
refused), the subset's were not. The subset is now refused as a file of one class is,
naming dataset.max_samples; label_copies and near_label_copies find no copy in one class."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_csv, load_npz
from mia_defense.data.checks import label_copies, near_label_copies, subsample
from mia_defense.errors import DataError


def _seed_drawing(y: np.ndarray, size: int, *, classes: int, name: str) -> int:
    """A seed whose subset of ``size`` of ``y`` holds ``classes`` classes, as the loader
    ``name`` draws it (`finish_dataset`)."""
    x = np.zeros((len(y), 1))
    return next(seed for seed in range(1000)
                if len(set(subsample(x, y, max_samples=size, seed=seed, name=name)[1]))
                == classes)


def test_a_csv_subset_of_one_class_is_refused(tmp_path):
    y = np.arange(300) % 3
    rows = [f"{i * 0.37 % 5},{i % 7},{label}" for i, label in enumerate(y)]
    (tmp_path / "d.csv").write_text("\n".join(["a,b,label", *rows]) + "\n")
    seed = _seed_drawing(y, 3, classes=1, name="csv")
    with pytest.raises(DataError, match=r"d\.csv, 3 of its 300 samples \(dataset.max_samples\): "
                       r"dataset.max_samples=3 drew samples of class \d alone: a single class"):
        load_csv(path=tmp_path / "d.csv", label_column="label", max_samples=3, seed=seed)


def test_an_npz_subset_of_one_class_is_refused(tmp_path):
    y = np.arange(40) % 2
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).normal(size=(40, 3)), y=y)
    seed = _seed_drawing(y, 2, classes=1, name="npz")
    with pytest.raises(DataError, match=r"raise dataset\.max_samples"):
        load_npz(path=tmp_path / "d.npz", max_samples=2, seed=seed)


def test_a_subset_of_two_classes_still_loads(tmp_path):
    y = np.arange(40) % 2
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).normal(size=(40, 3)), y=y)
    seed = _seed_drawing(y, 4, classes=2, name="npz")
    assert len(load_npz(path=tmp_path / "d.npz", max_samples=4, seed=seed).y) == 4


def test_one_class_holds_no_label_copy():
    x, y = np.arange(12.0).reshape(6, 2), np.zeros(6, dtype=np.int64)
    assert label_copies(x, y).size == 0
    assert near_label_copies(x, y)[0].size == 0

"""Hostile: a file that is not Purchase100 given as dataset.path of purchase100. Features
of another layout (images, [N, 600, 1]) were flattened and trained as 'purchase100', and
one-hot labels narrower than the 100 classes were read as classes 0..C-1 of 100 with only a
note that some classes have no samples."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data import load_npz, load_purchase100
from mia_defense.errors import DataError


def _labels(n: int = 200) -> np.ndarray:
    return np.arange(n) % 100


def test_features_that_are_no_table_are_refused_naming_the_file(tmp_path):
    path = tmp_path / "purchase100.npz"
    np.savez(path, features=np.zeros((200, 600, 1)), labels=_labels())
    with pytest.raises(DataError, match=(
        rf"{path}: features of shape \(200, 600, 1\), where Purchase100 has one row of 600 per "
        r"customer \[N, 600\]: it is not a Purchase100 file; point dataset.path at "
        r"dataset_purchase")):  # fmt: skip
        load_purchase100(path=path)


def test_a_narrower_one_hot_is_refused(tmp_path):
    path = tmp_path / "purchase100.npz"
    np.savez(path, features=np.zeros((200, 600)), labels=np.eye(50)[_labels() % 50])
    with pytest.raises(DataError, match=(
        rf"{path}: one-hot labels \(200, 50\) have 50 columns, one per class, but the "
        r"dataset has 100 classes; check that dataset.path names this dataset's file")):
        load_purchase100(path=path)
    np.savez(path, features=np.zeros((200, 600)), labels=np.eye(100)[_labels()])
    assert load_purchase100(path=path).num_classes == 100
    # a user's npz: the setting to change is named
    other = tmp_path / "mine.npz"
    np.savez(other, x=np.zeros((20, 3)), y=np.eye(4)[np.arange(20) % 4])
    with pytest.raises(DataError, match=r"set dataset.num_classes=4 \(or null"):
        load_npz(path=other, num_classes=5)


def test_another_feature_count_is_said(tmp_path, caplog):
    path = tmp_path / "dataset_purchase"
    rows = np.column_stack([_labels() + 1, np.arange(200 * 8).reshape(200, 8) % 2])
    np.savetxt(path, rows, fmt="%d", delimiter=",")
    with caplog.at_level(logging.INFO, logger="mia_defense.data"):
        assert load_purchase100(path=path, label_base=1).x.shape == (200, 8)
    assert f"{path}: 8 features per sample, where Purchase100 has 600" in caplog.text


def test_texas100_features_that_are_no_table_are_refused_naming_the_file(tmp_path):
    from mia_defense.data import load_texas100

    path = tmp_path / "texas100.npz"
    np.savez(path, features=np.zeros((200, 40, 1)), labels=_labels())
    with pytest.raises(DataError, match=(
        rf"{path}: features of shape \(200, 40, 1\), where Texas100 has one row of 0/1 "
        r"features per hospital stay \[N, D\]: it is not a Texas100 file")):
        load_texas100(path=path)
    np.savez(path, features=np.zeros((200, 40)), labels=_labels())
    assert load_texas100(path=path).x.shape == (200, 40)

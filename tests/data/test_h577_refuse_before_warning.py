"""Refusals of the features came after the labels' warnings (h577): mia-train
dataset=purchase100 (or texas100) dataset.path=p.npz with complex, datetime or empty [N, 0]
features, or dataset_purchase with a NaN feature, warned 'only 2 of the 100 classes have
samples' or 'labels run from 1 to 3 ... taken as 0-based' first, then refused the file: the
warnings spoke of data never used. The features' refusals come first, and no warning."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data import load_npz, load_purchase100, load_texas100
from mia_defense.errors import DataError

_Y = np.arange(40) % 2


@pytest.mark.parametrize(("features", "words"), [
    (np.ones((40, 3), complex), "features must be real numbers"),
    (np.zeros((40, 3), "datetime64[s]"), "features must be numeric, got dtype datetime64"),
    (np.zeros((40, 0)), r"features have shape \(40, 0\): no values per sample"),
])
@pytest.mark.parametrize("load", [load_purchase100, load_texas100])
def test_feature_refusals_come_before_class_warnings(tmp_path, caplog, features, words, load):
    np.savez(tmp_path / "p.npz", features=features, labels=_Y)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        with pytest.raises(DataError, match=words):
            load(path=tmp_path / "p.npz")
    assert not caplog.records, caplog.text


def test_a_nan_feature_is_refused_before_the_label_base_warning(tmp_path, caplog):
    (tmp_path / "dataset_purchase").write_text(
        "".join(f"{i % 3 + 1},0,{'nan' if i == 4 else 1},0\n" for i in range(10)))
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        with pytest.raises(DataError, match=r"first at sample 4\); on line 5, its feature 1"):
            load_purchase100(path=tmp_path / "dataset_purchase")
    assert not caplog.records, caplog.text


def test_npz_labels_remapped_then_nan_features_refused_without_the_remap_warning(tmp_path,
                                                                                   caplog):
    x = np.ones((40, 3))
    x[7, 1] = np.inf
    np.savez(tmp_path / "d.npz", x=x, y=_Y * 7 + 3)  # labels 3 and 10: remapped, with a word
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        with pytest.raises(DataError, match=r"first at sample 7\); its feature 1"):
            load_npz(path=tmp_path / "d.npz")
    assert not caplog.records, caplog.text


@pytest.mark.parametrize("x", [
    np.tile([[5000.0, 1.0]], (40, 1)) * np.arange(1, 41)[:, None],  # unscaled
    np.tile(np.arange(40.0)[:, None], (1, 2)),  # a column numbering the rows
    np.full((40, 2), 1.7e9) + np.arange(40)[:, None] * 0.001,  # digits float32 drops
])
def test_npz_feature_warnings_wait_for_the_label_refusal(tmp_path, caplog, x):
    np.savez(tmp_path / "d.npz", x=x, y=np.where(np.arange(40) == 9, 1.5, _Y))
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        with pytest.raises(DataError, match=r"found 1\.5 at sample 9"):
            load_npz(path=tmp_path / "d.npz")
    assert not caplog.records, caplog.text


@pytest.mark.parametrize("load", [load_npz, load_purchase100])
def test_no_samples_is_still_refused_as_such(tmp_path, load):
    """(An empty features array [0, 3] reached the float32 conversion first, and its
    reshape raised ValueError: the features are read before the labels now.)"""
    np.savez(tmp_path / "e.npz", x=np.zeros((0, 3)), y=np.zeros(0, int),
             features=np.zeros((0, 3)), labels=np.zeros(0, int))
    with pytest.raises(DataError, match=r"e\.npz: contains no samples"):
        load(path=tmp_path / "e.npz")

"""dataset=npz with one-hot labels [40, 100] of which 30 classes have samples, and
dataset.num_classes left null (h577): refused as 'dataset.num_classes=100 but the data holds
40 samples ...: set dataset.num_classes to the number of classes (null infers it from the
labels)', a setting the user never gave, and setting it to 30 is refused as 'one-hot labels
(40, 100) have 100 columns ...: set dataset.num_classes=100 (or null ...)': no setting loaded
the file. The one-hot's width is the file's own class count, as Purchase100's 100 is: the
classes without a sample are warned about, and only a width far beyond the samples is
refused, in the one-hot's words."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.errors import DataError


def test_a_one_hot_of_more_classes_than_its_samples_loads_with_a_warning(tmp_path, caplog):
    y = np.eye(100)[np.arange(40) % 30]
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).normal(size=(40, 3)), y=y)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        data = load_npz(path=tmp_path / "d.npz")
    assert data.num_classes == 100
    assert "only 30 of the 100 classes have samples" in caplog.text


def test_a_one_hot_far_wider_than_its_samples_is_refused_in_its_words(tmp_path):
    y = np.eye(3000, dtype=np.uint8)[np.arange(40) % 2]
    np.savez(tmp_path / "d.npz", x=np.ones((40, 3)), y=y)
    with pytest.raises(DataError) as caught:
        load_npz(path=tmp_path / "d.npz")
    said = str(caught.value)
    assert "one-hot labels (40, 3000) have 3000 columns, one per class" in said, said
    assert "dataset.num_classes=3000" not in said
    assert "save the labels as class indices, y.argmax(axis=1)" in said

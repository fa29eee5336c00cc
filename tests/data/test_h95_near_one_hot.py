"""A one-hot encoding of the labels with a few errors among the features (one column per
class, each equal to [label == c] for ~99% of the samples) is warned as a near copy of the
labels, as an exact one-hot encoding is warned as a copy."""

from __future__ import annotations

import numpy as np

from mia_defense.data.checks import near_label_copies, warn_label_copies

_N, _C = 3000, 4


def _features(errors: float, classes: int = _C) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, _C, _N)
    one_hot = (y[:, None] == np.arange(classes)).astype(np.float32)
    flip = rng.random(one_hot.shape) < errors
    one_hot[flip] = 1 - one_hot[flip]
    return np.column_stack([rng.normal(size=(_N, 3)), one_hot]).astype(np.float32), y


def test_a_one_hot_encoding_with_a_few_errors_is_a_near_copy(caplog):
    x, y = _features(0.01)
    with caplog.at_level("WARNING"):
        warn_label_copies(x, y, source="dataset 'mine'")
    assert ("dataset 'mine': feature column [3, 4, 5, 6] (counting from 0) is nearly a copy "
            "of the labels") in caplog.text


def test_markers_of_only_some_classes_are_no_near_copy():
    x, y = _features(0.01, classes=2)  # classes 2 and 3 marked by no column
    assert len(near_label_copies(x, y)[0]) == 0


def test_a_one_hot_encoding_with_many_errors_is_no_near_copy():
    x, y = _features(0.1)
    assert len(near_label_copies(x, y)[0]) == 0

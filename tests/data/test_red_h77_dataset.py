"""Red-team checks (helper 77) of the `Dataset` a custom loader (`dataset._target_`) returns."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import Dataset
from mia_defense.errors import DataError


def _labels() -> np.ndarray:
    return np.arange(20) % 2


def test_complex_features_are_refused():
    """complex64 features were trained on: the models dropped the imaginary part, silently."""
    x = (np.arange(40, dtype=np.float32) * (1 + 1j)).reshape(20, 2).astype(np.complex64)
    with pytest.raises(DataError, match=r"dataset 'mine': features must be real numbers, got "
                                        r"dtype complex64"):
        Dataset(x=x, y=_labels(), num_classes=2, name="mine")


def test_float64_features_beyond_float32_are_refused():
    """Finite in float64, inf in float32: the run ended as 'training diverged ... lower the
    learning rate'."""
    x = np.ones((20, 3))
    x[7, 1] = 1e300
    with pytest.raises(DataError, match=r"dataset 'mine': features hold values beyond "
                                        r"float32's range \(\+-3.4e38\) in 1 samples \(first at "
                                        r"sample 7\)"):
        Dataset(x=x, y=_labels(), num_classes=2, name="mine")


def test_float64_features_within_float32_are_kept():
    x = np.full((20, 3), 3e38)
    x[::2] = -1e-300
    assert Dataset(x=x, y=_labels(), num_classes=2, name="mine").x.dtype == np.float64


def test_a_num_classes_far_beyond_the_labels_is_refused():
    """300 samples with labels 0..2 and num_classes=10**7 from a custom loader: mia-train
    built a 10-million-way model and ran for over 5 minutes."""
    x = np.zeros((20, 2), dtype=np.float32)
    with pytest.raises(DataError, match=r"dataset 'mine': num_classes=10000000 but its 20 "
                                        r"samples have labels up to 1: at least 9999980 of the "
                                        r"classes have no sample"):
        Dataset(x=x, y=_labels(), num_classes=10**7, name="mine")


@pytest.mark.parametrize("num_classes", [1000, 40])
def test_a_subset_of_a_larger_task_keeps_its_classes(num_classes):
    # 20 samples of a 1000-class task (ImageNet-1k) or of a 40-class one
    x = np.zeros((20, 2), dtype=np.float32)
    assert Dataset(x=x, y=_labels(), num_classes=num_classes, name="mine").num_classes \
        == num_classes

"""An .npz whose features hold inf (or float64 values beyond float32's range) was refused
('features contain NaN or inf ...'), but first warned 'array 'x' has features up to inf in
magnitude ... set dataset.standardize=true': advice no setting could follow. Non-finite
columns are left to the refusal; a large finite column is still warned of."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.errors import DataError


def _features(big: float) -> np.ndarray:
    x = np.random.default_rng(0).normal(size=(60, 3))
    x[5, 1] = big
    return x


@pytest.mark.parametrize("big", [np.inf, -np.inf, 1e39])
def test_non_finite_features_are_refused_without_scaling_advice(tmp_path, caplog, big):
    path = tmp_path / "d.npz"
    np.savez(path, x=_features(big), y=np.arange(60) % 2)
    with caplog.at_level(logging.WARNING), pytest.raises(DataError, match="NaN or inf"):
        load_npz(path=path)
    assert "in magnitude" not in caplog.text


def test_a_large_finite_column_is_still_warned_of(tmp_path, caplog):
    path = tmp_path / "d.npz"
    np.savez(path, x=_features(5e4), y=np.arange(60) % 2)
    with caplog.at_level(logging.WARNING):
        load_npz(path=path)
    assert "has features up to 50000 in magnitude (column 1, counting from 0)" in caplog.text

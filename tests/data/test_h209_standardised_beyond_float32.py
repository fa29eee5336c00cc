"""A CSV column whose rows outside the plan's test set barely vary (one 1e-30 among zeros)
and whose test row lies far from them (1e10) became inf once standardised by that tiny
standard deviation, and the load was refused as 'features contain NaN or inf ...; clean or
impute them first', of a file holding neither (after numpy's 'overflow encountered in
cast' warning). The column is now named, with its standard deviation and what to do."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mia_defense.data import Dataset, load_csv
from mia_defense.data.encoding import rows_outside_test
from mia_defense.errors import DataError

_PLAN = {"population_size": 100, "test_size": 50, "reference_size": 0, "seed": 1}


def _write(tmp_path, *, fitted: float, tested: float) -> None:
    n = 300
    data = Dataset(x=np.zeros((n, 1), np.float32), y=np.arange(n) % 3, num_classes=3,
                   name="csv", source="d.csv")
    outside = rows_outside_test(data, _PLAN, seed=1)
    test = np.setdiff1d(np.arange(n), outside)
    a = np.zeros(n)
    a[outside[0]], a[test[0]] = fitted, tested
    rows = [f"{float(a[i])!r},{i * 0.37 % 5},{i % 3}" for i in range(n)]
    (tmp_path / "d.csv").write_text("\n".join(["a,b,label", *rows]) + "\n")


def test_a_column_standardised_beyond_float32_is_named(tmp_path):
    _write(tmp_path, fitted=1e-30, tested=1e10)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(DataError) as caught:
            load_csv(path=tmp_path / "d.csv", label_column="label", plan=_PLAN)
    message = str(caught.value)
    assert "d.csv: column 'a', standardised (dataset.standardize=true)" in message
    assert "over the 250 rows outside the test set, 6.31e-32" in message
    assert "beyond float32's range" in message and "dataset.drop_columns=a" in message


def test_a_far_test_value_within_float32_still_loads(tmp_path):
    _write(tmp_path, fitted=1.0, tested=1e10)
    x = load_csv(path=tmp_path / "d.csv", label_column="label", plan=_PLAN).x
    assert np.isfinite(x).all() and np.abs(x).max() > 1e10

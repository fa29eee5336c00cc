"""An .npz (unstandardised, dataset=npz's default) whose features hold inf, NaN or a value
beyond float32's range beside a column beyond 2**24 was warned that the float32 features
keep fewer digits of that column ('set dataset.standardize=true ... or subtract an offset')
and then refused for the inf (h400): advice for data that cannot run, before the one
message that counts. The refusal now comes alone."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.errors import DataError


def _file(tmp_path, bad_column, bad_value):
    wide = (2**25 + np.arange(300)).astype(np.float64)  # 300 values, fewer in float32
    x = np.stack([wide, np.linspace(-1.0, 1.0, 300)], axis=1)
    x[7, bad_column] = bad_value
    path = tmp_path / "d.npz"
    np.savez(path, x=x, y=np.arange(300) % 3)
    return path


@pytest.mark.parametrize(("bad_column", "bad_value", "said"), [
    (0, np.inf, "holds inf"),
    (0, 1e300, "beyond float32's range"),
    (1, np.nan, "holds nan"),
])  # fmt: skip
def test_values_float32_cannot_hold_are_refused_without_the_digits_warning(
        tmp_path, caplog, bad_column, bad_value, said):
    path = _file(tmp_path, bad_column, bad_value)
    with caplog.at_level(logging.WARNING), pytest.raises(DataError, match=said):
        load_npz(path=path)
    assert "keep fewer digits" not in caplog.text


def test_the_digits_warning_stays_for_finite_data(tmp_path, caplog):
    path = _file(tmp_path, 1, 0.5)
    with caplog.at_level(logging.WARNING):
        load_npz(path=path)
    assert "keep fewer digits" in caplog.text

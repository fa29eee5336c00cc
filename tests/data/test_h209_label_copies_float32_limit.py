"""Features of opposite sign near float32's limit (+-3e38, finite) made the check for a
column that copies the labels warn 'RuntimeWarning: overflow encountered in subtract' from
numpy's np.diff, on every CSV or NPZ load holding such a column: the differences of sorted
values overflowed to inf. Neighbours are now compared directly; the copy is still found.
The CSV loader's row-number check warned so too for a column spanning -1e308 to 1e308."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

from mia_defense.data import load_csv, load_npz
from mia_defense.data.checks import label_copies, near_label_copies
from mia_defense.errors import DataError

_BIG = np.float32(3e38)


def _data(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(n) % 2
    rng = np.random.default_rng(0)
    x = np.c_[np.where(y == 1, _BIG, -_BIG), rng.normal(size=n)].astype(np.float32)
    return x, y


def test_copies_near_float32s_limit_warn_no_overflow():
    x, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert label_copies(x, y).tolist() == [0]
        near = x.copy()
        near[0, 0] = _BIG  # one sample off its class's value: a near copy
        columns, shares = near_label_copies(near, y)
    assert columns.tolist() == [0] and 0.98 <= shares[0] < 1


def test_loading_such_a_column_warns_of_the_copy_only(tmp_path, caplog):
    x, y = _data()
    np.savez(tmp_path / "d.npz", x=x, y=y)
    lines = ["a,b,label", *(f"{a!r},{b!r},{c}" for (a, b), c in zip(x.tolist(), y, strict=True))]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="mia_defense"):
        warnings.simplefilter("error", RuntimeWarning)
        load_npz(path=tmp_path / "d.npz", standardize=True)
        load_csv(path=tmp_path / "d.csv", label_column="label")
    copies = [r.getMessage() for r in caplog.records if "determines the label" in r.getMessage()]
    assert len(copies) == 2


def test_a_csv_column_spanning_float64_is_refused_without_numpy_warnings(tmp_path):
    # -1e308 to 1e308 is a span beyond float64: the row-number check's max - min overflowed
    rows = [f"{v},{i},{i % 2}" for i, v in enumerate(["1e308", "-1e308"] * 10)]
    (tmp_path / "d.csv").write_text("\n".join(["a,b,label", *rows]) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(DataError, match=r"d\.csv: features contain NaN or inf .*float32"):
            load_csv(path=tmp_path / "d.csv", label_column="label")

"""Degenerate features of a user's .npz (h298): 64-bit integers beyond 2**53 (ids, counters
from an offset) lost their digits to the float64 copy that standardising centres before the
float32 conversion: 2**62 + k for 719 distinct k < 1000 became 2 values, and the warning
said every sample had the same features."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_npz
from mia_defense.errors import DataError


@pytest.mark.parametrize("dtype", ["<i8", ">u8"])
def test_wide_integers_keep_their_digits_when_standardised(tmp_path, dtype):
    rng = np.random.default_rng(0)
    k = rng.integers(0, 1000, size=(400, 2))
    x = (k + 2**62).astype(dtype)
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(400) % 2)
    got = load_npz(path=tmp_path / "d.npz", standardize=True).x
    for j in range(2):  # the same order, value for value, as the integers' own
        assert len(np.unique(got[:, j])) == len(np.unique(k[:, j]))
        np.testing.assert_array_equal(np.argsort(got[:, j], kind="stable"),
                                      np.argsort(k[:, j], kind="stable"))


def test_a_column_below_float32_is_named(tmp_path, caplog):
    """A float64 column of 1e-310 * normal values, which gave the labels, became zeros in
    the float32 features without a word (the run ended at chance)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    x[:, 1] *= 1e-310
    np.savez(tmp_path / "d.npz", x=x, y=(x[:, 1] > 0).astype(int))
    load_npz(path=tmp_path / "d.npz")
    assert "feature column [1] (counting from 0) holds values of" in caplog.text
    assert "below float32's smallest normal number" in caplog.text


def test_one_dimensional_features_say_how_to_save_them(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.arange(40.0), y=np.arange(40) % 2)
    with pytest.raises(DataError, match=r"d\.npz: features must have shape \[N, \.\.\.\], got "
                       r"\(40,\); one feature per sample: save x\.reshape\(-1, 1\)"):  # fmt: skip
        load_npz(path=tmp_path / "d.npz")
    np.savez(tmp_path / "d.npz", x=np.arange(3.0), y=np.arange(40) % 2)  # not one per sample
    with pytest.raises(DataError, match=r"got \(3,\)$"):
        load_npz(path=tmp_path / "d.npz")


@pytest.mark.parametrize(("value", "held"), [(np.nan, "nan"), (-1e300, r"-1e\+300, beyond")])
def test_a_value_that_is_not_finite_is_named_by_its_column(tmp_path, value, held):
    x = np.ones((6, 4))
    x[2, 3] = value
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(6) % 2)
    with pytest.raises(DataError, match=r"d\.npz: features contain NaN or inf in 1 samples "
                       rf"\(first at sample 2\); its feature 3 \(counting from 0\) holds {held}"):
        load_npz(path=tmp_path / "d.npz")


def test_a_test_set_of_copies_of_population_records_is_said(caplog):
    """Every row twice and plan.test_size=60 of 100 rows: the fresh rows ran short and 28 test
    records copied population records (half of the models trained on each): the test accuracy
    was overstated, and the warning said the plan kept such copies out of the test set."""
    from mia_defense.data import Dataset
    from mia_defense.pipeline.data import warn_duplicates
    from mia_defense.plan import make_plan

    x = np.repeat(np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32), 2, axis=0)
    data = Dataset(x=x, y=np.arange(100) % 2, num_classes=2, name="d")
    for test_size, said in ((10, False), (60, True)):
        caplog.clear()
        warn_duplicates(data, make_plan(data, num_models=2, population_size=40,
                                        test_size=test_size, seed=0))
        assert ("test records copy a population record" in caplog.text) is said

"""An .npz of int64 timestamps or float64 values beyond 2**24 (h388): dataset=npz uses its
features unstandardised by default, and their float32 copy merged them (seconds since 1970,
7 s apart: 300 distinct values became 17; 2**25 + k: distinct records became exact copies)
without a word, where the CSV loader warned of the same column."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense.data import load_csv, load_npz

_LOGGER = "mia_defense.data.tabular"


def _timestamps(tmp_path, step: int, dtype=np.int64):
    rng = np.random.default_rng(0)
    seconds = 1_700_000_000 + np.arange(300, dtype=np.int64) * step
    x = np.stack([seconds, rng.integers(0, 5, 300)], axis=1).astype(dtype)
    rng.shuffle(x)  # (not in file order: no row-number warning)
    path = tmp_path / f"events_{step}.npz"
    np.savez(path, x=x, y=np.arange(300) % 2)
    return path


def test_values_merged_by_float32_are_warned_unstandardised(tmp_path, caplog):
    for dtype in (np.int64, np.float64):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=_LOGGER):
            data = load_npz(path=_timestamps(tmp_path, 7, dtype))
        assert np.unique(data.x[:, 0]).size == 17  # what the warning is about
        assert ("column 0 (counting from 0) of array 'x' holds values beyond 2**24 = 16777216 "
                "in magnitude, where the float32 features keep fewer digits") in caplog.text
        assert "its 300 distinct values are 17 as features; set dataset.standardize=true" \
            in caplog.text


def test_standardised_or_still_distinct_columns_are_not_warned(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        data = load_npz(path=_timestamps(tmp_path, 7), standardize=True)
        assert np.unique(data.x[:, 0]).size == 300
        # 1000 s apart: rounded to float32's step of 128, but every value still its own
        data = load_npz(path=_timestamps(tmp_path, 1000))
        assert np.unique(data.x[:, 0]).size == 300
    assert "2**24" not in caplog.text


def test_the_csv_loader_still_says_it_in_its_words(tmp_path, caplog):
    """The check is the csv loader's, shared: its message keeps the line."""
    path = tmp_path / "events.csv"
    path.write_text("t,b,label\n" + "".join(f"{1_700_000_000 + i * 7},{i % 5},{i % 2}\n"
                                            for i in range(300)))
    with caplog.at_level(logging.WARNING, logger="mia_defense.data.csv_file"):
        load_csv(path=path, label_column="label", standardize=False)
    assert ("column 't' holds values beyond 2**24 = 16777216 in magnitude, where the float32 "
            "features keep fewer digits (1700000007 on line 3 is held as 1700000000): its 300 "
            "distinct values are 17 as features") in caplog.text

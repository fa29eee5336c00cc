"""Hostile inputs (helper 149) of the CSV loader: numbers float32 features cannot tell apart."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense.data import load_csv

_LOGGER = "mia_defense.data.csv_file"


def _timestamps(tmp_path, step: int):
    path = tmp_path / "events.csv"
    path.write_text("t,b,label\n" + "".join(f"{1_700_000_000 + i * step},{i % 5},{i % 2}\n"
                                            for i in range(300)))
    return path


def test_timestamps_merged_by_float32_are_warned_unstandardised(tmp_path, caplog):
    """dataset.standardize=false (as for DP-SGD with a valid ε): seconds since 1970, 7 s
    apart, became 17 feature values of 300 distinct ones, without a word (standardising
    centres the column first, in float64, and keeps them apart)."""
    path = _timestamps(tmp_path, 7)
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        data = load_csv(path=path, label_column="label", standardize=False)
    assert np.unique(data.x[:, 0]).size == 17  # what the warning is about
    assert ("events.csv: column 't' holds values beyond 2**24 = 16777216 in magnitude, where "
            "the float32 features keep fewer digits (1700000007 on line 3 is held as "
            "1700000000): its 300 distinct values are 17 as features; set "
            "dataset.standardize=true") in caplog.text


def test_standardised_or_still_distinct_columns_are_not_warned(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        data = load_csv(path=_timestamps(tmp_path, 7), label_column="label")
        assert np.unique(data.x[:, 0]).size == 300
        # 1000 s apart: rounded to float32's step of 128, but every value still its own
        load_csv(path=_timestamps(tmp_path, 1000), label_column="label", standardize=False)
    assert "beyond 2**24" not in caplog.text

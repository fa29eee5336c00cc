"""A wide CSV (genomics: tens of thousands of columns) with many of them in
dataset.drop_columns, or a long dataset.categories list against a column of many codes, took
seconds per check: each name was looked up in the header (or the list) as a list, once per
name (25,000 dropped of 50,000 columns: 11 s for 4 rows, in the config check and again in
the load). The lookups are sets now; what they find is unchanged."""

from __future__ import annotations

import time

import pytest

from mia_defense.data import load_csv
from mia_defense.data.checks import as_written
from mia_defense.errors import ConfigError

_WIDTH = 50_000


def _wide_csv(tmp_path):
    header = [f"c{j}" for j in range(_WIDTH)]
    rows = [",".join("1" if (i + j) % 3 else "0" for j in range(_WIDTH)) + f",{i % 2}"
            for i in range(4)]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join([",".join([*header, "label"]), *rows]) + "\n")
    return path


def test_dropping_half_of_a_wide_header_is_quick(tmp_path):
    path = _wide_csv(tmp_path)
    drop = [f"c{j}" for j in range(0, _WIDTH, 2)]
    start = time.perf_counter()
    data = load_csv(path=path, label_column="label", drop_columns=drop)
    assert time.perf_counter() - start < 5  # (11 s before)
    assert data.x.shape == (4, _WIDTH // 2)


def test_a_dropped_name_the_wide_header_lacks_is_still_refused(tmp_path):
    path = _wide_csv(tmp_path)
    with pytest.raises(ConfigError, match=r"dataset.drop_columns: .*wide\.csv has no column "
                                          r"'c50000'"):
        load_csv(path=path, label_column="label", drop_columns=["c1", "c50000"])


def test_many_names_against_a_long_list_are_matched_at_once():
    listed = [f"code{j}" for j in range(60_000)]
    names = [f"code{j}" for j in range(0, 60_000, 2)]
    start = time.perf_counter()
    assert as_written(names, listed) == names
    assert as_written(["cafe\u0301", "code3"], ["caf\u00e9", *listed]) == ["caf\u00e9", "code3"]
    assert time.perf_counter() - start < 2

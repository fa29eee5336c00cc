"""The CSV loader's column refusals named a column by its repr (``'a\\\\b'`` for a header's
``a\\b``, ``'a\\nb'`` for one holding a line end), where its lists and "did you mean" name it
as a setting types it (`checks.shown_name`: ``'a\\b'``, ``'a\\x0ab'``): the same column was
spelt two ways in one message, and the repr's spelling, typed back, names no column. Each
refusal of `csv_columns` names a column by `shown_name` now."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mia_defense.data import csv_columns
from mia_defense.data.checks import shown_name
from mia_defense.data.csv_columns import Table
from mia_defense.errors import ConfigError, DataError

# a backslash, a quote, a line end, a terminal's escape
NAMES = ["a\\b", "it's", "a\nb", "a\x1b[2Jb"]
PATH = Path("c.csv")


def _table(name: str, column: list[float], categories: list[str] | None) -> Table:
    """Three rows: column ``name`` of ``column``'s values beside a numeric 'f'; label 'y'."""
    values = np.array([[v, 1.0] for v in column])
    return Table(names=[name, "f"], labels=["0", "1", "0"], lines=np.arange(2, 5),
                 values=values, categories=[categories, None], label="y")  # fmt: skip


def _refusals(name: str) -> dict[str, Callable[[], object]]:
    """Each refusal naming the column ``name``, by what it refuses."""
    nan, inf = float("nan"), float("inf")
    return {
        "label dropped": lambda: csv_columns.check_column_settings(
            label_column=name, drop=frozenset({name}), fixed={}),
        "label fixed": lambda: csv_columns.check_column_settings(
            label_column=name, drop=frozenset(), fixed={name: ("a",)}),
        "dropped and fixed": lambda: csv_columns.check_column_settings(
            label_column="y", drop=frozenset({name}), fixed={name: ("a",)}),
        "too many categories": lambda: csv_columns.check_categories(
            _table(name, [0, 1, 2], ["a", "b", "c"]), path=PATH, max_categories=2),
        "fixed label": lambda: csv_columns.check_fixed_columns(
            {name: ("a",)}, ["f"], path=PATH, label_column=name),
        "fixed missing": lambda: csv_columns.check_fixed_columns(
            {name: ("a",)}, ["f"], path=PATH, label_column="y"),
        "fixed numbers": lambda: csv_columns.apply_fixed(
            _table(name, [0, 1, 2], None), {name: ("a",)}, path=PATH, label_column="y"),
        "fixed outside": lambda: csv_columns.apply_fixed(
            _table(name, [0, 1, 0], ["a", "b"]), {name: ("a",)}, path=PATH, label_column="y"),
        "empty": lambda: csv_columns.check_missing(_table(name, [nan] * 3, None), path=PATH),
        "missing": lambda: csv_columns.check_missing(_table(name, [0, nan, 1], None), path=PATH),
        "beyond float32": lambda: csv_columns.check_range(
            np.array([[0, 1], [inf, 1], [1, 1]]), _table(name, [0, inf, 1], None), path=PATH),
    }  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("refusal", sorted(_refusals("x")))
def test_each_column_refusal_shows_the_name_as_a_setting_types_it(refusal, name):
    with pytest.raises((ConfigError, DataError)) as refused:
        _refusals(name)[refusal]()
    said = str(refused.value)
    shown = shown_name(name, {name, "f", "y"})
    assert shown in said, said
    assert "\n" not in said and "\x1b" not in said, said
    if repr(name) != shown:
        assert repr(name) not in said, said


def test_the_other_empty_columns_are_listed_as_names_too():
    names = ["e\\1", "e\n2", "f"]
    table = Table(names=names, labels=["0", "1"], lines=np.arange(2, 4),
                  values=np.array([[np.nan, np.nan, 1.0]] * 2), categories=[None] * 3,
                  label="y")  # fmt: skip
    with pytest.raises(DataError) as refused:
        csv_columns.check_missing(table, path=PATH)
    said = str(refused.value)
    assert "column 'e\\1' is empty on every row (2 rows), and so is 1 more (['e\\x0a2'])" in said

"""A wide CSV (genomics: tens of thousands of columns) with many of them in
dataset.drop_columns, or a long dataset.categories list against a column of many codes, took
seconds per check: each name was looked up in the header (or the list) as a list, once per
name (25,000 dropped of 50,000 columns: 11 s for 4 rows, in the config check and again in
the load). The lookups are sets now; what they find is unchanged."""

from __future__ import annotations

import pytest

from mia_defense.data import csv_file, load_csv
from mia_defense.data.checks import as_written
from mia_defense.errors import ConfigError

_WIDTH = 50_000


class _Name(str):
    """A name that counts how often it is compared: looked up in a set, about once; in a
    list, once per entry passed (what made these checks quadratic)."""

    compared = 0
    __hash__ = str.__hash__

    def __eq__(self, other: object) -> bool:
        _Name.compared += 1
        return str.__eq__(self, other)


def _compared(names, check) -> int:
    """How often ``check`` compares the names of ``names`` (as counting `_Name`s)."""
    _Name.compared = 0
    check([_Name(name) for name in names])
    return _Name.compared


def _counted_drop_columns(monkeypatch) -> None:
    """dataset.drop_columns' names, once checked (stripped: plain text again), as `_Name`s
    for the header checks and the load."""
    check = csv_file.check_drop_columns
    monkeypatch.setattr(csv_file, "check_drop_columns",
                        lambda drop: frozenset(_Name(name) for name in check(drop)))


def _wide_csv(tmp_path, width=_WIDTH):
    header = [f"c{j}" for j in range(width)]
    rows = [",".join("1" if (i + j) % 3 else "0" for j in range(width)) + f",{i % 2}"
            for i in range(4)]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join([",".join([*header, "label"]), *rows]) + "\n")
    return path


def test_dropping_half_of_a_wide_header_is_quick(tmp_path, monkeypatch):
    """Counted, not timed (speed lives in the bench): each dropped name is compared a few
    times whatever the width (500 dropped of 1,000 columns: 1,501 comparisons; looked up
    in the header as a list, 500,501, and 25,000 of 50,000 took 11 s)."""
    _counted_drop_columns(monkeypatch)
    small = _wide_csv(tmp_path, width=1000)
    compared = _compared([f"c{j}" for j in range(0, 1000, 2)], lambda drop: load_csv(
        path=small, label_column="label", drop_columns=drop))
    assert 500 <= compared <= 4 * 500, compared  # (each at least once: the names were met)
    path = _wide_csv(tmp_path)
    drop = [f"c{j}" for j in range(0, _WIDTH, 2)]
    data = load_csv(path=path, label_column="label", drop_columns=drop)
    assert data.x.shape == (4, _WIDTH // 2)


def test_a_dropped_name_the_wide_header_lacks_is_still_refused(tmp_path):
    path = _wide_csv(tmp_path)
    with pytest.raises(ConfigError, match=r"dataset.drop_columns: .*wide\.csv has no column "
                                          r"'c50000'"):
        load_csv(path=path, label_column="label", drop_columns=["c1", "c50000"])


def test_many_names_against_a_long_list_are_matched_at_once():
    """Counted, not timed: each name is compared once (in the list, 500 names against
    1,000 codes were compared 250,000 times, and 30,000 against 60,000 took 11 s)."""
    listed = [f"code{j}" for j in range(60_000)]
    names = [f"code{j}" for j in range(0, 60_000, 2)]
    compared = _compared(names[:500], lambda some: as_written(some, listed[:1000]))
    assert 500 <= compared <= 2 * 500, compared
    assert as_written(names, listed) == names
    assert as_written(["cafe\u0301", "code3"], ["caf\u00e9", *listed]) == ["caf\u00e9", "code3"]

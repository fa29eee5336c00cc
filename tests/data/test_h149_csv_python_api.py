"""Hostile inputs (helper 149) of the CSV loader from Python and in other encodings."""

from __future__ import annotations

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import ConfigError, DataError

_TEXT = "a,b,label\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(20))


@pytest.mark.parametrize("label_column", [1.5, True, None, ["label"]])
def test_a_label_column_that_is_no_name_is_refused(tmp_path, label_column):
    """From Python (no config check ran), label_column=1.5 or True ended in an
    AttributeError traceback from the header check ('float' object has no attribute
    'casefold')."""
    path = tmp_path / "data.csv"
    path.write_text(_TEXT)
    with pytest.raises(ConfigError, match=r"dataset\.label_column=.*: must be the header name "
                                          r"of the label column"):
        load_csv(path=path, label_column=label_column)


def test_utf32_text_is_named_as_such(tmp_path):
    # its byte-order mark begins as UTF-16's does: it was called UTF-16 text
    path = tmp_path / "wide.csv"
    path.write_bytes(_TEXT.encode("utf-32"))
    with pytest.raises(DataError, match=r"wide\.csv: not a readable CSV text file \(.*\); it is "
                                        r"UTF-32 text; save it as UTF-8"):
        load_csv(path=path, label_column="label")


def test_a_first_line_of_numbers_and_text_says_it_may_be_a_sample(tmp_path):
    """UCI's adult.data has no header line: its first sample was taken for the column names
    and 'no column 'income' in the header ['39', 'State-gov', '77516', ...]' said no more
    (only a line of numbers alone was told to be a sample)."""
    path = tmp_path / "adult.data"
    path.write_text("39, State-gov, 77516, Bachelors, 13, <=50K\n"
                    "50, Self-emp-not-inc, 83311, Bachelors, 13, >50K\n")
    with pytest.raises(DataError, match=r"adult\.data: no column 'income' in the header .*; set "
                                        r"dataset\.label_column \(line 1 holds numbers among the "
                                        r"names, \['39', '77516', '13'\]: if it is a sample, as "
                                        r"in UCI's adult\.data, the file has no header line"):
        load_csv(path=path, label_column="income")

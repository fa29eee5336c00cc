"""Hostile inputs (helper 149) of the CSV loader: two files joined with their headers."""

from __future__ import annotations

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError

_COLOURS, _SIZES = ("red", "green", "blue"), ("S", "M", "L", "XL")


def _part(rows: int) -> str:
    """A CSV of text columns only (as UCI's mushroom or car files): header and rows."""
    return "colour,size,label\n" + "".join(
        f"{_COLOURS[i % 3]},{_SIZES[i * 7 % 4]},{'yes' if (i % 3 == 0) ^ (i % 4 == 1) else 'no'}\n"
        for i in range(rows)
    )


def test_a_header_repeated_inside_the_file_is_refused(tmp_path):
    """cat a.csv b.csv keeps b's header as line 22: with no column of numbers to mix it
    with, it was read as a sample, 'label' a third class of one sample and 'colour' and
    'size' categories of their own columns, without a word."""
    path = tmp_path / "joined.csv"
    path.write_text(_part(20) + _part(20))
    with pytest.raises(DataError, match=r"joined\.csv: line 22 repeats the header line "
                                        r"\['colour', 'size', 'label'\]: files joined together"):
        load_csv(path=path, label_column="label")


def test_a_label_named_as_its_column_is_still_a_label(tmp_path):
    # only a whole row equal to the header is refused: a class may bear the column's name
    path = tmp_path / "named.csv"
    path.write_text(_part(20).replace(",yes\n", ",label\n"))
    data = load_csv(path=path, label_column="label")
    assert data.class_labels == ("label", "no")
    assert len(data) == 20

"""Hostile inputs (helper 149) of the CSV loader: header lines out of place (files joined with
their headers, a file without one)."""

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


def test_a_headerless_file_whose_first_label_names_the_label_column_is_refused(tmp_path):
    """iris.data has no header line; 'no column' listed its first sample as the names, and
    dataset.label_column=Iris-setosa, the name listed, then loaded the file with that sample
    taken for the header: one sample fewer, features named '5.1', '3.5', without a word."""
    path = tmp_path / "iris.data"
    path.write_text("5.1,3.5,1.4,0.2,Iris-setosa\n4.9,3.0,1.4,0.2,Iris-setosa\n"
                    "7.0,3.2,4.7,1.4,Iris-versicolor\n6.4,3.2,4.5,1.5,Iris-versicolor\n")
    with pytest.raises(DataError, match=r"iris\.data: line 1, read as the column names, is a "
                                        r"sample: it holds numbers \(\['5\.1', '3\.5', '1\.4'\]\)"
                                        r", and the name it gives the label column, "
                                        r"'Iris-setosa' \(dataset\.label_column\), is the label "
                                        r"of line 2 as well; the file has no header line"):
        load_csv(path=path, label_column="Iris-setosa")

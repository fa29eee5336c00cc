"""Red-team checks of the CSV loader: identifier columns and numbers written with Unicode."""

from __future__ import annotations

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


def test_identifier_column_is_refused_while_parsing_not_after_it(tmp_path):
    # Every value of 'id' distinct: each became a dict entry (~200 bytes a row, over the
    # 16 bytes per byte of file the memory check assumes) for the whole file, and only
    # then was the column refused; parsing stops once the column is past any use.
    path = tmp_path / "customers.csv"
    path.write_text("id,a,label\n" + "".join(f"c{i},{i % 7},{i % 2}\n" for i in range(3000)))
    with pytest.raises(DataError, match=r"customers\.csv: column 'id' has more than 1000 "
                                        r"distinct text values by line 1002 \(e\.g\. "
                                        r".*more than dataset\.max_categories=100 one-hot"):
        load_csv(path=path, label_column="label")


def test_raised_max_categories_stops_one_past_it(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("id,a,label\n" + "".join(f"c{i},{i % 7},{i % 2}\n" for i in range(3000)))
    with pytest.raises(DataError, match=r"column 'id' has more than 2000 distinct text values "
                                        r"by line 2002"):
        load_csv(path=path, label_column="label", max_categories=2000)


def test_numbers_as_text_message_wins_over_the_category_count(tmp_path):
    # a decimal-comma column of many values is still told apart from an identifier
    path = tmp_path / "comma.csv"
    path.write_text("a;b;label\n" + "".join(f"{i},5;{i % 7};{i % 2}\n" for i in range(1500)))
    with pytest.raises(DataError, match=r"column 'a' holds numbers written as text"):
        load_csv(path=path, label_column="label", delimiter=";")

"""A column of numbers with thousands separators ("1,234,567", "1,012.5" quoted in a
comma-separated file; Swiss "1'234'567"; Indian "12,34,567") is refused as the decimal
commas of test_data_redteam9 are: it was one-hot encoded as one category per distinct
number, silently (an income column of 40 records became 40 indicator columns, one per
record: an identifier a model memorises)."""
import re

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


@pytest.mark.parametrize("values", [["1,000,000", "1,012,345", "2,500,000"],
                                    ["1,000.5", "12,500.25", "1,999.5"],
                                    ["1'000'000", "1'012'345", "2'500'000"],  # Swiss
                                    ["10,00,000", "1,01,234", "25,00,000"]])  # Indian
def test_a_column_with_thousands_separators_is_refused(tmp_path, values):
    path = tmp_path / "d.csv"
    rows = [f'"{values[i % 3]}",{i % 4},{i % 2}\n' for i in range(12)]
    path.write_text("income,b,y\n" + "".join(rows))
    first = values[0]
    with pytest.raises(DataError, match=rf"d.csv: column 'income' holds numbers written as text "
                       rf"\({re.escape(repr(first))} on line 2, .*write plain numbers with a "
                       r"decimal point \(3.5, 0.12\), without thousands separators"):
        load_csv(path=path, label_column="y")


def test_a_decimal_comma_is_not_told_of_thousands_separators(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a;b;y\n" + "".join(f"{['3,5', '4,25'][i % 2]};{i % 4};{i % 2}\n"
                                        for i in range(12)))
    with pytest.raises(DataError, match=r"decimal point \(3.5, 0.12\)$"):
        load_csv(path=path, label_column="y", delimiter=";")

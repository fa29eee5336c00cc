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


@pytest.mark.parametrize(("values", "shown"), [
    (["\u22123", "\u22124.5", "\u22125"], "'\u22123'"),  # a Unicode minus sign: all negative
    (["1\u00a0234", "2\u00a0345", "3\u00a0456"], "'1\\\\xa0234'"),  # NBSP thousands
    (["1 234", "12 345", "\u2212123 456"], "'1 234'"),  # spaces between digit groups
    # Arabic decimal and thousands separators, with Arabic-Indic digits
    (["\u0663\u066b\u0665", "\u0661\u066c\u0662\u0663\u0664", "\u0664\u066b\u0660"],
     "'\u0663\u066b\u0665'"),
])
def test_numbers_with_unicode_minus_or_spaced_groups_are_refused(tmp_path, values, shown):
    # a column of such numbers only was one-hot encoded as categories, silently
    path = tmp_path / "signs.csv"
    rows = "".join(f"{values[i % 3]},{i % 5},{i % 2}\n" for i in range(12))
    path.write_text("a,b,label\n" + rows, encoding="utf-8")
    with pytest.raises(DataError, match=rf"signs\.csv: column 'a' holds numbers written as "
                                        rf"text \({shown} on line 2, a Unicode minus "
                                        rf"sign, an Arabic decimal separator"):
        load_csv(path=path, label_column="label")


def test_non_ascii_decimal_digits_are_refused_as_numbers_only_to_python(tmp_path):
    # Arabic-Indic and full-width digits are numbers to Python alone (pandas and
    # spreadsheets read text), as 1_000 is: refused alike, saying what to write (h587; they
    # were kept as their numbers before)
    path = tmp_path / "digits.csv"
    path.write_text("a,b,label\n\u0663,1,\u0661\n\uff14,2,0\n5,4,1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"digits\.csv: line 2, column 'a' holds '\u0663', a "
                                        r"number only to Python \(digits other than 0-9\).*"
                                        r"write it as 3, "):
        load_csv(path=path, label_column="label", standardize=False)


def test_label_out_of_range_names_the_line(tmp_path):
    # "found 5 at sample 1": a count from 0 of the data rows, which is no line of the file
    # (line 3 here); the features' own range error names the line already
    path = tmp_path / "labels.csv"
    path.write_text("a,label\n1,0\n3,5\n1,1\n")
    with pytest.raises(DataError, match=r"labels\.csv: labels must lie in \[0, 2\), found 5 at "
                                        r"sample 1 \(1 labels out of range\); sample 1 is line "
                                        r"3, column 'label'"):
        load_csv(path=path, label_column="label", num_classes=2)


def test_one_long_text_label_does_not_cost_its_length_for_every_row(tmp_path):
    # np.array(labels) made one fixed-width string per row, as wide as the longest label:
    # one 10,000-character label among 1,000 rows took 40 MB (a 100 KB label among 1M rows:
    # 400 GB); the classes are now looked up in a dict
    import tracemalloc

    path = tmp_path / "long.csv"
    labels = ["x" * 10_000 if i == 7 else "ab"[i % 2] for i in range(1000)]
    path.write_text("a,label\n" + "".join(f"{i % 9},{label}\n" for i, label in enumerate(labels)))
    tracemalloc.start()
    try:
        data = load_csv(path=path, label_column="label", standardize=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert data.class_labels == ("a", "b", "x" * 10_000)
    assert data.y[:8].tolist() == [0, 1, 0, 1, 0, 1, 0, 2]
    assert peak < 10_000_000, peak

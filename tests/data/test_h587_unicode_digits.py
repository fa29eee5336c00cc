"""Digits other than ASCII ones (full-width '１.５', Arabic-Indic '٣') in a CSV were read
as numbers without a word by Python's float() and int(), while '1_000', a number to Python
alone too, is refused (refuse_underscore): other tools (pandas, spreadsheets) read them as
text. One rule: both are refused, naming the line, the column and what to write."""
import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


def _write(tmp_path, a="1.5", y="1"):
    path = tmp_path / "d.csv"
    rows = [f"{i % 5}.5,{i % 3},{i % 2}\n" for i in range(12)]
    rows[4] = f"{a},2,{y}\n"
    path.write_text("a,b,y\n" + "".join(rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(("value", "plain"), [("１.５", "1.5"), ("٣", "3"), ("-１２", "-12")])
def test_a_feature_in_other_digits_is_refused(tmp_path, value, plain):
    path = _write(tmp_path, a=value)
    with pytest.raises(DataError, match=(
            rf"d.csv: line 6, column 'a' holds {value!r}, a number only to Python \(digits "
            rf"other than 0-9\); other tools read it as text: write it as {plain}, ")):
        load_csv(path=path, label_column="y")


def test_a_label_in_full_width_digits_is_refused(tmp_path):
    path = _write(tmp_path, y="１")
    with pytest.raises(DataError, match=(
            r"d.csv: line 6, column 'y' holds '１', a number only to Python \(digits other "
            r"than 0-9\); other tools read it as text: write it as 1, ")):
        load_csv(path=path, label_column="y")


def test_text_with_other_characters_stays_text(tmp_path):
    path = tmp_path / "d.csv"
    rows = [f"{['café', 'thé', 'maté'][i % 3]},{i % 5},{i % 2}\n" for i in range(12)]
    path.write_text("a,b,y\n" + "".join(rows), encoding="utf-8")
    assert load_csv(path=path, label_column="y").one_hot_columns == ("a",)

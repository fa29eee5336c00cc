"""A number written with a full-width decimal point (U+FF0E: '１．５' or '1．5', as Japanese
and Chinese input methods type it) is text to Python's float(), so a CSV feature of them
became a one-hot text category without a word, or a column beside plain numbers was
refused as mixing numbers and text, with no word of what to write; full-width digits alone
('１.５') are refused, naming the line, the column and what to write (test_h587_unicode_
digits): these are refused alike."""
import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


def _write(tmp_path, a="1.5", y="1", fill=None):
    path = tmp_path / "d.csv"
    rows = [f"{fill or f'{i % 5}.5'},{i % 3},{i % 2}\n" for i in range(12)]
    rows[4] = f"{a},2,{y}\n"
    path.write_text("a,b,y\n" + "".join(rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(("value", "plain", "chars"), [
    ("1．5", "1.5", r"'．' for '\.'"),
    ("１．５", "1.5", r"'．' for '\.', digits other than 0-9"),
    ("－１．５", "-1.5", r"'－' for '-', '．' for '\.', digits other than 0-9"),
    ("．５", ".5", r"'．' for '\.', digits other than 0-9"),
])
def test_a_feature_with_a_full_width_point_is_refused(tmp_path, value, plain, chars):
    path = _write(tmp_path, a=value)
    with pytest.raises(DataError, match=(
            rf"d.csv: line 6, column 'a' holds {value!r}, a number written with full-width "
            rf"characters \({chars}\), which Python and other tools read as text: write it as "
            rf"{plain}, or as a text value that is no number")):
        load_csv(path=path, label_column="y")


def test_a_column_of_them_alone_is_refused(tmp_path):
    path = _write(tmp_path, a="２．５", fill="1．5")  # (no plain number: no 'mixes')
    with pytest.raises(DataError, match=r"d.csv: line 2, column 'a' holds '1．5', a number "
                                        r"written with full-width characters"):
        load_csv(path=path, label_column="y")


def test_a_label_with_a_full_width_point_is_refused(tmp_path):
    path = _write(tmp_path, y="１．０")
    with pytest.raises(DataError, match=r"d.csv: line 6, column 'y' holds '１．０', a number "
                                        r"written with full-width characters .*write it as 1.0"):
        load_csv(path=path, label_column="y")


def test_decimal_commas_in_full_width_say_so(tmp_path):
    path = tmp_path / "d.csv"
    rows = [f"{i % 5},5;{i % 3};{i % 2}\n" for i in range(12)]
    rows[4] = "１，５;2;1\n"
    path.write_text("a;b;y\n" + "".join(rows), encoding="utf-8")
    with pytest.raises(DataError, match=r"line 6, column 'a' holds '１，５', .*\('，' for ',',"
                                        r" digits other than 0-9\).*write it as 1,5"):
        load_csv(path=path, label_column="y", delimiter=";", decimal=",")


def test_full_width_letters_stay_text(tmp_path):
    path = _write(tmp_path, fill="ＡＢ", a="Ｃ．")
    assert load_csv(path=path, label_column="y").one_hot_columns == ("a",)


def test_a_text_category_is_checked_once(tmp_path, monkeypatch):
    from mia_defense.data import csv_file, csv_numbers

    seen = []
    check = csv_numbers.refuse_full_width
    for module in (csv_numbers, csv_file):  # (wherever the parse calls it from)
        monkeypatch.setattr(module, "refuse_full_width", raising=False,
                            value=lambda field, **kw: seen.append(field) or check(field, **kw))
    path = tmp_path / "d.csv"  # (a check of every row's field doubled a Japanese file's parse)
    rows = [f"{['東京', '大阪'][i % 2]},{i % 5},{i % 2}\n" for i in range(40)]
    path.write_text("a,b,y\n" + "".join(rows), encoding="utf-8")
    load_csv(path=path, label_column="y")
    assert sorted(seen) == ["大阪", "東京"]

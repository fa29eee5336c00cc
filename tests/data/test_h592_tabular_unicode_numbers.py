"""Numbers in digits other than 0-9 ('１', Arabic-Indic '٣') or with full-width characters
('１．５', '1．5') in Purchase100's and Texas100's text files were refused as 'not a
comma-separated numeric file (could not convert string '１' to float32 at row 4, column
7.); expected one sample per line, values separated by commas', numpy's row counted from 0
among the lines of data, and no word of what to write: the refusal now names the line and
the value, with the CSV loader's advice (test_h587_unicode_digits,
test_h592_full_width_decimal_point)."""

from __future__ import annotations

import pytest

from mia_defense.data import load_purchase100, load_texas100
from mia_defense.errors import DataError


def _purchase(tmp_path, value, *, at=(5, 7)):
    """dataset_purchase of 8 customers (label, 6 features; a blank line 3), ``value`` at
    line and value ``at``."""
    lines = [f"{i % 3 + 1},1,0,1,0,0,1" for i in range(8)]
    lines.insert(2, "")
    fields = lines[at[0] - 1].split(",")
    fields[at[1] - 1] = value
    lines[at[0] - 1] = ",".join(fields)
    path = tmp_path / "dataset_purchase"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _texas(tmp_path, value, *, labels=False):
    feats = ["1,0,1,0,0,1"] * 8
    marks = [str(i % 3 + 1) for i in range(8)]
    if labels:
        marks[5] = value
    else:
        feats[5] = "1,0,1," + value + ",0,1"
    (tmp_path / "feats").write_text("# patients\n" + "\n".join(feats) + "\n", encoding="utf-8")
    (tmp_path / "labels").write_text("# labels\n" + "\n".join(marks) + "\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("value", "words"), [
    ("１", r"'１', a number only to Python \(digits other than 0-9\); other tools read it as "
          r"text: write it as 1$"),
    ("٣", r"'٣', a number only to Python \(digits other than 0-9\).*write it as 3$"),
    ("１．５", r"'１．５', a number written with full-width characters \('．' for '\.', digits "
             r"other than 0-9\), which Python and other tools read as text: write it as 1.5$"),
    ("1．5", r"'1．5', a number written with full-width characters.*write it as 1.5$"),
    ("1_0", r"'1_0', a number only to Python \(digits grouped with '_'\).*write it as 10$"),
])
def test_a_purchase_feature_names_its_line_and_what_to_write(tmp_path, value, words):
    path = _purchase(tmp_path, value)
    with pytest.raises(DataError, match=(
            rf"dataset_purchase: line 5, value 7 \(feature 6, after the label\) holds {words}")):
        load_purchase100(path=path)


def test_a_purchase_label_is_named_as_the_label(tmp_path):
    path = _purchase(tmp_path, "２", at=(7, 1))
    with pytest.raises(DataError, match=r"dataset_purchase: line 7, value 1 \(the label\) "
                                        r"holds '２', .*write it as 2$"):
        load_purchase100(path=path)


def test_texas_feats_and_labels_name_their_line(tmp_path):
    folder = _texas(tmp_path, "０．０")
    with pytest.raises(DataError, match=r"feats: line 7, value 4 holds '０．０', a number "
                                        r"written with full-width characters.*write it as 0.0$"):
        load_texas100(path=folder)
    folder = _texas(tmp_path, "５", labels=True)
    with pytest.raises(DataError, match=r"labels: line 7, value 1 holds '５', .*write it as 5$"):
        load_texas100(path=folder)


def test_other_text_keeps_its_words(tmp_path):
    path = _purchase(tmp_path, "ｘ")
    with pytest.raises(DataError, match=r"could not convert string 'ｘ'.*expected one sample "
                                        r"per line"):
        load_purchase100(path=path)

"""A label column mixing numbers written with a thousands separator ("1,000") and plain
integers ("5") was refused as "mixes numbers ('5' on line 3) and text ('1,000' on line 2);
use one kind of label", without saying that '1,000' is a number to write 1000, as the
column of "1,000" alone (10d5f462) and "1,000" beside words (3d934428) say."""

from __future__ import annotations

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


def _csv(tmp_path, labels):
    path = tmp_path / "d.csv"
    rows = [f'{i},"{label}"' for i, label in enumerate(labels)]
    path.write_text("a,y\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_thousands_separators_beside_plain_integers_say_what_to_write(tmp_path):
    path = _csv(tmp_path, ["1,000", "5", "2,000", "7"])
    with pytest.raises(DataError, match=(
            r"d.csv: column 'y' mixes numbers \('5' on line 3\) and text \('1,000' on line 2\); "
            r"use one kind of label: '1,000' \(line 2\) is a number written with a thousands "
            r"separator or a decimal comma, which reads as text: write plain integers "
            r"\(1000, not 1,000\) as class indices$")):
        load_csv(path=path, label_column="y")


def test_a_decimal_comma_beside_plain_integers_says_what_to_write(tmp_path):
    path = _csv(tmp_path, ["5", "7", "0,5", "7"])
    with pytest.raises(DataError, match=r"'0,5' \(line 4\) is a number written with a "
                                        r"thousands separator or a decimal comma, which reads "
                                        r"as text: write plain integers as class indices$"):
        load_csv(path=path, label_column="y")


def test_words_beside_plain_integers_keep_the_plain_refusal(tmp_path):
    path = _csv(tmp_path, ["5", "unknown", "7", "5"])
    with pytest.raises(DataError, match=r"column 'y' mixes numbers \('5' on line 2\) and text "
                                        r"\('unknown' on line 3\); use one kind of label$"):
        load_csv(path=path, label_column="y")

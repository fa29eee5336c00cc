"""A label column mixing numbers written with a thousands separator ("1,000") and words
("unknown") became text classes sorted as text without a word, where all "1,000"-style
labels are refused (test_h587_thousands_labels) and plain numbers beside words are refused
as a mixed column: it is refused too, naming both kinds' first line and what to write."""
import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


def _write(tmp_path, labels):
    path = tmp_path / "d.csv"
    rows = [f'{i % 5},{i % 3},"{labels[i % len(labels)]}"\n' for i in range(12)]
    path.write_text("a,b,y\n" + "".join(rows))
    return path


@pytest.mark.parametrize(("labels", "number", "word"), [
    (["1,000", "2,000", "unknown"], ("1,000", 2, "1000"), ("unknown", 4)),
    (["other", "10,000", "2,000"], ("10,000", 3, "10000"), ("other", 2)),
    (["1'000", "n/a"], ("1'000", 2, "1000"), ("n/a", 3)),
])
def test_grouped_numbers_beside_words_are_refused(tmp_path, labels, number, word):
    path = _write(tmp_path, labels)
    with pytest.raises(DataError, match=(
            rf"d.csv: column 'y' mixes labels written as numbers with a thousands separator "
            rf"or a decimal comma \({number[0]!r} on line {number[1]}\) and text labels "
            rf"\({word[0]!r} on line {word[1]}\): .*sorted as text; use one kind of label: "
            rf"plain integers \({number[2]}, not {number[0]}\) as class indices, or text labels "
            r"that read as no number")):
        load_csv(path=path, label_column="y")


def test_a_decimal_comma_beside_words_is_refused(tmp_path):
    path = _write(tmp_path, ["low", "2,5"])
    with pytest.raises(DataError, match=r"mixes labels written as numbers .*\('2,5' on line 3\) "
                                        r"and text labels \('low' on line 2\).*plain integers "
                                        r"as class indices"):
        load_csv(path=path, label_column="y")


def test_words_with_commas_stay_classes(tmp_path):
    path = _write(tmp_path, ["low, mid", "high, top", "none"])
    assert load_csv(path=path, label_column="y").class_labels == ("high, top", "low, mid", "none")

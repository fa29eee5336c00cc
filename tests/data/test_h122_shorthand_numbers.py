"""A column of numbers in shorthand, accounting negatives in parentheses ("(103)",
"($1,234.50)") or amounts abbreviated with k, M or B ("1k", "2.5M"), is refused as the
decimal commas and thousands separators of test_h116 are: it was one-hot encoded as one
category per distinct number, silently. Among plain numbers, the "mixes numbers and text"
refusal says what the shorthand value is in plain digits."""
import re

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


def _write(tmp_path, values):
    path = tmp_path / "d.csv"
    rows = [f'"{values[i % len(values)]}",{i % 4},{i % 2}\n' for i in range(12)]
    path.write_text("amount,b,y\n" + "".join(rows))
    return path


@pytest.mark.parametrize(("values", "first", "plain"), [
    (["1k", "2.5M", "4k"], "1k", "1000"),
    (["(2.5M)", "(7)"], "(2.5M)", "-2500000"),
    (["(103)", "(7)", "(12.5)"], "(103)", "-103"),
    (["$1,234", "($103)", "$45"], "($103)", "-103"),
    (["12%", "(3%)", "5%"], "(3%)", None),
])
def test_a_column_of_shorthand_numbers_is_refused(tmp_path, values, first, plain):
    line = 2 + values.index(first)
    with pytest.raises(DataError, match=(
            rf"d.csv: column 'amount' holds numbers written as text \({re.escape(repr(first))} "
            rf"on line {line}, a negative in parentheses or an amount abbreviated with k, M "
            r"or B\): they would be one-hot encoded as categories; write plain numbers")) as err:
        load_csv(path=_write(tmp_path, values), label_column="y")
    if plain is not None:
        assert f"{first!r} is {plain}" in str(err.value)


@pytest.mark.parametrize(("value", "plain"), [("(103)", "-103"), ("2.5M", "2500000"),
                                              ("-1k", "-1000")])
def test_shorthand_among_plain_numbers_is_spelled_out(tmp_path, value, plain):
    with pytest.raises(DataError, match=(
            rf"mixes numbers \('12' on line 2\) and text \({re.escape(repr(value))} on line 3\)"
            rf".*\({re.escape(repr(value))} is a number in shorthand, .*: write it {plain}\)$")):
        load_csv(path=_write(tmp_path, ["12", value]), label_column="y")


@pytest.mark.parametrize("values", [["red", "blue"], ["A1", "B2", "C3"], ["1st", "2nd"],
                                    ["(a)", "(b)"], ["5m", "2h"], ["1a", "2b"]])
def test_text_categories_stay_categories(tmp_path, values):
    data = load_csv(path=_write(tmp_path, values), label_column="y")
    assert data.x.shape == (12, len(values) + 1)

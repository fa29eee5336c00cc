"""A CSV line of another number of fields than the header was refused with the counts alone:
'line 2 has 4 fields but the header has 3' for an export that ends every line with a
delimiter but the header (h400), with nothing on what to do. The refusal now says it."""

from __future__ import annotations

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


def _csv(tmp_path, lines, name="d.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _rows(n=20, sep=","):
    return [sep.join([f"{i * 0.5}", f"{i % 3}", f"{i % 2}"]) for i in range(n)]


def test_a_trailing_delimiter_is_named(tmp_path):
    path = _csv(tmp_path, ["a,b,label", *(row + "," for row in _rows())])
    with pytest.raises(DataError) as refused:
        load_csv(path=path, label_column="label")
    assert str(refused.value) == (
        f"{path}: line 2 has 4 fields but the header has 3: it ends with ',', which leaves an "
        "empty last field; remove the delimiter at the end of the lines (or end the header "
        "line with one too, and skip that column without a name: \"dataset.drop_columns=''\")")


def test_the_header_ending_so_too_loads_as_said(tmp_path):
    path = _csv(tmp_path, ["a,b,label,", *(row + "," for row in _rows())])
    assert load_csv(path=path, label_column="label", drop_columns="").x.shape == (20, 2)


@pytest.mark.parametrize(("line", "said"), [
    ("1.5,2", "line 5 has 2 fields but the header has 3; a value missing (or a line cut): "
              "fix that line"),
    ("1.5;2;0;7", "line 5 has 4 fields but the header has 3; a value too many, or a ';' "
                  "inside a value that is not in quotes (quote it: \"1;5\"): fix that line"),
])  # fmt: skip
def test_a_value_missing_or_too_many_says_what_to_do(tmp_path, line, said):
    sep = ";" if ";" in line else ","
    rows = _rows(sep=sep)
    rows[3] = line
    path = _csv(tmp_path, [sep.join(["a", "b", "label"]), *rows])
    with pytest.raises(DataError) as refused:
        load_csv(path=path, label_column="label", delimiter=sep)
    assert str(refused.value) == f"{path}: {said}"

"""A CSV whose header holds both a column named x<ESC> and one written 'x\\x1b' (a
backslash, as typed): the drop suggested for the empty x<ESC>, 'dataset.drop_columns="x\\x1b"',
named the printable column (`as_written` takes a name as written first), so the suggested
run dropped the wrong column and still refused the empty one. The suggestion now spells
the character in a way no header name is written as (\\u001b, else \\U0000001b), which the
loader reads back as the column meant."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError
from mia_defense.override_checks import control_character, parsed_override

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="types through bash")


def _csv(tmp_path, header: list[str], empty: set[int]) -> str:
    rows = [",".join('"' + text.replace('"', '""') + '"' for text in header)]
    for i in range(40):
        rows.append(",".join("" if c in empty else str((i * (c + 3)) % 7) if c < len(header) - 1
                             else str(i % 2) for c in range(len(header))))  # fmt: skip
    path = tmp_path / "c.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def _suggested(message: str):
    said = re.search(r"drop (?:it|them) \((.*)\) or fill", message)
    assert said and said[1].isprintable(), message
    arg = subprocess.run(["bash", "-c", f"printf %s {said[1]}"], capture_output=True,
                         check=True).stdout.decode()  # fmt: skip
    assert control_character([arg]) is None, arg
    return parsed_override(arg).value()


@pytest.mark.parametrize("others", [["x\\x1b"], ["x\\x1b", "x\\u001b"], ["x\\u001b"]])
def test_the_suggested_drop_names_the_empty_column(tmp_path, others):
    header = ["x\x1b", *others, "a", "y"]
    path = _csv(tmp_path, header, empty={0})
    with pytest.raises(DataError) as caught:
        load_csv(path=path, label_column="y")
    dataset = load_csv(path=path, label_column="y", drop_columns=_suggested(str(caught.value)))
    assert dataset.x.shape == (40, len(header) - 2)


def test_two_empty_columns_one_list(tmp_path):
    header = ["x\x1b", "x\\x1b", "p\nq", "p\\nq", "a", "y"]
    path = _csv(tmp_path, header, empty={0, 2})
    with pytest.raises(DataError) as caught:
        load_csv(path=path, label_column="y")
    dataset = load_csv(path=path, label_column="y",
                       drop_columns=list(_suggested(str(caught.value))))
    assert dataset.x.shape == (40, 3)


@pytest.mark.parametrize("rows", [300, 1200])  # (csv_columns' count, csv_numbers' early one)
def test_the_suggested_drop_of_a_text_column_too(tmp_path, rows):
    path = tmp_path / "t.csv"
    path.write_text("\n".join(['"x\x1b","x\\x1b",a,y']
                              + [f"v{i},1,{i % 5},{i % 2}" for i in range(rows)]) + "\n",
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(DataError) as caught:
        load_csv(path=str(path), label_column="y", max_categories=10)
    said = re.search(r"drop the column \((.*?)\), encode", str(caught.value))
    assert said, caught.value
    arg = subprocess.run(["bash", "-c", f"printf %s {said[1]}"], capture_output=True,
                         check=True).stdout.decode()  # fmt: skip
    dataset = load_csv(path=str(path), label_column="y", max_categories=10,
                       drop_columns=parsed_override(arg).value())
    assert dataset.x.shape == (rows, 2)

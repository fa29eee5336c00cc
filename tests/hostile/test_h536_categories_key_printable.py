"""A refusal of dataset.categories wrote the column's own name raw into its
"dataset.categories.<name>" prefix, so a control character in a header's name (or in a key
given from Python) reached the terminal: a column named 'l<ESC>' printed an ESC, and an
ESC[2J cleared the screen. The prefix now spells the name as a setting types it
(`checks.typed_name`), printable, and `checks.as_written` reads it back as that column."""

from __future__ import annotations

import re

import pytest

from mia_defense.data import load_csv
from mia_defense.data.checks import as_written
from mia_defense.data.csv_file import check_csv_source
from mia_defense.errors import ConfigError, DataError

ESC = "\x1b"


def _csv(tmp_path, header: list[str], columns: dict[str, list[str]]) -> str:
    """40 rows: a column of ``columns`` takes its values in turn, the last column (the
    label) 0/1, any other a number."""
    rows = [",".join('"' + name.replace('"', '""') + '"' for name in header)]
    for i in range(40):
        rows.append(",".join(
            columns[name][i % len(columns[name])] if name in columns
            else str(i % 2) if c == len(header) - 1 else str((i * (c + 3)) % 7)
            for c, name in enumerate(header)))  # fmt: skip
    path = tmp_path / "a.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def _refusal(call, **settings) -> str:
    with pytest.raises((ConfigError, DataError)) as caught:
        call(**settings)
    message = str(caught.value)
    assert message.isprintable(), repr(message)
    return message


def _names_column(message: str, column: str, header: list[str]) -> None:
    """The message's dataset.categories.<name> spells ``column``: `as_written` (the path
    by which dataset.categories' columns are matched to the header) reads it back so."""
    keys = re.findall(r"dataset\.categories\.([^\s:=]+)", message)
    assert keys, message
    for key in keys:
        assert as_written([key], header) == [column], (key, message)


# (label column, categories, drop_columns, header, the column the refusal names)
CASES = {
    # apply_fixed/check_fixed_columns: the column (spelt \u001b) is the label column
    "label column (header)": ("l\\x1b", {"l\\u001b": ["a", "b"]}, None,
                              ["a", f"l{ESC}", "b"], f"l{ESC}"),
    # check_fixed_categories: an entry reading as a number
    "no text category": ("l\\x1b", {f"l{ESC}": ["0", "1"]}, None,
                         ["a", f"l{ESC}", "b"], f"l{ESC}"),
    # check_column_settings: the key given raw is the label column given raw
    "label column (settings)": (f"b{ESC}[2J", {f"b{ESC}[2J": ["x", "y"]}, None,
                                ["a", f"b{ESC}[2J"], f"b{ESC}[2J"),
    # check_column_settings: a dropped column with a fixed list
    "dropped": ("b", {f"a{ESC}": ["x", "y"]}, [f"a{ESC}"], [f"a{ESC}", "c", "b"], f"a{ESC}"),
    # check_fixed_columns: no such feature column
    "no feature column": ("b", {f"q{ESC}": ["x", "y"]}, None, ["a", "b"], f"q{ESC}"),
    # apply_fixed: the column holds numbers
    "numbers": ("b", {"a\\x1b": ["x", "y"]}, None, [f"a{ESC}", "b"], f"a{ESC}"),
    # apply_fixed: a value outside the fixed list (a DataError naming the key mid-message)
    "outside": ("b", {"a\\x1b": ["c"]}, None, [f"a{ESC}", "b"], f"a{ESC}"),
    # both spellings in the header: the prefix must name the ESC column, not 'l\\x1b'
    "both spellings": ("b", {"l\\u001b": ["x", "y"]}, None,
                       [f"l{ESC}", "l\\x1b", "b"], f"l{ESC}"),
}
TEXT = {"outside": {f"a{ESC}": ["c", "d"]}, "both spellings": {f"l{ESC}": ["1", "2"]}}


# (check_csv_source reads the header alone: a column's values are load_csv's to refuse)
ON_ROWS = ("numbers", "outside", "both spellings")


@pytest.mark.parametrize(("case", "call"), [
    *((case, load_csv) for case in CASES),
    *((case, check_csv_source) for case in CASES if case not in ON_ROWS)])
def test_categories_refusal_printable_and_named(tmp_path, case, call):
    label, categories, drop, header, column = CASES[case]
    path = _csv(tmp_path, header, TEXT.get(case, {}))
    message = _refusal(call, path=path, label_column=label, categories=categories,
                       drop_columns=drop)
    assert "dataset.categories." in message, message
    _names_column(message, column, [*header, column])

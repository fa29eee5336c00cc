"""The CSV header's refusals named a column by its repr (``no column 'a\\\\b'``,
``'a\\nb' is the label column``, ``has no column 'it\\'s'``) where the rest of the CSV
refusals, and these refusals' own lists and 'did you mean', name it as a setting types it
(`checks.shown_name`, 339b75e4): the repr's spelling, typed back, names no column. Each
refusal of `csv_header` naming a column uses `shown_name` now (h551)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mia_defense.data import csv_header
from mia_defense.data.checks import shown_name
from mia_defense.errors import ConfigError, DataError

# a backslash, a quote, a line end, a terminal's escape
NAMES = ["a\\b", "it's", "a\nb", "a\x1b[2Jb"]
PATH = Path("c.csv")


def _check(header: list[str], label: str, drop: frozenset[str] = frozenset()) -> Callable:
    return lambda: csv_header.check_header(header, path=PATH, label_column=label, drop=drop)


def _refusals(name: str) -> dict[str, tuple[Callable[[], object], list[str]]]:
    """Each refusal naming the column ``name``, by what it refuses, with the header."""
    return {
        "no column": (_check(["f", "y"], name), ["f", "y"]),
        "label dropped": (_check([name, "f"], name, frozenset({name})), [name, "f"]),
        "dropped not in header": (_check(["f", "y"], "y", frozenset({name})), ["f", "y"]),
        "repeated": (_check([name, name, "y"], "y"), [name, name, "y"]),
        "no feature": (_check([name], name), [name]),
        "every feature dropped": (_check([name, "f"], name, frozenset({"f"})), [name, "f"]),
        "sample as header": (lambda: csv_header.refuse_sample_as_header(
            ["1", name], path=PATH, label_column=name, line=3), ["1", name]),
    }  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("refusal", sorted(_refusals("x")))
def test_each_header_refusal_shows_the_name_as_a_setting_types_it(refusal, name):
    call, header = _refusals(name)[refusal]
    with pytest.raises((ConfigError, DataError)) as refused:
        call()
    said = str(refused.value)
    assert shown_name(name, set(header)) in said, said
    assert "\n" not in said and "\x1b" not in said, said
    if repr(name) != shown_name(name, set(header)):
        assert repr(name) not in said, said

"""A CSV refusal's suggested drop (``drop the column (dataset.drop_columns=...)``) is pasted
into bash as shown: the words bash passes on, read by Hydra's override parser and matched to
the header as the loader matches a setting (`checks.as_written`), must name the refused
column itself, for a name holding a backslash (at its end too), either quote, a '$', a
backquote, a '!', a line end or a terminal's escape; Hydra's quoting alone (a name in
'...' pasted inside the shell's double quotes) gave bash another string."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from mia_defense.data import csv_columns
from mia_defense.data.checks import as_written
from mia_defense.data.csv_columns import Table
from mia_defense.errors import DataError

NAMES = ["a\\b", "ends\\", "it's", 'say "hi"', "a'b\"c", "a$b", "a`id`", "x!y", "a\nb",
         "a\x1b[2Jb", "x\x1b\\", "a\n'b", "Unnamed: 0"]  # fmt: skip
PATH = Path("c.csv")

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _pasted(override: str) -> list[str]:
    """The words bash passes on for ``override`` pasted as a command's argument."""
    said = subprocess.run(["bash", "-c", f"printf '%s\\0' {override}"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    return said.split("\0")[:-1]


def _dropped(override: str, header: list[str]) -> list[str]:
    """The header's columns that ``override``, pasted into bash, drops."""
    words = _pasted(override)
    assert len(words) == 1, words
    parsed = OverridesParser.create().parse_overrides(words)[0]
    assert parsed.key_or_group == "dataset.drop_columns", words
    value = parsed.value()
    return as_written(value if isinstance(value, list) else [value], header)


@pytest.mark.parametrize("name", NAMES)
def test_the_drop_a_column_with_too_many_categories_is_told_drops_it(name):
    table = Table(names=[name, "f"], labels=["0", "1", "0"], lines=np.arange(2, 5),
                  values=np.array([[0, 1.0], [1, 1], [2, 1]]),
                  categories=[["a", "b", "c"], None], label="y")  # fmt: skip
    with pytest.raises(DataError) as refused:
        csv_columns.check_categories(table, path=PATH, max_categories=2)
    override = str(refused.value).partition("drop the column (")[2].rpartition("), encode")[0]
    assert _dropped(override, [name, "f", "y"]) == [name], override


@pytest.mark.parametrize("name", NAMES)
def test_the_drop_of_empty_columns_drops_them(name):
    for names in ([name, "f"], [name, "e\\2", "f"]):
        table = Table(names=names, labels=["0", "1"], lines=np.arange(2, 4),
                      values=np.array([[np.nan] * (len(names) - 1) + [1.0]] * 2),
                      categories=[None] * len(names), label="y")  # fmt: skip
        with pytest.raises(DataError) as refused:
            csv_columns.check_missing(table, path=PATH)
        said = str(refused.value)
        override = said.partition("drop ")[2].partition(" (")[2].rpartition(") or fill")[0]
        assert _dropped(override, [*names, "y"]) == names[:-1], said

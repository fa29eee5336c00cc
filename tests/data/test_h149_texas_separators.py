"""Hostile inputs (helper 149) of the Texas100 text loader: features not separated by commas."""

from __future__ import annotations

import pytest

from mia_defense.data import load_texas100
from mia_defense.errors import DataError


@pytest.mark.parametrize(("separator", "shown"), [(";", "';'"), ("\t", r"'\\t'"), (" ", "' '")])
def test_feats_separated_otherwise_name_the_separator(tmp_path, separator, shown):
    """'feats' of 0/1 separated by ';' (a spreadsheet's export) were refused with "line 1
    looks like a header of column names: this file has none, remove it": it has none, and
    removing line 1 changes nothing."""
    (tmp_path / "feats").write_text(
        "".join(separator.join(str((i * j) % 2) for j in range(6)) + "\n" for i in range(30)))
    (tmp_path / "labels").write_text("".join(f"{1 + i % 4}\n" for i in range(30)))
    with pytest.raises(DataError, match=rf"feats: not a comma-separated numeric file \(.*\); the "
                                        rf"values of line 1 are separated by {shown}: separate "
                                        r"them by commas$"):
        load_texas100(path=tmp_path)


def test_a_header_line_is_still_called_one(tmp_path):
    (tmp_path / "feats").write_text("f0;f1\n" + "".join(f"{i % 2},1\n" for i in range(30)))
    (tmp_path / "labels").write_text("".join(f"{1 + i % 4}\n" for i in range(31)))
    with pytest.raises(DataError, match=r"line 1 looks like a header of column names"):
        load_texas100(path=tmp_path)

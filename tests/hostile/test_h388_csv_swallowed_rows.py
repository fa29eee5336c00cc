"""A stray quote at a CSV field's start, closed by another lines later (h388): the rows
between were read into that one field (a text category of several lines), and the file's
6 samples were 4, without a word. A quote never closed was refused already; a quoted note
of several lines is data as written and stays silent."""

from __future__ import annotations

import logging

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError

_LOGGER = "mia_defense.data.csv_file"


def _load(tmp_path, caplog, text: str, **kwargs):
    path = tmp_path / "shop.csv"
    path.write_text(text)
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        data = load_csv(path=path, label_column="label", **kwargs)
    return data, [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_rows_read_into_a_stray_quoted_field_are_warned(tmp_path, caplog):
    text = 'a,b,label\n7,x,0\n2,"y,1\n3,z,0\n4,w",1\n9,x,0\n6,y,1\n'
    data, warnings = _load(tmp_path, caplog, text)
    assert len(data.y) == 4  # 6 rows written: what the warning is about
    said = [w for w in warnings if "look like rows of the file" in w]
    assert len(said) == 1, warnings
    assert said[0].startswith(
        f"{tmp_path / 'shop.csv'}: a quoted field (column 'b', from line 3 to line 5) holds "
        "lines that look like rows of the file (3 fields each): a stray \" at a field's start")
    # with another delimiter, counted in its own
    data, warnings = _load(tmp_path, caplog, text.replace(",", ";"), delimiter=";")
    assert any("from line 3 to line 5" in w for w in warnings), warnings


def test_a_note_of_several_lines_is_read_as_written(tmp_path, caplog):
    caplog.clear()
    text = ('a,note,label\n1,"first line\nsecond, and more",0\n2,plain,1\n3,plain,0\n'
            '4,"one\ntwo",1\n')
    data, warnings = _load(tmp_path, caplog, text)
    assert len(data.y) == 4
    assert not [w for w in warnings if "look like rows" in w], warnings


def test_a_quote_never_closed_is_still_refused(tmp_path, caplog):
    with pytest.raises(DataError, match="a quoted field runs from line 3 to line 6"):
        _load(tmp_path, caplog, 'a,b,label\n1,x,0\n2,"y,1\n3,z,0\n4,w,1\n5,x,0\n')

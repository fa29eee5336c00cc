"""A CSV record over several lines (a quoted note holding line breaks, its quote closed) with
a value too many or too few was refused with 'a quoted field runs from line 3 to line 5:
close its "': the quote is closed, and closing it again breaks the file. Such a record now
gets the field count's usual causes, named by its first line; a quote left open (the rest of
the file read into one field) keeps its advice."""

from __future__ import annotations

import re

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


@pytest.mark.parametrize(("record", "said"), [
    ('2,"y\nq\nr",1,7', "line 3 has 4 fields but the header has 3 (a record to line 5: a "
                        "quoted field holds line breaks); a value too many"),
    ('"y\nq\nr",1', "line 3 has 2 fields but the header has 3 (a record to line 5: a "
                    "quoted field holds line breaks); a value missing"),
])  # fmt: skip
def test_a_closed_quote_over_lines_is_not_told_to_close(tmp_path, record, said):
    path = tmp_path / "d.csv"
    path.write_text(f"a,b,label\n1,x,0\n{record}\n4,w,1\n5,v,0\n")
    with pytest.raises(DataError, match=re.escape(f"{path}: {said}")) as caught:
        load_csv(path=path, label_column="label")
    assert "close its" not in str(caught.value)


@pytest.mark.parametrize("rest", [
    "4,w,1\n5,v,0\n",  # rows read into the field
    "a note\n",  # no row after it: the field runs to the end of the file
])  # fmt: skip
def test_a_quote_left_open_is_still_told_to_close(tmp_path, rest):
    path = tmp_path / "d.csv"
    path.write_text(f'a,b,label\n1,x,0\n2,y,1\n3,"z,0\n{rest}')
    last = 4 + rest.count("\n")
    with pytest.raises(DataError, match=re.escape(
            f'line 4 has 2 fields but the header has 3 (a quoted field runs from line 4 to '
            f'line {last}: close its ")')):
        load_csv(path=path, label_column="label")


def test_a_quote_left_open_on_the_last_line_is_told_to_close(tmp_path):
    """Read as one line (the field holds its line break): it was 'a value missing'."""
    path = tmp_path / "d.csv"
    path.write_text('a,b,label\n1,x,0\n2,y,1\n3,"z,0\n')
    with pytest.raises(DataError, match=re.escape(
            'line 4 has 2 fields but the header has 3 (a quoted field opens on line 4 and runs '
            'to the end of the file: close its ")')):
        load_csv(path=path, label_column="label")

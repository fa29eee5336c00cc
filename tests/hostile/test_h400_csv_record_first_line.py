"""A CSV record over several lines (a quoted field holding a line break) was named by its
last line in the refusals of its fields and labels (h400): 'text ... on line 9' for a record
that starts on line 7, where an editor shows the row; now by its first line, as the refusal
of its field count already was."""

from __future__ import annotations

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


def _write(path, record):
    rows = [f"{i * 0.5},{i % 3}.25,{i % 2}" for i in range(12)]
    rows[5] = record  # line 7 of the file (the header is line 1)
    path.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    return path


def test_a_field_of_a_record_over_lines_names_its_first_line(tmp_path):
    file = _write(tmp_path / "d.csv", '1.0,"x\ny\nz",0')
    with pytest.raises(DataError) as refused:
        load_csv(path=file, label_column="label")
    message = str(refused.value)
    assert "'x\\ny\\nz' on line 7" in message, message


def test_a_label_of_a_record_over_lines_names_its_first_line(tmp_path):
    file = _write(tmp_path / "d.csv", '0.5,"0.25\n",1.5')  # a fractional label
    with pytest.raises(DataError) as refused:
        load_csv(path=file, label_column="label")
    message = str(refused.value)
    assert "1.5" in message and "line 7" in message and "line 8" not in message, message

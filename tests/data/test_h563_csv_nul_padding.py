"""A CSV whose end is a run of NUL bytes (a file preallocated by a download manager, or cut
short by a crash: the space written, the data not) was refused as "line 62 has 1 fields but
the header has 3; a value missing (or a line cut)", where the line holds no value at all; and
where the NULs followed the last value on its line, the refusal quoted them all, 4,096
escapes in one line. Both now say NUL bytes, quoting a short piece of the value."""

from __future__ import annotations

import pytest

from mia_defense.data import load_csv, load_purchase100
from mia_defense.errors import DataError

_PLAN = {"population_size": 10, "test_size": 10, "reference_size": None, "seed": 0}


def _rows() -> bytes:
    return ("a,b,label\n" + "".join(f"{i * 0.5},{i % 7},{i % 2}\n" for i in range(30))).encode()


def _refusal(path) -> str:
    with pytest.raises(DataError) as info:
        load_csv(path=path, label_column="label", plan=_PLAN)
    return str(info.value)


def test_a_line_of_nul_bytes_alone_is_said_so(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(_rows() + b"\0" * 4096)
    said = _refusal(path)
    assert "line 32" in said and "NUL bytes" in said
    assert "a value missing" not in said


def test_nul_bytes_after_a_value_are_quoted_short(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(_rows()[:-1] + b"\0" * 4096)
    said = _refusal(path)
    assert "NUL byte" in said and "line 31" in said
    assert len(said) < 600


def test_purchase_text_ending_in_nul_bytes_is_said_so(tmp_path):
    """(Purchase100's text loader said "line 5 holds 1 comma-separated values where line 1
    holds 9: a value missing (or a line cut or joined)")"""
    path = tmp_path / "dataset_purchase"
    path.write_bytes(b"".join(b"%d,0,1,0,1,1,0,0,1\n" % (i + 1) for i in range(4)) + b"\0" * 64)
    with pytest.raises(DataError, match=r"dataset_purchase: line 5 holds NUL bytes \(\\0\) alone"):
        load_purchase100(path=path)

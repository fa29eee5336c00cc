"""Two CSV files saved by Excel ("CSV UTF-8": each starts with a byte-order mark) joined with
`cat a.csv b.csv` keep the second one's header behind a BOM: its repeated header was not
recognised ("column 'a' mixes numbers ... and text ('\\ufeffa' on line 32)"), where the
same files without BOMs are refused as joined (test_h149_csv_joined_files). A header
repeated behind a BOM is now said the same way, BOM named; so is a BOM opening a row of data
(a headerless second file)."""

from __future__ import annotations

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError

_PLAN = {"population_size": 10, "test_size": 10, "reference_size": None, "seed": 0}


def _part() -> str:
    return "a,b,label\n" + "".join(f"{i * 0.31:.2f},{i % 5},{i % 2}\n" for i in range(30))


def _refusal(path) -> str:
    with pytest.raises(DataError) as info:
        load_csv(path=path, label_column="label", plan=_PLAN)
    return str(info.value)


def test_header_repeated_behind_a_bom_is_said_joined(tmp_path):
    path = tmp_path / "joined.csv"
    path.write_bytes(_part().encode("utf-8-sig") * 2)
    said = _refusal(path)
    assert "line 32 repeats the header line" in said and "byte-order mark" in said


def test_a_bom_opening_a_data_row_is_named(tmp_path):
    path = tmp_path / "joined.csv"
    path.write_bytes(_part().encode("utf-8-sig") + "\ufeff1.0,2,1\n".encode())
    said = _refusal(path)
    assert "line 32" in said and "byte-order mark" in said

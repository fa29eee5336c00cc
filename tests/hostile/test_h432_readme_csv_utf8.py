"""README's row for dataset=csv did not say the file must be UTF-8, which its refusals of a
Windows-1252 or UTF-16 file do (h400): a user learnt of it only when refused. The
row says it now, and the refusals it describes are those the loader gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError

README = Path(__file__).resolve().parents[2] / "README.md"


def _csv_row() -> str:
    rows = [line for line in README.read_text(encoding="utf-8").splitlines()
            if line.startswith("| `csv` |")]
    assert len(rows) == 1, rows
    return rows[0]


def test_readme_says_a_csv_must_be_utf8():
    row = _csv_row()
    assert re.search(r"must be UTF-8", row), row
    assert "UTF-16" in row and "Windows-1252" in row and "iconv -f cp1252 -t utf-8" in row


@pytest.mark.parametrize(("codec", "said"), [
    ("cp1252", "iconv -f cp1252 -t utf-8"),
    ("utf-16", "it is UTF-16 text; save it as UTF-8"),
])  # fmt: skip
def test_the_refusals_readme_describes(tmp_path, codec, said):
    path = tmp_path / "d.csv"
    path.write_bytes("a,b,label\n1,café,0\n2,thé,1\n".encode(codec))
    with pytest.raises(DataError, match=re.escape(said)) as caught:
        load_csv(path=path, label_column="label")
    assert str(caught.value).startswith(str(path))

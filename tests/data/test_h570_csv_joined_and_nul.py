"""CSV refusals that named the wrong cause:

- files joined with `cat a.csv b.csv` where a.csv ends with no line break glue b's header
  onto a's last row ('7,8,0a,b,label'): it was refused as 'line 31 has 5 fields but the
  header has 3', not as joined files (mia-train dataset=csv dataset.path=joined.csv
  dataset.label_column=label);
- a numeric column's value holding a NUL byte ('1\\0') was refused as the column mixing
  numbers and text, not as the damage it is (the NUL-byte refusal, as a text value gets).
"""

from __future__ import annotations

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError

_PLAN = {"population_size": 10, "test_size": 10, "reference_size": None, "seed": 0}


def _rows() -> str:
    return "".join(f"{i * 0.31:.2f},{i % 5},{i % 2}\n" for i in range(30))


def _refusal(path) -> str:
    with pytest.raises(DataError) as info:
        load_csv(path=path, label_column="label", plan=_PLAN)
    return str(info.value)


@pytest.mark.parametrize("mark", ["", "\ufeff"])
def test_header_glued_onto_the_last_row_is_said_joined(tmp_path, mark):
    path = tmp_path / "joined.csv"
    part = "a,b,label\n" + _rows()
    path.write_text(part.rstrip("\n") + mark + part, encoding="utf-8")
    said = _refusal(path)
    assert "line 31 ends with the header line" in said, said
    assert "joined together" in said and "fields but the header" not in said


def test_a_row_of_one_field_too_many_keeps_its_words(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("a,b,label\n" + _rows() + "1,2,3,b,label\n")
    assert "line 32 has 5 fields but the header has 3" in _refusal(path)


def test_nul_in_a_number_is_refused_as_a_nul(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_text("a,b,label\n" + _rows() + "1\0,2,1\n")
    said = _refusal(path)
    assert "line 32, column 'a' holds a NUL byte" in said, said
    assert "mixes" not in said

"""Texas100's 'feats' written as text values on every line (`True,False,...`, as pandas
writes a boolean frame) was refused with "line 1 looks like a header of column names: this
file has none, remove it": removing it left line 2 refused the same, and so on. A first line
without a number is now called a header only where the next line holds numbers; otherwise
the refusal says the values are text."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_texas100
from mia_defense.errors import DataError


def _texas(folder, feats: str) -> None:
    folder.mkdir()
    (folder / "feats").write_text(feats)
    (folder / "labels").write_text("".join(f"{i % 100 + 1}\n" for i in range(feats.count("\n"))))


def _rows(rng, count: int) -> list[list[int]]:
    return rng.integers(0, 2, (count, 6)).tolist()


def test_text_values_on_every_line_are_not_called_a_header(tmp_path):
    rows = _rows(np.random.default_rng(0), 8)
    _texas(tmp_path / "t", "".join(",".join(("False", "True")[v] for v in r) + "\n" for r in rows))
    with pytest.raises(DataError) as info:
        load_texas100(path=tmp_path / "t", label_base=1)
    said = str(info.value)
    assert "header" not in said
    assert "text, not numbers" in said and "on line 1): write the values as numbers" in said


def test_a_header_line_is_still_called_one(tmp_path):
    rows = _rows(np.random.default_rng(0), 8)
    _texas(tmp_path / "t", "a,b,c,d,e,f\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    with pytest.raises(DataError, match=r"line 1 looks like a header of column names"):
        load_texas100(path=tmp_path / "t", label_base=1)

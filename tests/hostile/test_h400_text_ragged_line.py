"""A Purchase100 or Texas100 text file with one line of another number of values (a value
lost in an edit, a line cut) was refused as 'not a comma-separated numeric file (the dtype
passed requires 601 columns but 600 were found at row 41); expected one sample per line,
values separated by commas', which it is (h400). The refusal now names the line, its count
and the first line's, and what to do."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_purchase100, load_texas100
from mia_defense.errors import DataError


def _rows(width, n=60):
    rng = np.random.default_rng(0)
    return [(rng.random(width) < 0.1).astype(int) for _ in range(n)]


@pytest.mark.parametrize(("cut", "said"), [(-1, "600 comma-separated values where line 1 holds "
                                            "601: a value missing"),
                                           (None, "602 comma-separated values where line 1 "
                                            "holds 601: a value too many")])
def test_purchase_line_of_another_width_is_named(tmp_path, cut, said):
    lines = [",".join(map(str, [1 + i % 100, *row])) for i, row in enumerate(_rows(600))]
    lines[40] = ",".join(lines[40].split(",")[:cut]) if cut else lines[40] + ",1"
    lines.insert(10, "")  # a blank line: the count is of the file's lines
    path = tmp_path / "dataset_purchase"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as refused:
        load_purchase100(path=path)
    message = str(refused.value)
    assert message.startswith(f"{path}: line 42 holds {said}"), message
    assert "fix or remove that line" in message


def test_texas_feats_line_of_another_width_is_named(tmp_path):
    feats = [",".join(map(str, row)) for row in _rows(6169)]
    feats[5] = feats[5][: feats[5].rfind(",")]
    (tmp_path / "feats").write_text("\n".join(feats) + "\n")
    (tmp_path / "labels").write_text("\n".join(str(1 + i % 100) for i in range(60)) + "\n")
    with pytest.raises(DataError,
                       match=r"feats: line 6 holds 6168 comma-separated values where line 1 "
                             r"holds 6169"):
        load_texas100(path=tmp_path)


def test_a_value_not_a_number_keeps_its_refusal(tmp_path):
    lines = [",".join(map(str, [1 + i % 100, *row])) for i, row in enumerate(_rows(600))]
    lines[40] = lines[40].replace(",0", ",x", 1)
    path = tmp_path / "dataset_purchase"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="not a comma-separated numeric file"):
        load_purchase100(path=path)

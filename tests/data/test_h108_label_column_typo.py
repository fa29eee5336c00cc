"""A misspelt ``dataset.label_column`` (``lable``) listed the header but named no column;
the closest name is offered, the existing words kept (h108)."""

from __future__ import annotations

import re

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError

_ROWS = "".join(f"{i * 0.37 - 3:.3f},{(i * 7) % 11 - 5.5:.2f},{i % 3}\n" for i in range(30))


def test_a_misspelt_label_column_names_the_closest_column(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("age,income,label\n" + _ROWS)
    with pytest.raises(DataError, match=re.escape(
        f"{path}: no column 'lable' in the header ['age', 'income', 'label']; set "
        "dataset.label_column (did you mean 'label'?)"
    )):
        load_csv(path=path, label_column="lable")


def test_no_close_column_adds_nothing(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("age,income,label\n" + _ROWS)
    with pytest.raises(DataError) as caught:
        load_csv(path=path, label_column="target")
    assert str(caught.value).endswith("; set dataset.label_column")

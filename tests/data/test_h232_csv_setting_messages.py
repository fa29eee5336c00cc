"""load_csv's setting checks said the wrong thing: dataset.delimiter='"' (or a line break),
one character, was refused as 'must be one character', and max_categories=np.int64(5), an
integer, as 'must be an integer >= 1' (num_classes and max_samples take numpy integers)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_csv
from mia_defense.data.csv_file import check_csv_source
from mia_defense.errors import ConfigError


def _csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "".join(f"{i % 5},{i % 3},{i % 2}\n" for i in range(40)))
    return path


@pytest.mark.parametrize("delimiter", ['"', "\n", "\r"])
@pytest.mark.parametrize("check", [load_csv, check_csv_source])
def test_quote_or_line_break_delimiter_is_named_as_such(tmp_path, delimiter, check):
    with pytest.raises(ConfigError) as info:
        check(path=_csv(tmp_path), label_column="label", delimiter=delimiter)
    said = str(info.value)
    assert "must be one character" not in said
    assert f"dataset.delimiter={delimiter!r}: a line break or the quote character" in said
    assert "e.g. ',' or ';'" in said


def test_longer_delimiter_keeps_its_message(tmp_path):
    with pytest.raises(ConfigError, match=r"dataset\.delimiter=',,': must be one character"):
        load_csv(path=_csv(tmp_path), label_column="label", delimiter=",,")


def test_numpy_integer_max_categories_is_taken(tmp_path):
    data = load_csv(path=_csv(tmp_path), label_column="label", max_categories=np.int64(5))
    assert data.x.shape == (40, 2)
    with pytest.raises(ConfigError, match=r"dataset\.max_categories=np\.int64\(0\): must be an "
                                          r"integer >= 1"):
        load_csv(path=_csv(tmp_path), label_column="label", max_categories=np.int64(0))

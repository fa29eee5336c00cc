"""dataset.path naming a file in another letter case than the one on disk (`Adult.csv` for
adult.csv, typed from a listing on macOS or Windows, which ignore case) was refused as "does
not exist" alone, where the file is there. The refusal now names the file of that name in
another case."""

from __future__ import annotations

import pytest

from mia_defense.data import load_csv
from mia_defense.errors import DataError


def test_a_file_there_in_another_case_is_named(tmp_path):
    (tmp_path / "adult.csv").write_text("a,y\n1,0\n2,1\n")
    with pytest.raises(DataError, match=r"Adult\.csv does not exist; .* \(adult\.csv is there: "
                                        r"the letter case differs"):
        load_csv(path=tmp_path / "Adult.csv", label_column="y")


def test_no_such_file_in_any_case_says_as_before(tmp_path):
    with pytest.raises(DataError) as info:
        load_csv(path=tmp_path / "Adult.csv", label_column="y")
    assert "letter case" not in str(info.value)

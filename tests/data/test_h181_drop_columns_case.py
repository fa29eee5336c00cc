"""dataset.drop_columns=X on a CSV whose header writes the column x (or dataset.categories
naming Colour for colour) was refused as "has no column 'X' (its columns: ['x', ...])"
without the "did you mean" the loader gives elsewhere: difflib sees no likeness in one
letter of another case. The name alike but for letter case is now the one suggested."""

from __future__ import annotations

import pytest

from mia_defense.data.csv_file import load_csv
from mia_defense.errors import ConfigError


def _csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,colour,label\n" + "".join(f"{i * 7 % 11},{'rg'[i % 2]},{i % 2}\n"
                                                 for i in range(40)))
    return path


def test_a_drop_columns_name_in_another_case_is_suggested(tmp_path):
    with pytest.raises(ConfigError, match=r"has no column 'X' \(its columns: \['x', 'colour', "
                       r"'label'\]\); did you mean 'x'\?"):
        load_csv(path=_csv(tmp_path), label_column="label", drop_columns="X")


def test_a_categories_column_in_another_case_is_suggested(tmp_path):
    with pytest.raises(ConfigError, match=r"dataset.categories.COLOUR: .* has no feature column "
                       r"'COLOUR' .*; did you mean 'colour'\?"):
        load_csv(path=_csv(tmp_path), label_column="label", categories={"COLOUR": ["r", "g"]})


def test_a_misspelling_is_still_suggested(tmp_path):
    with pytest.raises(ConfigError, match=r"did you mean 'colour'\?"):
        load_csv(path=_csv(tmp_path), label_column="label", drop_columns="colur")

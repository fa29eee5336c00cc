"""dataset.label_column=café on a CSV whose header writes café decomposed (e + a combining
accent, NFD: as files saved on macOS may be), or the reverse, was refused as "no column
'café' in the header [..., 'café']", the two names alike on screen; 78d49e5 took such a
name for dataset.drop_columns only. The label column, and dataset.categories' columns, now
follow the same rule (csv_file._as_written)."""

from __future__ import annotations

import unicodedata

import pytest

from mia_defense.data.csv_file import load_csv
from mia_defense.errors import DataError

_PLAN = {"population_size": 20, "test_size": 10}


@pytest.mark.parametrize("header_form, typed_form", [("NFD", "NFC"), ("NFC", "NFD")])
def test_a_label_column_typed_in_another_unicode_form_is_found(tmp_path, header_form,
                                                                 typed_form):
    path = tmp_path / "u.csv"
    header = unicodedata.normalize(header_form, "café")
    path.write_text(f"a,b,{header}\n"
                    + "".join(f"{i * 7 % 11},{i % 3}.5,{i % 2}\n" for i in range(40)))
    data = load_csv(path=path, label_column=unicodedata.normalize(typed_form, "café"),
                    plan=_PLAN)
    assert data.x.shape == (40, 2)
    assert sorted(set(data.y.tolist())) == [0, 1]


@pytest.mark.parametrize("header_form, typed_form", [("NFD", "NFC"), ("NFC", "NFD")])
def test_a_categories_column_typed_in_another_unicode_form_is_fixed(tmp_path, header_form,
                                                                    typed_form):
    path = tmp_path / "u.csv"
    header = unicodedata.normalize(header_form, "café")
    path.write_text(f"{header},b,label\n"
                    + "".join(f"{'xy'[i % 2]},{i % 3}.5,{i % 2}\n" for i in range(40)))
    typed = unicodedata.normalize(typed_form, "café")
    data = load_csv(path=path, label_column="label", categories={typed: ["y", "x", "z"]},
                    plan=_PLAN)
    assert data.x.shape == (40, 4)  # the fixed list's three features, and b
    assert data.one_hot_columns == ()  # a fixed list, not the data's categories


def test_a_label_column_in_drop_columns_in_the_other_form_is_still_refused(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("a,b," + unicodedata.normalize("NFD", "café") + "\n"
                    + "".join(f"{i},{i % 3}.5,{i % 2}\n" for i in range(40)))
    with pytest.raises(Exception, match="is the label column"):
        load_csv(path=path, label_column=unicodedata.normalize("NFC", "café"),
                 drop_columns=unicodedata.normalize("NFD", "café"), plan=_PLAN)


def test_another_label_column_is_still_refused(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("a,b,café\n" + "".join(f"{i},{i % 3}.5,{i % 2}\n" for i in range(40)))
    with pytest.raises(DataError, match="no column 'CAFÉ'"):
        load_csv(path=path, label_column="CAFÉ", plan=_PLAN)


@pytest.mark.parametrize("file_form, listed_form", [("NFD", "NFC"), ("NFC", "NFD")])
def test_a_category_listed_in_another_unicode_form_is_that_category(tmp_path, file_form,
                                                                   listed_form):
    # was "column 'city' holds 1 value(s) outside its fixed list ... (e.g. ['café'])"
    path = tmp_path / "u.csv"
    value = unicodedata.normalize(file_form, "café")
    path.write_text("city,b,label\n"
                    + "".join(f"{[value, 'bar'][i % 2]},{i % 3}.5,{i % 2}\n" for i in range(40)))
    listed = ["bar", unicodedata.normalize(listed_form, "café"), "pub"]
    data = load_csv(path=path, label_column="label", categories={"city": listed},
                    standardize=False, plan=_PLAN)
    assert data.x.shape == (40, 4)
    assert data.x[0, :3].tolist() == [0, 1, 0]  # row 1: café, the list's second
    assert data.x[1, :3].tolist() == [1, 0, 0]

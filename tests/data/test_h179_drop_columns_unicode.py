"""dataset.drop_columns=café on a CSV whose header writes café decomposed (e + a combining
accent, NFD: as files saved on macOS may be) was refused as "has no column 'café' (its
columns: ['café', ...]); did you mean 'café'?", the two names alike on screen. A name equal
to a header name in Unicode's composed form (NFC) now drops that column."""

from __future__ import annotations

import unicodedata

import pytest

from mia_defense.data.csv_file import load_csv
from mia_defense.errors import ConfigError


@pytest.mark.parametrize("header_form, typed_form", [("NFD", "NFC"), ("NFC", "NFD")])
def test_a_name_typed_in_another_unicode_form_drops_its_column(tmp_path, header_form,
                                                                typed_form):
    path = tmp_path / "u.csv"
    header = unicodedata.normalize(header_form, "café")
    path.write_text(f"{header},a,label\n"
                    + "".join(f"{i * 7 % 11},{i % 3}.5,{i % 2}\n" for i in range(40)))
    data = load_csv(path=path, label_column="label",
                    drop_columns=unicodedata.normalize(typed_form, "café"),
                    plan={"population_size": 20, "test_size": 10})  # fmt: skip
    assert data.x.shape == (40, 1)


def test_another_name_is_still_refused(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("café,a,label\n" + "".join(f"{i},{i % 3}.5,{i % 2}\n" for i in range(40)))
    with pytest.raises(ConfigError, match="has no column 'CAFÉ'"):
        load_csv(path=path, label_column="label", drop_columns="CAFÉ",
                 plan={"population_size": 20, "test_size": 10})  # fmt: skip

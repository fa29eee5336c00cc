"""Numbers written for people in Purchase100's and Texas100's text files (h577): a value in
quotes with a thousands separator ("1,000", as a spreadsheet's export quotes it) and a
European export (';' between values, decimal commas 0,5) were refused as 'expected one sample
per line, values separated by commas' and 'its lines hold text, not numbers ('1;0' on line
1)', saying neither what the file holds nor what to write."""

from __future__ import annotations

import pytest

from mia_defense.data import load_purchase100, load_texas100
from mia_defense.errors import DataError


def _load(tmp_path, lines: list[str], texas: bool):
    """Purchase100's dataset_purchase of ``lines``, or Texas100's feats (labels beside)."""
    if not texas:
        (tmp_path / "dataset_purchase").write_text("".join(f"{i % 3 + 1},{line}\n"
                                                        for i, line in enumerate(lines)))
        return lambda: load_purchase100(path=tmp_path / "dataset_purchase")
    (tmp_path / "feats").write_text("".join(f"{line}\n" for line in lines))
    (tmp_path / "labels").write_text("".join(f"{i % 3 + 1}\n" for i in range(len(lines))))
    return lambda: load_texas100(path=tmp_path)


@pytest.mark.parametrize("texas", [False, True])
def test_a_quoted_number_with_a_comma_is_named(tmp_path, texas):
    load = _load(tmp_path, ['1,"1,000",0'] * 5, texas)
    with pytest.raises(DataError) as caught:
        load()
    said = str(caught.value)
    assert "line 1 holds '1,000' in quotes" in said, said
    assert "thousands separator or a decimal comma" in said
    assert "write plain numbers" in said


@pytest.mark.parametrize("texas", [False, True])
def test_semicolons_and_decimal_commas_are_named(tmp_path, texas):
    load = _load(tmp_path, ["1;0,5;0"] * 5, texas)
    if not texas:  # the label's ';' joins the first line's values: "1,1;0,5;0"
        (tmp_path / "dataset_purchase").write_text("1;1;0,5;0\n" * 5)
    with pytest.raises(DataError) as caught:
        load()
    said = str(caught.value)
    assert "separated by ';', with decimal commas ('0,5')" in said, said
    assert "separate them by commas and write decimal points" in said

"""A first line of millions of fields (a JSON file of records on one line given as
dataset=csv: 35 MB, 3,000,000 fields) spent 66 s in difflib, comparing a misspelt
dataset.label_column with every field for a 'did you mean' (h577). Only distinct names of a
length that can match at difflib's 0.75 are compared, and none beyond csv_header's
_SUGGESTED_FROM."""

from __future__ import annotations

import pytest

from mia_defense.data import csv_header, load_csv
from mia_defense.errors import DataError


@pytest.fixture
def compared(monkeypatch):
    """The names each 'did you mean' compared."""
    calls: list[list[str]] = []
    closest = csv_header.closest
    monkeypatch.setattr(csv_header, "closest",
                        lambda name, known, **kw: calls.append(list(known)) or closest(
                            name, known, **kw))
    return calls


def _csv(tmp_path, names: list[str]):
    path = tmp_path / "d.csv"
    path.write_text(",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    return path


def test_names_of_another_length_or_repeated_are_not_compared(tmp_path, compared):
    names = ["label", "x" * 40, "ab", "labels", "labels2"]
    with pytest.raises(DataError, match=r"did you mean 'label'\?"):
        load_csv(path=_csv(tmp_path, names + ["y"] * 3), label_column="lable")
    assert compared == [["label", "labels", "labels2"]]


def test_a_line_of_more_names_than_any_header_gets_no_suggestion(tmp_path, compared,
                                                                 monkeypatch):
    monkeypatch.setattr(csv_header, "_SUGGESTED_FROM", 50)
    names = ["label"] + [f"{i:05d}" for i in range(60)]
    with pytest.raises(DataError) as caught:
        load_csv(path=_csv(tmp_path, names), label_column="lable")
    assert "did you mean" not in str(caught.value)
    assert compared == []

"""Text values of a CSV column that print alike but differ in their characters (h388):
'café' composed (NFC) and decomposed (NFD, as macOS writes it), or 'no' with a zero-width
space pasted from a web page, were two categories of a feature, or two classes of the
label column (a 3-class task where the file means 2), without a word, where the same
values differing in letter case or spacing were warned of."""

from __future__ import annotations

import logging
import unicodedata

import pytest

from mia_defense.data import load_csv

_LOGGER = "mia_defense.data.csv_file"
_COMPOSED = unicodedata.normalize("NFC", "café")
_DECOMPOSED = unicodedata.normalize("NFD", "café")


def _load(tmp_path, caplog, rows: list[str]):
    path = tmp_path / "orders.csv"
    path.write_text("drink,size,label\n" + "".join(f"{row}\n" for row in rows),
                    encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        data = load_csv(path=path, label_column="label")
    return data, [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(("one", "other", "shown"), [
    (_COMPOSED, _DECOMPOSED, "'cafe\\u0301'"),
    ("no", "no\u200b", "'no\\u200b'"),  # a zero-width space
])  # fmt: skip
def test_label_spellings_that_print_alike_are_warned(tmp_path, caplog, one, other, shown):
    rows = [f"k{i % 4},{i % 7},{(one if i % 3 else other) if i % 2 else 'tea'}"
            for i in range(60)]
    data, warnings = _load(tmp_path, caplog, rows)
    assert data.num_classes == 3  # what the warning is about
    said = [w for w in warnings if "the label column 'label'" in w]
    assert len(said) == 1, warnings
    assert "differ only in letter case or spacing, or in characters that look alike" in said[0]
    assert "a 3-class task where the file may mean 2 classes" in said[0]
    assert f"({shown}: 10 rows, first on line " in said[0]  # its escapes written out


def test_feature_spellings_that_print_alike_are_warned(tmp_path, caplog):
    rows = [f"{_COMPOSED if i % 3 else _DECOMPOSED},{i % 7},{'yes' if i % 2 else 'no'}"
            for i in range(60)]
    data, warnings = _load(tmp_path, caplog, rows)
    assert data.x.shape[1] == 3  # two one-hot features of 'drink', and 'size'
    said = [w for w in warnings if "text column 'drink'" in w]
    assert len(said) == 1, warnings
    assert "('cafe\\u0301' / 'café')" in said[0]


def test_distinct_words_with_accents_say_nothing(tmp_path, caplog):
    rows = [f"{('café', 'cafe', 'thé')[i % 3]},{i % 7},{('oui', 'non', 'été')[i % 3]}"
            for i in range(60)]  # (all composed: distinct words, not spellings of one)
    data, warnings = _load(tmp_path, caplog, rows)
    assert data.num_classes == 3
    assert not [w for w in warnings if "look alike" in w], warnings

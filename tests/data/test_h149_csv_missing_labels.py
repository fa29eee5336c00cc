"""Hostile inputs (helper 149) of the CSV loader: labels that mark a missing value."""

from __future__ import annotations

import logging

import pytest

from mia_defense.data import load_csv

_LOGGER = "mia_defense.data.csv_file"


@pytest.mark.parametrize("mark", ["NA", "N/A", "null", "?"])
def test_a_missing_value_mark_as_a_label_is_warned(tmp_path, caplog, mark):
    """'NA' (pandas' and R's missing value) or UCI's '?' in a text label column became a
    class of its own, learned by the models and measured by the attacks, without a word."""
    path = tmp_path / "survey.csv"
    labels = ["yes", "no", "yes", mark]
    path.write_text("a,b,answer\n" + "".join(f"{i % 7},{i % 5},{labels[i % 4]}\n"
                                             for i in range(40)))
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        data = load_csv(path=path, label_column="answer")
    assert mark in data.class_labels
    assert (f"survey.csv: 10 samples have the label {mark!r} in column 'answer' (first on "
            "line 5), a common mark of a missing value: they are a class of their own here"
            ) in caplog.text


def test_ordinary_text_labels_are_not_warned(tmp_path, caplog):
    path = tmp_path / "survey.csv"
    path.write_text("a,b,answer\n" + "".join(f"{i % 7},{i % 5},{'yes' if i % 2 else 'Nay'}\n"
                                             for i in range(40)))
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        load_csv(path=path, label_column="answer")
    assert "mark of a missing value" not in caplog.text

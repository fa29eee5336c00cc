"""A large CSV was parsed without a word (helper 200): 88 MB (40 rows of 1M columns) kept
mia-train silent for 16 s of parsing before anything else, and a GB-sized file for minutes.
Its load now says how large it is and about how long the parse takes; the config check,
which reads the header only, says nothing."""

from __future__ import annotations

import logging

from mia_defense.data import csv_file, load_csv
from mia_defense.data.csv_file import check_csv_source


def test_a_large_csv_is_announced_once_as_it_is_read(tmp_path, monkeypatch, caplog):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "".join(f"{i % 7}.5,{i % 3},{i % 2}\n" for i in range(40)))
    monkeypatch.setattr(csv_file, "_ANNOUNCED_BYTES", 100)
    with caplog.at_level(logging.INFO, logger="mia_defense.data.csv_file"):
        check_csv_source(path=str(path), label_column="label")
        assert "parsing" not in caplog.text
        load_csv(path=str(path), label_column="label")
    assert f"{path}: parsing 0.000" in caplog.text
    assert caplog.text.count("of CSV text, about 0 s at some 5 MB/s") == 1


def test_a_small_csv_is_not(tmp_path, caplog):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "".join(f"{i % 7}.5,{i % 3},{i % 2}\n" for i in range(40)))
    with caplog.at_level(logging.INFO, logger="mia_defense.data.csv_file"):
        load_csv(path=str(path), label_column="label")
    assert "parsing" not in caplog.text

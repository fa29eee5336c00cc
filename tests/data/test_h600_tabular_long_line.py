"""Purchase100's and Texas100's text files had no bound on a line's length: a 20 MB
dataset_purchase of one line was read whole (4.9 s) before its refusal, and a 1 GB one
(JSON saved under that name) read for minutes. They are read through the CSV loader's
bound (csv_file.LineBound, csv_file.MAX_LINE_BYTES): a longer line is refused as soon as
that much of it is read, naming its line. The bound is made small here (monkeypatched;
above the 8 KB the text is read by), not the file large."""

from __future__ import annotations

import pytest

from mia_defense.data import csv_file, load_purchase100, load_texas100, tabular
from mia_defense.errors import DataError


@pytest.fixture(autouse=True)
def _small_bound(monkeypatch):
    monkeypatch.setattr(csv_file, "MAX_LINE_BYTES", 10_000)


def _rows(n=8):
    return [f"{i % 3 + 1},1,0,1,0,0,1" for i in range(n)]


def test_a_purchase_file_of_one_line_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    path = tmp_path / "dataset_purchase"
    path.write_text("[" + ", ".join(['{"x": 1}'] * 5_000) + "]", encoding="utf-8")

    def parse(*_, **__):  # the line was read whole and parsed
        raise AssertionError("the line was read whole")

    monkeypatch.setattr(tabular.np, "loadtxt", parse)
    with pytest.raises(DataError, match=(
            r"dataset_purchase: line 1 is longer than 10,000 bytes with no line break \(it "
            r"starts '\[\{\"x\": 1\}, .*'\), wider than any row this loader reads: it is no "
            r"file of one sample per line \(JSON .*\); write one sample per line, values "
            r"separated by commas$")):
        load_purchase100(path=path)


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_the_long_purchase_line_is_named_after_short_ones(tmp_path, end):
    path = tmp_path / "dataset_purchase"
    lines = [*_rows(4), "", "1," + "0," * 15_000 + "1", *_rows(2)]
    path.write_bytes(end.join(lines).encode() + end.encode())
    with pytest.raises(DataError, match=r"dataset_purchase: line 6 is longer than 10,000 "
                                        r"bytes with no line break \(it starts '1,0,0,"):
        load_purchase100(path=path)


@pytest.mark.parametrize("name", ["feats", "labels"])
def test_a_long_texas_line_is_refused(tmp_path, name):
    feats, labels = ["1,0,1,0,0,1"] * 8, [str(i % 3 + 1) for i in range(8)]
    (tmp_path / "feats").write_text("\n".join(feats) + "\n", encoding="utf-8")
    (tmp_path / "labels").write_text("\n".join(labels) + "\n", encoding="utf-8")
    (tmp_path / name).write_text("1," * 15_000 + "1", encoding="utf-8")
    with pytest.raises(DataError, match=rf"{name}: line 1 is longer than 10,000 bytes with "
                                        r"no line break"):
        load_texas100(path=tmp_path, label_base=1)


def test_purchase_lines_within_the_bound_load(tmp_path):
    path = tmp_path / "dataset_purchase"  # 28,000 bytes in all, each line far below 10,000
    path.write_text("\n".join(_rows(2_000)) + "\n", encoding="utf-8")
    data = load_purchase100(path=path, label_base=1)
    assert data.x.shape == (2_000, 6)

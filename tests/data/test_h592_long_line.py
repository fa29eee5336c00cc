"""A CSV with no line break (JSON records on one line, 1 GB) was read whole and split into
millions of fields, minutes, before the header refused them: a line longer than
csv_file.MAX_LINE_BYTES is refused as soon as that much of it is read, naming its line
number and what to do. The bound is made small here (monkeypatched; still above the 8 KB
the text is read by), not the file large."""
import gzip

import pytest

from mia_defense.data import csv_file, load_csv
from mia_defense.data.csv_file import check_csv_source
from mia_defense.errors import DataError


@pytest.fixture(autouse=True)
def _small_bound(monkeypatch):
    monkeypatch.setattr(csv_file, "MAX_LINE_BYTES", 10_000)


def _rows(n=12):
    return [f"{i % 5}.5,{i % 3},{i % 2}" for i in range(n)]


def test_a_file_of_one_line_is_refused_before_it_is_split(tmp_path, monkeypatch):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label," + ",".join(['{"x": 1}'] * 5_000), encoding="utf-8")

    def split(*_, **__):  # the header's checks: the line was split into fields
        raise AssertionError("the line was read whole")

    monkeypatch.setattr(csv_file, "check_header", split)
    message = (r"d.csv: line 1 is longer than 10,000 bytes with no line break \(it starts "
               r"'a,b,label,\{\"x\": 1\},.*'\), .*: it is no CSV of one sample per line \(JSON "
               r".*\); convert it to CSV text, a header line and one sample per line")
    with pytest.raises(DataError, match=message):
        load_csv(path=path, label_column="y")
    with pytest.raises(DataError, match=message):  # the config check's header read
        check_csv_source(path=path, label_column="y")


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_the_long_line_is_named_after_short_ones(tmp_path, end):
    path = tmp_path / "d.csv"
    lines = ["a,b,y", *_rows(4), '1,2,"a note', 'over two lines"', "1," * 15_000 + "1"]
    path.write_bytes(end.join(lines).encode() + end.encode())
    with pytest.raises(DataError, match=r"d.csv: line 8 is longer than 10,000 bytes "
                                        r"with no line break \(it starts '1,1,1,"):
        load_csv(path=path, label_column="y")


def test_a_line_break_split_between_two_reads_is_one(tmp_path):
    path = tmp_path / "d.csv"  # the text is read 8192 bytes at a time: '\r' ends the first
    second = b"1,2," + b"3" * (8191 - 7 - 4)
    path.write_bytes(b"a,b,y\r\n" + second + b"\r\n1,2,0\r\n" + b"1," * 15_000)
    with pytest.raises(DataError, match=r"d.csv: line 4 is longer than 10,000 bytes"):
        load_csv(path=path, label_column="y")


def test_a_compressed_file_of_one_line_is_refused(tmp_path):
    path = tmp_path / "d.csv.gz"
    path.write_bytes(gzip.compress(("a,b,y," + "1," * 15_000).encode()))
    with pytest.raises(DataError, match=r"d.csv.gz: line 1 is longer than 10,000 bytes"):
        load_csv(path=path, label_column="y")


def test_lines_within_the_bound_load(tmp_path):
    path = tmp_path / "d.csv"  # 24,000 bytes in all, each line far below 10,000
    path.write_text("a,b,y\n" + "\n".join(_rows(3000)) + "\n", encoding="utf-8")
    data = load_csv(path=path, label_column="y", standardize=False)
    assert data.x.shape == (3000, 2)

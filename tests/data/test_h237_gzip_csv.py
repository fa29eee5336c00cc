"""A gzip-compressed CSV (data.csv.gz, as exports and Kaggle give them) given to dataset=csv
(helper 237) was refused: "is gzip-compressed (a .gz or .tar.gz/.tgz download), not a CSV
text file; extract it". It is read now, with Python's gzip module; its decompressed size is
counted first, a MiB at a time, and a file whose text is more than the memory budget can
parse (a decompression bomb: a small .gz of any size) is refused once counting passes that
limit, naming it, before anything is parsed."""

from __future__ import annotations

import gzip
import io
import tarfile
import tracemalloc

import numpy as np
import pytest

from mia_defense.data import guards, load_csv
from mia_defense.data.csv_file import check_csv_source
from mia_defense.errors import DataError

_CSV = "age,colour,y\n" + "".join(f"{20 + i % 17},{('red', 'blue')[i % 2]},{i % 3 == 0:d}\n"
                                  for i in range(60))


def test_a_csv_gz_reads_as_the_csv_it_holds(tmp_path):
    plain, packed = tmp_path / "data.csv", tmp_path / "data.csv.gz"
    plain.write_text(_CSV)
    packed.write_bytes(gzip.compress(_CSV.encode()))
    check_csv_source(path=packed, label_column="y")  # the config check takes it too
    want, got = load_csv(path=plain, label_column="y"), load_csv(path=packed, label_column="y")
    np.testing.assert_array_equal(got.x, want.x)
    np.testing.assert_array_equal(got.y, want.y)
    assert got.one_hot_columns == ("colour",) and len(got) == 60


def _bomb(path, megabytes):
    """A .gz of a CSV header and ``megabytes`` MiB of rows: some 1000 times smaller."""
    row = b"1,2,0\n" * ((1 << 20) // 6)
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b"a,b,y\n")
        for _ in range(megabytes):
            out.write(row)


@pytest.mark.parametrize("check", [load_csv, check_csv_source])
def test_a_gzip_bomb_is_refused_before_it_is_read(tmp_path, monkeypatch, check):
    path = tmp_path / "bomb.csv.gz"
    _bomb(path, 64)
    assert path.stat().st_size < 200_000
    monkeypatch.setattr(guards, "MEMORY_BUDGET", 16 << 20)  # parses 1 MiB of text at most
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"bomb\.csv\.gz: gzip-compressed CSV text of more "
                           r"than 1\.0 MiB once decompressed \(decompression stopped there\), "
                           r"more than this machine can parse in the 16\.0 MiB of memory"):
            check(path=path, label_column="y")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # not the 64 MiB it holds


def test_a_csv_gz_whose_text_fits_is_read_under_the_same_budget(tmp_path, monkeypatch):
    path = tmp_path / "small.csv.gz"
    path.write_bytes(gzip.compress(_CSV.encode()))
    monkeypatch.setattr(guards, "MEMORY_BUDGET", 16 * len(_CSV) + 64)
    assert len(load_csv(path=path, label_column="y")) == 60


def test_a_tar_gz_is_told_to_be_extracted(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("data.csv")
        info.size = len(_CSV)
        tar.addfile(info, io.BytesIO(_CSV.encode()))
    path = tmp_path / "data.tar.gz"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(DataError, match=r"data\.tar\.gz \(decompressed\): is a tar archive, not "
                       r"a CSV text file; extract it \(tar xf"):
        load_csv(path=path, label_column="y")


def test_a_gzipped_parquet_file_names_what_it_holds(tmp_path):
    path = tmp_path / "data.parquet.gz"
    path.write_bytes(gzip.compress(b"PAR1" + bytes(range(256))))
    with pytest.raises(DataError, match=r"data\.parquet\.gz \(decompressed\): is a Parquet file, "
                       r"not a CSV text file; export it as CSV"):
        load_csv(path=path, label_column="y")


@pytest.mark.parametrize("cut", [lambda data: data[:-12], lambda data: data[:12] + b"x" * 40])
def test_a_truncated_or_corrupt_csv_gz_says_so(tmp_path, cut):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(cut(gzip.compress(_CSV.encode())))
    with pytest.raises(DataError, match=r"data\.csv\.gz: truncated or corrupt gzip file \(.*\); "
                       r"download or copy it again"):
        load_csv(path=path, label_column="y")


def test_more_text_than_was_counted_is_refused(tmp_path):
    """The parse reads no further than what its memory was checked for (the file replaced
    between the count and the parse)."""
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress(_CSV.encode()))
    with path.open("rb") as handle:
        stream = guards.decompressed(handle, path=path, size=path.stat().st_size, text_size=100)
        with pytest.raises(DataError, match=r"data\.csv\.gz: decompressed to more than the 100 "
                           r"bytes it held when first read"):
            stream.read()


def test_a_gzipped_utf16_csv_is_told_its_encoding(tmp_path):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress(_CSV.encode("utf-16")))
    with pytest.raises(DataError, match=r"data\.csv\.gz: not a readable CSV text file \(.*\); it "
                       r"is UTF-16 text; save it as UTF-8"):
        load_csv(path=path, label_column="y")

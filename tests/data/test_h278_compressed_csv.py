"""A CSV compressed with bzip2 or xz (data.csv.bz2, data.csv.xz) given to dataset=csv was
refused: "is bzip2-compressed, not a CSV text file; extract it (tar xf, gunzip or unzip)",
while a data.csv.gz was read (helper 237). Both are read now as the .gz is, through Python's
bz2 and lzma modules, with the same checks: the text counted first and refused past what the
memory budget can parse (a decompression bomb), a truncated or corrupt file named, a tar
archive inside told to be extracted (tests/data/test_h237_gzip_csv.py has the gzip cases)."""

from __future__ import annotations

import bz2
import io
import lzma
import tarfile
import tracemalloc

import numpy as np
import pytest

from mia_defense.data import guards, load_csv
from mia_defense.data.csv_file import check_csv_source
from mia_defense.errors import DataError

_CSV = "age,colour,y\n" + "".join(f"{20 + i % 17},{('red', 'blue')[i % 2]},{i % 3 == 0:d}\n"
                                  for i in range(60))
_KINDS = [pytest.param(bz2, "bzip2", "bz2", id="bz2"), pytest.param(lzma, "xz", "xz", id="xz")]


@pytest.mark.parametrize(("module", "kind", "suffix"), _KINDS)
def test_a_bz2_or_xz_csv_reads_as_the_csv_it_holds(tmp_path, module, kind, suffix):
    plain, packed = tmp_path / "data.csv", tmp_path / f"data.csv.{suffix}"
    plain.write_text(_CSV)
    packed.write_bytes(module.compress(_CSV.encode()))
    check_csv_source(path=packed, label_column="y")  # the config check takes it too
    want, got = load_csv(path=plain, label_column="y"), load_csv(path=packed, label_column="y")
    np.testing.assert_array_equal(got.x, want.x)
    np.testing.assert_array_equal(got.y, want.y)
    assert got.one_hot_columns == ("colour",) and len(got) == 60


@pytest.mark.parametrize(("module", "kind", "suffix"), _KINDS)
def test_a_bz2_or_xz_bomb_is_refused_before_it_is_read(tmp_path, monkeypatch, module, kind,
                                                         suffix):
    path = tmp_path / f"bomb.csv.{suffix}"
    # 64 MiB of rows as 256 compressed streams of 256 KiB each, one after the other (both
    # formats read on into the next stream): cheap to make, some 1000 times smaller
    stream = module.compress(b"1,2,0\n" * ((1 << 18) // 6))
    path.write_bytes(module.compress(b"a,b,y\n") + stream * 256)
    assert path.stat().st_size < 200_000
    monkeypatch.setattr(guards, "MEMORY_BUDGET", 16 << 20)  # parses 1 MiB of text at most
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=rf"bomb\.csv\.{suffix}: {kind}-compressed CSV text "
                           r"of more than 1\.0 MiB once decompressed \(decompression stopped "
                           r"there\), more than this machine can parse in the 16\.0 MiB"):
            load_csv(path=path, label_column="y")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20  # not the 64 MiB it holds (xz's decoder holds its 8 MiB dictionary)


@pytest.mark.parametrize(("module", "kind", "suffix"), _KINDS)
@pytest.mark.parametrize("cut", [lambda data: data[:-12], lambda data: data[:12] + b"x" * 40],
                         ids=["truncated", "corrupt"])
def test_a_truncated_or_corrupt_bz2_or_xz_csv_says_so(tmp_path, module, kind, suffix, cut):
    path = tmp_path / f"data.csv.{suffix}"
    path.write_bytes(cut(module.compress(_CSV.encode())))
    with pytest.raises(DataError, match=rf"data\.csv\.{suffix}: truncated or corrupt {kind} "
                       r"file \(.*\); download or copy it again"):
        load_csv(path=path, label_column="y")


@pytest.mark.parametrize(("module", "kind", "suffix"), _KINDS)
def test_a_tar_bz2_or_xz_is_told_to_be_extracted(tmp_path, module, kind, suffix):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{suffix}") as tar:
        info = tarfile.TarInfo("data.csv")
        info.size = len(_CSV)
        tar.addfile(info, io.BytesIO(_CSV.encode()))
    path = tmp_path / f"data.tar.{suffix}"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(DataError, match=rf"data\.tar\.{suffix} \(decompressed\): is a tar "
                       r"archive, not a CSV text file; extract it \(tar xf"):
        check_csv_source(path=path, label_column="y")


def test_a_csv_whose_header_starts_as_bzip2_does_is_text(tmp_path):
    """bzip2's magic was taken to be "BZh" alone: a CSV whose first column is named so (here
    "BZh9 hours", with the block size digit too) was refused as 'bzip2-compressed' before
    bzip2 was read, then as a 'truncated or corrupt bzip2 file'. The first block's magic
    after it is checked too."""
    path = tmp_path / "hours.csv"
    path.write_text("BZh9 hours,y\n" + "".join(f"{i % 5},{i % 2}\n" for i in range(20)))
    check_csv_source(path=path, label_column="y")
    assert load_csv(path=path, label_column="y").x.shape == (20, 1)

"""Files of the wrong layout that loaded as something else (helper 288).

A Purchase100 text file of the 600 features alone (no label column) loaded as 599 features
with labels 0/1, with only a warning that 2 of the 100 classes had samples; one with the
label last was refused as "not Purchase100's data (counts, amounts or scaled features?)".
A .csv.bz2 or .csv.xz with bytes after its compressed stream loaded without a word
(bz2.BZ2File and lzma.LZMAFile ignore them), where a .csv.gz with the same was refused."""

from __future__ import annotations

import bz2
import gzip
import lzma
import re

import numpy as np
import pytest

from mia_defense.data import load_csv, load_purchase100
from mia_defense.errors import DataError


@pytest.mark.parametrize(("label", "said"), [
    (None, r": 600 columns per line, the first 0/1 as features are, where dataset_purchase has "
     r"601 columns: the label \(1\.\.100\), then the 600 0/1 features: the label column is "
     r"missing \(the features alone\?\)"),
    ("last", r": the label is the last of its 601 columns \(whole numbers up to 100 there, 0/1 in "
     r"the first\), where dataset_purchase has 601 columns: .*move the label to the front"),
])  # fmt: skip
def test_a_purchase100_file_without_its_label_first_is_refused(tmp_path, label, said):
    path = tmp_path / "dataset_purchase"
    rng = np.random.default_rng(0)
    rows = (rng.random((20, 600)) < 0.1).astype(int)
    if label == "last":
        rows = np.c_[rows, np.r_[100, rng.integers(1, 101, 19)]]
    np.savetxt(path, rows, fmt="%d", delimiter=",")
    with pytest.raises(DataError, match="^" + re.escape(str(path)) + said):
        load_purchase100(path=path)


_CSV = "a,b,y\n" + "".join(f"{i % 5},{i % 3},{i % 2}\n" for i in range(40))


@pytest.mark.parametrize(("module", "kind", "suffix"),
                         [(gzip, "gzip", "gz"), (bz2, "bzip2", "bz2"), (lzma, "xz", "xz")])
def test_bytes_after_the_compressed_stream_are_refused(tmp_path, module, kind, suffix):
    path = tmp_path / f"data.csv.{suffix}"
    packed = module.compress(_CSV.encode())
    path.write_bytes(packed + b"\0" * 8 + module.compress(b"1,2,0\n"))  # padding, a stream
    assert len(load_csv(path=path, label_column="y")) == 41
    path.write_bytes(packed + b"\0\0appended")
    with pytest.raises(DataError, match=re.escape(str(path)) + rf": bytes after the end of "
                       rf"its {kind}-compressed data that start no other {kind} stream"):
        load_csv(path=path, label_column="y")


def test_an_idx_gz_with_bytes_after_its_data_says_so_as_a_csv_gz_does(tmp_path):
    from mia_defense.data.idx import read_idx

    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])) + b"appended")
    with pytest.raises(DataError, match="^" + re.escape(str(path)) + ": bytes after the end "
                       "of its gzip-compressed data that start no other gzip stream"):
        read_idx(path)


@pytest.mark.parametrize(("magic", "kind"), [
    (b"\x28\xb5\x2f\xfd", "zstd-compressed (a .zst: zstd -d FILE)"),
    (b"\x04\x22\x4d\x18", "lz4-compressed (an .lz4: lz4 -d FILE)"),
    (b"\x1f\x9d", "compressed by Unix compress (a .Z: uncompress FILE)"),
])  # fmt: skip
def test_a_csv_compressed_in_a_format_not_read_is_named_as_such(tmp_path, magic, kind):
    # a data.csv.zst was told "not a readable CSV text file (...); save it as UTF-8 text"
    path = tmp_path / "data.csv.zst"
    path.write_bytes(magic + bytes(60))
    with pytest.raises(DataError, match=re.escape(f"{path}: is {kind}, not a CSV text file")):
        load_csv(path=path, label_column="y")


def test_texas100_feats_holding_the_label_name_that_column(tmp_path):
    # was "line 1, value 1 holds 22.0, where Texas100's features are 0/1: this is not
    # Texas100's data (counts, amounts or scaled features?)"
    from mia_defense.data import load_texas100

    rng = np.random.default_rng(0)
    features, labels = rng.random((30, 8)) < 0.2, rng.integers(1, 101, 30)
    np.savetxt(tmp_path / "feats", np.c_[features, labels], fmt="%d", delimiter=",")
    np.savetxt(tmp_path / "labels", labels, fmt="%d")
    with pytest.raises(DataError, match=re.escape(
            f"{tmp_path / 'feats'}: its last column (value 9) repeats 'labels' line by line: the "
            "label is among the features")):  # fmt: skip
        load_texas100(path=tmp_path)

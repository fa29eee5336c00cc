"""An IDX file gzip-compressed twice (gzip run on a .gz, a browser compressing a .gz
download) was refused as 'not an IDX file (bad magic number 1f8b0800)', which does not say
the file is fine once decompressed one more time."""

from __future__ import annotations

import gzip
import shlex
import shutil
import struct
import subprocess

import numpy as np
import pytest

from mia_defense.data import load_mnist
from mia_defense.errors import DataError


def _idx(array: np.ndarray) -> bytes:
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) \
        + array.astype(np.uint8).tobytes()


def _folder(tmp_path):
    rng = np.random.default_rng(0)
    for part, n in (("train", 30), ("t10k", 20)):
        for name, array in ((f"{part}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28))),
                            (f"{part}-labels-idx1-ubyte", np.arange(n) % 10)):
            (tmp_path / f"{name}.gz").write_bytes(gzip.compress(_idx(array)))


def test_a_file_compressed_twice_is_named_so_with_the_fix(tmp_path):
    folder = tmp_path / "it's here"  # a quote in the path: the command is still right
    folder.mkdir()
    tmp_path = folder
    _folder(tmp_path)
    file = tmp_path / "train-labels-idx1-ubyte.gz"
    file.write_bytes(gzip.compress(file.read_bytes()))
    with pytest.raises(DataError) as refused:
        load_mnist(path=tmp_path)
    said = str(refused.value)
    assert f"{file}: gzip-compressed twice" in said
    assert f"gzip -dc {shlex.quote(str(file))} > once.gz && mv once.gz " in said
    if shutil.which("gzip") and shutil.which("sh"):  # the command it gives mends the file
        command = said.split("keep that: ")[1].split(" (or download")[0]
        subprocess.run(["sh", "-c", command], cwd=tmp_path, check=True)
        assert load_mnist(path=tmp_path).x.shape[0] == 50


def test_other_bad_magic_keeps_its_message(tmp_path):
    _folder(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"PK\x03\x04junk"))
    with pytest.raises(DataError, match=r"not an IDX file \(bad magic number 504b0304\)"):
        load_mnist(path=tmp_path)

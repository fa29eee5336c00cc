"""A data file whose reads fail (EIO: a failing disk, a network or FUSE file system) came
out of the CSV, NPZ, MNIST, Purchase100 and Texas100 loaders as a bare
"OSError: [Errno 5] Input/output error" traceback. Every read through guards.open_regular
is now a DataError naming the file and what to do. /proc/self/mem stands for such a file:
a regular file whose first read fails with EIO (address 0 is never mapped)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from mia_defense.data import (
    load_cifar10,
    load_csv,
    load_mnist,
    load_npz,
    load_purchase100,
    load_texas100,
)
from mia_defense.data.csv_file import check_csv_source
from mia_defense.data.tabular import check_npz_source
from mia_defense.errors import DataError

_MEM = Path("/proc/self/mem")


def _fails_with_eio() -> bool:
    try:
        with open(_MEM, "rb") as handle:
            handle.read(8)
    except OSError as exc:
        return exc.errno == errno.EIO
    return False


pytestmark = pytest.mark.skipif(not _fails_with_eio(), reason="needs /proc/self/mem (Linux)")


def _link(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(_MEM, path)
    return path


def _refused(load, path: Path, **settings) -> None:
    with pytest.raises(DataError) as caught:
        load(path=path, **settings)
    message = str(caught.value)
    assert "reading it failed (Input/output error)" in message
    assert "copy the file to a local disk" in message
    assert str(path.parent) in message or str(_MEM) in message


@pytest.mark.parametrize("load, name, settings", [
    (load_csv, "d.csv", {"label_column": "label"}),
    (check_csv_source, "d.csv", {"label_column": "label"}),
    (load_npz, "d.npz", {}),
    (check_npz_source, "d.npz", {}),
    (load_purchase100, "dataset_purchase", {}),
    (load_cifar10, "data_batch_1", {}),
])
def test_a_file_that_cannot_be_read_is_a_data_error(tmp_path, load, name, settings):
    _refused(load, _link(tmp_path / name), **settings)


def test_an_mnist_file_that_cannot_be_read_is_a_data_error(tmp_path):
    _link(tmp_path / "train-images-idx3-ubyte")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\0\0\x08\x01\0\0\0\x01\x03")
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: reading it failed"):
        load_mnist(path=tmp_path, split="train")


def test_texas_files_that_cannot_be_read_are_a_data_error(tmp_path):
    _link(tmp_path / "feats")
    _link(tmp_path / "labels")
    with pytest.raises(DataError, match=r"reading it failed \(Input/output error\)"):
        load_texas100(path=tmp_path)

"""A data file that is a Git LFS pointer (a repository cloned without git-lfs: the file is
a three-line placeholder) was read as data and refused in words that pointed elsewhere:
dataset=csv said "no column 'label' in the header ['version https://git-lfs...']",
texas100 said line 1 "looks like a header of column names: remove it", mnist "bad magic
number", cifar10 a corrupt pickle or a record count. Every loader now names the pointer and
says to run git lfs pull."""

from __future__ import annotations

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
from mia_defense.errors import DataError
from tests.data.files import write_cifar_binary, write_cifar_python, write_mnist

POINTER = (b"version https://git-lfs.github.com/spec/v1\n"
           b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
           b"size 9912422\n")


def _file(tmp_path, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(POINTER)
    return path


def _csv(tmp_path):
    return dict(path=_file(tmp_path), label_column="label")


def _texas(tmp_path):
    (tmp_path / "labels").write_text("1\n2\n")
    _file(tmp_path, "feats")
    return dict(path=tmp_path)


def _mnist(tmp_path):
    folder = write_mnist(tmp_path / "mnist")
    (folder / "train-images-idx3-ubyte").write_bytes(POINTER)
    return dict(path=folder), folder / "train-images-idx3-ubyte"


def _cifar(tmp_path, *, binary):
    if binary:
        folder = write_cifar_binary(tmp_path / "cifar-10-batches-bin")
        name = "data_batch_1.bin"
    else:
        folder = write_cifar_python(tmp_path / "cifar-10-batches-py")
        name = "data_batch_1"
    (folder / name).write_bytes(POINTER)
    return dict(path=folder), folder / name


@pytest.mark.parametrize("case", ["csv", "csv_check", "npz", "purchase100", "texas100", "mnist",
                                  "cifar_python", "cifar_binary"])
def test_a_git_lfs_pointer_is_named_with_the_fix(tmp_path, case):
    if case in ("csv", "csv_check"):
        load, kwargs = (load_csv if case == "csv" else check_csv_source), _csv(tmp_path)
        where = kwargs["path"]
    elif case == "npz":
        load, where = load_npz, _file(tmp_path, "data.npz")
        kwargs = dict(path=where)
    elif case == "purchase100":
        load, where = load_purchase100, _file(tmp_path, "dataset_purchase")
        kwargs = dict(path=where)
    elif case == "texas100":
        load, kwargs = load_texas100, _texas(tmp_path)
        where = tmp_path / "feats"
    elif case == "mnist":
        load, (kwargs, where) = load_mnist, _mnist(tmp_path)
    else:
        load, (kwargs, where) = load_cifar10, _cifar(tmp_path, binary=case == "cifar_binary")
    with pytest.raises(DataError) as info:
        load(**kwargs)
    said = str(info.value)
    assert said.startswith(f"{where}: is a Git LFS pointer (a placeholder of a 9.5 MiB file)")
    assert "run 'git lfs pull' in its repository" in said


def test_text_that_merely_mentions_git_lfs_is_read_as_data(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("note,a,label\n" + "".join(
        f"version https://git-lfs.github.com/spec/v1,{i % 5},{i % 2}\n" for i in range(40)))
    data = load_csv(path=path, label_column="label")
    assert data.x.shape[0] == 40

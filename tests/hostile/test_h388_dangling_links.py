"""Data files that are symbolic links to nothing (h388): a git-annex or DVC checkout whose
data was never fetched keeps each file as a link into a cache that is not there (or a disk
not mounted). The loaders said "train-images-idx3-ubyte[.gz] not found in <folder>", "no
feats/labels files in <folder>" or "<file> does not exist", beside an ``ls`` that lists the
files; now they name the link, its target and what to do."""

from __future__ import annotations

import os

import pytest

from mia_defense.data import load_cifar10, load_csv, load_mnist, load_npz, load_texas100
from mia_defense.errors import DataError

_SAID = ("is a symbolic link to {target}, which does not exist (data of git-annex or DVC "
         "never fetched: git annex get, dvc pull; or a disk not mounted); fetch the file")
_MNIST = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
          "t10k-labels-idx1-ubyte")
_CIFAR = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
          "test_batch")


def _links(folder, names):
    folder.mkdir(parents=True)
    for name in names:  # as git-annex writes them: relative, into the repository's cache
        os.symlink(f"../.git/annex/objects/{name}", folder / name)
    return folder


@pytest.mark.parametrize(("load", "folder", "names", "first"), [
    (load_mnist, "mnist", _MNIST, "mnist/train-images-idx3-ubyte"),
    (load_texas100, "texas/100", ("feats", "labels"), "texas/100/feats"),
    (load_cifar10, "cifar-10-batches-py", _CIFAR, "cifar-10-batches-py/data_batch_1"),
])  # fmt: skip
def test_a_folder_of_links_to_nothing_names_the_link(tmp_path, load, folder, names, first):
    _links(tmp_path / folder, names)
    root = tmp_path / folder.split("/")[0]
    target = f"../.git/annex/objects/{first.rsplit('/', 1)[1]}"
    with pytest.raises(DataError) as refused:
        load(path=root)
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / first}: ")
    assert _SAID.format(target=target) in message


@pytest.mark.parametrize("load", [load_npz, load_csv])
def test_dataset_path_a_link_to_nothing_names_the_link(tmp_path, load):
    link = tmp_path / "data.file"
    os.symlink(tmp_path / "gone" / "data.file", link)
    kwargs = {"label_column": "y"} if load is load_csv else {}
    with pytest.raises(DataError) as refused:
        load(path=link, **kwargs)
    assert f"{link} {_SAID.format(target=tmp_path / 'gone' / 'data.file')}" \
        in str(refused.value)


def test_a_missing_file_is_still_said_missing(tmp_path):
    with pytest.raises(DataError, match=r"does not exist; set dataset\.path"):
        load_npz(path=tmp_path / "nothing.npz")
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\[\.gz\] not found in"):
        load_mnist(path=tmp_path)

"""An MNIST folder holding the t10k files alone (the train download failed, or only the test
set was kept) was refused under the default dataset.split=all as "train-images-idx3-ubyte
not found ... expected a folder with" the four files, without a word that the test files
there can be read alone. The refusal now names dataset.split=test (train likewise)."""

from __future__ import annotations

import pytest

from mia_defense.data import load_mnist
from mia_defense.errors import DataError
from tests.data.files import write_mnist


def test_test_files_alone_name_the_split_that_reads_them(tmp_path):
    folder = write_mnist(tmp_path / "mnist")
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (folder / name).unlink()
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\[\.gz\] not found .*; the test "
                                        r"files are there: dataset.split=test reads them alone"):
        load_mnist(path=folder)
    assert len(load_mnist(path=folder, split="test").y) == 10


def test_a_part_missing_a_file_of_each_says_no_split(tmp_path):
    folder = write_mnist(tmp_path / "mnist")
    for name in ("train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (folder / name).unlink()
    with pytest.raises(DataError) as info:
        load_mnist(path=folder)
    assert "dataset.split" not in str(info.value)

"""Paths the loaders took without a word:

- an MNIST file copied in another letter case beside the real one (TRAIN-IMAGES-IDX3-UBYTE
  from a system that ignores case, beside train-images-idx3-ubyte: mia-train dataset=mnist
  dataset.path=DIR) was neither compared nor mentioned; with other data it is now refused,
  as the Kaggle name's copy is (test_h563_idx_two_names_one_folder), and the same bytes load;
- dataset.path=file.csv/ (a separator after a file's name) read the file, where the OS
  refuses such a path as 'Not a directory'.
"""

from __future__ import annotations

import shutil

import pytest

from mia_defense.data import load_csv, load_mnist
from mia_defense.errors import DataError
from tests.data.files import write_mnist

_NAME = "train-images-idx3-ubyte"


def test_upper_case_copy_with_other_data_is_refused(tmp_path):
    write_mnist(tmp_path)
    other = tmp_path / "other"
    write_mnist(other, n_train=40)
    shutil.copy(other / _NAME, tmp_path / _NAME.upper())
    with pytest.raises(DataError, match=rf"{_NAME} and .*{_NAME.upper()} both hold {_NAME}, "
                                        r"with different data"):
        load_mnist(path=tmp_path)


def test_upper_case_copy_of_the_same_bytes_loads(tmp_path):
    write_mnist(tmp_path)
    shutil.copy(tmp_path / _NAME, tmp_path / _NAME.upper())
    assert len(load_mnist(path=tmp_path).y) == 40


def test_file_path_ending_with_a_separator_is_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,label\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    with pytest.raises(DataError, match=r"dataset.path ends with '/', which only a folder's "
                                        r"path does, but .*d\.csv is a file"):
        load_csv(path=f"{path}/", label_column="label")

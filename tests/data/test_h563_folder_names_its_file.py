"""dataset.path at the folder holding the file (`mia-train dataset=csv dataset.path=data/
dataset.label_column=y`, `dataset=npz dataset.path=data/`) was refused as "is a folder;
point dataset.path at the CSV", without naming the file that is there. The refusal now
names the files of the loader's kind in the folder, as the setting to type."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_csv, load_npz
from mia_defense.errors import DataError


def test_a_csv_folder_names_its_csv(tmp_path):
    (tmp_path / "adult.csv").write_text("a,y\n1,0\n2,1\n")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError, match=r"is a folder; point dataset.path at the CSV: it holds "
                                        r"adult\.csv \(dataset\.path=.*adult\.csv\)") as info:
        load_csv(path=tmp_path, label_column="y")
    assert "notes.txt" not in str(info.value)


def test_an_npz_folder_names_its_npz_files(tmp_path):
    for name in ("a.npz", "b.NPZ"):
        np.savez(tmp_path / name, x=np.zeros((4, 2)), y=np.arange(4) % 2)
    with pytest.raises(DataError, match=r"it holds a\.npz, b\.NPZ"):
        load_npz(path=tmp_path)


def test_a_folder_of_no_such_file_says_as_before(tmp_path):
    with pytest.raises(DataError, match=r"is a folder; point dataset.path at the \.npz$"):
        load_npz(path=tmp_path)

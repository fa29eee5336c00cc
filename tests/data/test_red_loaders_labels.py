"""Red-team checks of label arrays: an identifier given as the labels."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data import load_csv, load_npz
from mia_defense.errors import DataError


def test_npz_labels_all_distinct_are_an_identifier(tmp_path):
    # 1,500 distinct labels for 1,500 samples became a 1500-way task (1M ids: a million-way
    # model, which the attacks then allocate for), one sample per class
    path = tmp_path / "ids.npz"
    np.savez(path, x=np.zeros((1500, 2), np.float32), y=np.arange(1500) * 7 + 3)
    with pytest.raises(DataError, match=r"ids\.npz: all 1500 labels are distinct \(3, 10, 17"
                                        r".*an identifier, not classes"):
        load_npz(path=path)


def test_csv_label_column_of_ids_is_refused(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("a,id\n" + "".join(f"{i % 7},cust{i}\n" for i in range(1200)))
    with pytest.raises(DataError, match=r"customers\.csv: all 1200 labels are distinct"):
        load_csv(path=path, label_column="id")


def test_many_classes_with_repeats_are_kept(tmp_path):
    path = tmp_path / "many.npz"
    np.savez(path, x=np.zeros((2400, 2), np.float32), y=np.arange(2400) // 2)
    assert load_npz(path=path).num_classes == 1200


def test_float16_labels_load_without_an_overflow_warning(tmp_path):
    # np.abs(y) >= 2.0**62 cast the bound to float16 (inf): "RuntimeWarning: overflow
    # encountered in cast" on stderr for every such file (a traceback under -W error)
    import warnings

    path = tmp_path / "half.npz"
    np.savez(path, x=np.zeros((20, 2), np.float32), y=(np.arange(20) % 2).astype(np.float16))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_npz(path=path).y.tolist() == [0, 1] * 10

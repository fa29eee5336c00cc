"""Refusals of Purchase100's and Texas100's files that said too little or too much:

- an .npz whose labels are fewer than its feature rows (mia-train dataset=purchase100
  dataset.path=p.npz) warned 'only 30 of the 100 classes have samples' from the labels
  before refusing the mismatch: the warning counted labels that pair with no features;
- Texas100's 'feats' holding a NaN (mia-train dataset=texas100 dataset.path=DIR) was refused
  naming the folder and the sample, not the line of 'feats' to fix;
- two text files joined with a byte-order mark in between (cat a b, b saved by Excel or
  Notepad) were refused as "could not convert string '\\ufeff1' ... expected one sample per
  line", naming neither the mark nor its line.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data import load_purchase100, load_texas100
from mia_defense.errors import DataError


def _purchase_rows(rows: int, seed: int = 0) -> str:
    x = np.random.default_rng(seed).integers(0, 2, (rows, 600))
    return "".join(f"{i % 3 + 1}," + ",".join(map(str, r)) + "\n" for i, r in enumerate(x))


def test_rows_mismatch_refused_before_any_class_warning(tmp_path, caplog):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "p.npz", features=rng.integers(0, 2, (50, 600)),
             labels=np.arange(40) % 30)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        with pytest.raises(DataError, match=r"p\.npz: 50 feature rows but 40 labels"):
            load_purchase100(path=tmp_path / "p.npz", label_base=0)
    assert "classes have samples" not in caplog.text


def test_texas_nan_names_its_line(tmp_path):
    feats = np.random.default_rng(0).integers(0, 2, (20, 5)).astype(float)
    feats[7, 3] = np.nan
    (tmp_path / "feats").write_text("# exported\n" + "".join(
        ",".join(f"{v:g}" for v in row) + "\n" for row in feats))
    (tmp_path / "labels").write_text("# exported\n" + "".join(
        f"{i % 3 + 1}\n" for i in range(20)))
    with pytest.raises(DataError,
                       match=r"first at sample 7\); on line 9 of 'feats', its feature 3"):
        load_texas100(path=tmp_path, label_base=1)


def test_purchase_nan_names_its_line(tmp_path):
    (tmp_path / "dataset_purchase").write_text("1,0,1\n\n2,1,nan\n")
    with pytest.raises(DataError, match=r"first at sample 1\); on line 3, its feature 1"):
        load_purchase100(path=tmp_path / "dataset_purchase")


@pytest.mark.parametrize("texas", [False, True])
def test_files_joined_with_a_bom_name_the_line_and_the_mark(tmp_path, texas):
    rows = _purchase_rows(10)
    joined = rows.encode() + b"\xef\xbb\xbf" + rows.encode()
    if texas:
        (tmp_path / "feats").write_bytes(b"\xef\xbb\xbf".join(
            "".join(line.split(",", 1)[1] for line in rows.splitlines(True)).encode()
            for _ in range(2)))
        (tmp_path / "labels").write_text("".join(f"{i % 3 + 1}\n" for i in range(20)))
        file, load = tmp_path / "feats", lambda: load_texas100(path=tmp_path, label_base=1)
    else:
        (tmp_path / "dataset_purchase").write_bytes(joined)
        file = tmp_path / "dataset_purchase"
        load = lambda: load_purchase100(path=file, label_base=1)  # noqa: E731
    with pytest.raises(DataError, match=r"dataset_purchase|feats") as caught:
        load()
    assert f"{file.name}: line 11 starts with a byte-order mark" in str(caught.value)
    assert "joined" in str(caught.value)

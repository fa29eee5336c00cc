"""Label refusals of Purchase100's and Texas100's files (h577):

- an .npz of one-hot labels [40, 100] beside 50 feature rows (mia-train dataset=purchase100
  dataset.path=p.npz) warned 'only 30 of the 100 classes have samples' before refusing the
  mismatch, as 1-D labels did until f309d891: the warning counted labels that pair with no
  features;
- a label that is no class index in a text file (1.5, 0 under label_base=1, 101) was refused
  naming the sample (counted from 0 among the data lines) but not the line of the file to open
  ('dataset_purchase', Texas100's 'labels'): blank and comment lines shift one from the other;
- Purchase100's 1-based labels with a stray 101 warned 'taken as 0-based class indices' before
  refusing the 101, which fits neither base.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.data import load_npz, load_purchase100, load_texas100
from mia_defense.errors import DataError


def test_one_hot_rows_mismatch_refused_before_any_class_warning(tmp_path, caplog):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "p.npz", features=rng.integers(0, 2, (50, 600)),
             labels=np.eye(100)[np.arange(40) % 30])
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        with pytest.raises(DataError, match=r"p\.npz: 50 feature rows but 40 labels"):
            load_purchase100(path=tmp_path / "p.npz", label_base=0)
    assert "classes have samples" not in caplog.text


def test_a_label_column_of_another_row_count_is_refused_as_such(tmp_path, caplog):
    np.savez(tmp_path / "d.npz", x=np.zeros((50, 3)), y=(np.arange(40) % 3)[:, None])
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        with pytest.raises(DataError, match=r"d\.npz: 50 feature rows but 40 labels"):
            load_npz(path=tmp_path / "d.npz", num_classes=10)
    assert "classes have samples" not in caplog.text


def _purchase(tmp_path, labels: list[str]):
    text = "# exported by hand\n\n" + "".join(f"{v},0,1,0\n" for v in labels)
    (tmp_path / "dataset_purchase").write_text(text)
    return tmp_path / "dataset_purchase"


@pytest.mark.parametrize(("stray", "words"), [
    ("1.5", r"found 1\.5 at sample 5 \(1 such labels\); sample 5 is line 8"),
    ("nan", r"found nan at sample 5 \(1 such labels\); sample 5 is line 8"),
    ("101", r"found 101 at sample 5 \(1 labels out of range\); sample 5 is line 8"),
    ("-1", r"found -1 at sample 5 \(1 labels out of range\).*; sample 5 is line 8"),
])
def test_purchase_label_refusals_name_the_line(tmp_path, stray, words):
    file = _purchase(tmp_path, [str(i % 3 + 1) if i != 5 else stray for i in range(10)])
    with pytest.raises(DataError, match=words):
        load_purchase100(path=file)


def test_a_label_fitting_no_base_is_refused_without_a_base_warning(tmp_path, caplog):
    file = _purchase(tmp_path, [str(i % 3 + 1) if i != 5 else "101" for i in range(10)])
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        with pytest.raises(DataError, match="found 101"):
            load_purchase100(path=file)
    assert "0-based" not in caplog.text


@pytest.mark.parametrize(("stray", "base", "words"), [
    ("1.5", None, r"found 1\.5 at sample 5 \(1 such labels\); sample 5 is line 8 of 'labels'"),
    ("0", 1, r"found 0 at sample 5 \(1 labels out of range\); sample 5 is line 8 of 'labels'"),
])
def test_texas_label_refusals_name_the_line_of_labels(tmp_path, stray, base, words):
    head = "# exported by hand\n\n"
    (tmp_path / "feats").write_text(head + "0,1,0\n1,0,0\n" * 5)
    (tmp_path / "labels").write_text(head + "".join(
        f"{i % 3 + 1 if i != 5 else stray}\n" for i in range(10)))
    with pytest.raises(DataError, match=words):
        load_texas100(path=tmp_path, label_base=base)


@pytest.mark.parametrize("label", [str(2**63), "1e300"])
def test_a_huge_whole_label_is_too_large_not_fractional(tmp_path, label):
    """2**63 in dataset_purchase was 'labels must be integer class indices, found
    9.223372036854776e+18': a whole number, refused as if it were not one."""
    file = _purchase(tmp_path, [str(i % 3 + 1) if i != 5 else label for i in range(10)])
    with pytest.raises(DataError, match=r"label .* at sample 5 is too large for a class "
                                        r"index \(0\.\.C-1\); sample 5 is line 8"):
        load_purchase100(path=file)


def test_a_huge_unsigned_label_names_its_sample(tmp_path):
    y = (np.arange(40) % 2).astype(np.uint64)
    y[7] = 2**63
    np.savez(tmp_path / "d.npz", x=np.ones((40, 2)), y=y)
    with pytest.raises(DataError, match=r"d\.npz: label 9223372036854775808 at sample 7 is too "
                                        r"large for a class index \(0\.\.C-1\)"):
        load_npz(path=tmp_path / "d.npz")

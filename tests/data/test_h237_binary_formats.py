"""A binary data file given to dataset=csv or dataset=npz (helper 237): a Parquet, HDF5,
pickle or PNG file read as CSV text was refused as "not a readable CSV text file ('utf-8'
codec can't decode byte 0x89 ...); save it as UTF-8 text", and by dataset=npz as "not a
valid .npz file (no zip signature)": neither said what the file is. Their magic bytes name
the format now, with what to do; nothing is unpickled or decompressed to tell."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from mia_defense.data import load_csv, load_npz
from mia_defense.data.csv_file import check_csv_source
from mia_defense.errors import DataError

_BODY = bytes(range(256)) * 4  # binary after the magic, as in the real files

_FILES = [
    ("data.parquet", b"PAR1\x15\x04" + _BODY, "a Parquet file", "export it as CSV"),
    ("data.h5", b"\x89HDF\r\n\x1a\n" + _BODY, "an HDF5 file", "export it as CSV"),
    ("data.feather", b"ARROW1\x00\x00" + _BODY, "an Arrow/Feather file", "export it as CSV"),
    ("data.db", b"SQLite format 3\x00" + _BODY, "an SQLite database", "export it as CSV"),
    ("img.png", b"\x89PNG\r\n\x1a\n" + _BODY, "a PNG image", "stack the images"),
    ("img.jpg", b"\xff\xd8\xff\xe0" + _BODY, "a JPEG image", "stack the images"),
    ("doc.pdf", b"%PDF-1.7\n" + _BODY, "a PDF document", "export the table it shows as CSV"),
    ("data.mat", b"MATLAB 5.0 MAT-file, Platform: x" + _BODY, "a MATLAB .mat file",
     "scipy.io.loadmat"),
    ("data.pkl", pickle.dumps({"x": [[1.0, 2.0]], "y": [0]}, protocol=2), "a Python pickle",
     "load it in code you trust"),
    ("data5.pkl", pickle.dumps(np.zeros((4, 3)), protocol=5), "a Python pickle",
     "load it in code you trust"),
]


@pytest.mark.parametrize(("name", "content", "kind", "fix"), _FILES)
def test_dataset_csv_names_the_binary_format(tmp_path, name, content, kind, fix):
    path = tmp_path / name
    path.write_bytes(content)
    for check in (load_csv, check_csv_source):  # the config check refuses it alike
        with pytest.raises(DataError, match=rf"{name}: is {kind}, not a CSV text file; ") as err:
            check(path=path, label_column="y")
        message = str(err.value)
        assert fix in message
        assert "UTF-8" not in message and len(message) - len(str(path)) < 200


@pytest.mark.parametrize(("name", "content", "kind", "fix"), _FILES)
def test_dataset_npz_names_the_binary_format(tmp_path, name, content, kind, fix):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=rf"{name}: is {kind}, not an \.npz file; ") as err:
        load_npz(path=path)
    message = str(err.value)
    assert fix in message and "no zip signature" not in message
    assert len(message) - len(str(path)) < 200


def test_a_table_format_given_to_csv_is_told_to_export_it_or_use_npz(tmp_path):
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1" + _BODY)
    with pytest.raises(DataError) as err:
        load_csv(path=path, label_column="y")
    assert str(err.value) == (
        f"{path}: is a Parquet file, not a CSV text file; export it as CSV "
        "(pd.read_parquet(path).to_csv('data.csv', index=False)), or save X and y with "
        "np.savez('data.npz', x=X, y=y) and use dataset=npz")


def test_a_pickle_is_never_unpickled(tmp_path, monkeypatch):
    """The format is told from two bytes; the pickle's code never runs."""
    def refuse(*args, **kwargs):
        raise AssertionError("unpickled")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    path = tmp_path / "data.pkl"
    path.write_bytes(pickle.dumps([1, 2, 3], protocol=4))
    with pytest.raises(DataError, match="is a Python pickle"):
        load_csv(path=path, label_column="y")


@pytest.mark.parametrize("text", ["\u20ac\x02,y\n1,0\n", "a,y\n1,0\n2,1\n"])
def test_text_that_merely_starts_like_no_format_is_not_misnamed(tmp_path, text):
    """Only the magic bytes decide: a CSV is still read as one (or refused in its own words)."""
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    try:
        load_csv(path=path, label_column="y")
    except DataError as err:
        assert " is a" not in str(err).split(";")[0]

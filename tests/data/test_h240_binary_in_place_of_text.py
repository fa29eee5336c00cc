"""A binary data file (Parquet, HDF5, .npy, a pickle, an image...) given in place of
Purchase100's or Texas100's text files, or of a CIFAR batch, was refused as text that is not
comma-separated numbers ("need a label column and features, got 1 column", "line 1 looks
like a header"), or as a corrupt pickle, saying neither what it is nor what to do. The format
is named now (guards.binary_kind), with advice for that loader, not dataset=csv's."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from mia_defense.data.cifar import load_cifar10, load_cifar100
from mia_defense.data.tabular import (
    check_purchase100_source,
    check_texas100_source,
    load_purchase100,
    load_texas100,
)
from mia_defense.errors import DataError
from tests.data.files import write_cifar_binary, write_cifar_python

_BODY = bytes(range(256)) * 4

_FILES = [
    (b"PAR1\x15\x04" + _BODY, "a Parquet file", "load its table into features X and labels y"),
    (b"\x89HDF\r\n\x1a\n" + _BODY, "an HDF5 file", "load its table"),
    (b"SQLite format 3\x00" + _BODY, "an SQLite database", "load its table"),
    (b"\x93NUMPY\x01\x00" + _BODY, "a numpy .npy file", "numpy.load(path) reads it"),
    (b"\x89PNG\r\n\x1a\n" + _BODY, "a PNG image", "stack the images"),
    (b"MATLAB 5.0 MAT-file" + _BODY, "a MATLAB .mat file", "scipy.io.loadmat"),
    (pickle.dumps({"x": [[1.0, 0.0]], "y": [1]}, protocol=4), "a Python pickle",
     "unpickling runs code, so it is not read here: load it in code you trust"),
    (b"%PDF-1.7\n" + _BODY, "a PDF document", None),
]


def _said(message: str, path, kind: str, expected: str, instead: str, how: str | None,
          savez: str) -> None:
    assert message.startswith(f"{path}: is {kind}"), message
    assert f", not {expected}; {instead}" in message, message
    if how is None:  # a document: no data to get out
        assert "to use the data" not in message
    else:
        assert f"; to use the data in it: {how}" in message and savez in message, message
    assert "CSV" not in message.replace("comma-separated", "")  # dataset=csv's advice


@pytest.mark.parametrize(("content", "kind", "how"), _FILES)
def test_purchase100_names_the_format(tmp_path, content, kind, how):
    (tmp_path / "dataset_purchase").write_bytes(content)
    for call in (load_purchase100, check_purchase100_source):
        with pytest.raises(DataError) as info:
            call(path=tmp_path)
        _said(str(info.value), tmp_path / "dataset_purchase", kind,
              "Purchase100's comma-separated text file (dataset_purchase)",
              "point dataset.path at dataset_purchase of the original release", how,
              "np.savez('purchase100.npz', features=X, labels=y)")


@pytest.mark.parametrize(("content", "kind", "how"), _FILES)
@pytest.mark.parametrize("name", ["feats", "labels"])
def test_texas100_names_the_format(tmp_path, content, kind, how, name):
    folder = tmp_path / "texas" / "100"
    folder.mkdir(parents=True)
    (folder / "feats").write_text("0,1,1\n1,0,1\n")
    (folder / "labels").write_text("1\n2\n")
    (folder / name).write_bytes(content)
    for call in (load_texas100, check_texas100_source):
        with pytest.raises(DataError) as info:
            call(path=tmp_path)
        _said(str(info.value), folder / name, kind,
              f"Texas100's comma-separated text file ('{name}' of texas/100/)",
              "point dataset.path at the texas/100/ folder of dataset_texas.tgz", how,
              "np.savez('texas100.npz', features=X, labels=y)")
    # given as the path itself, it was "is not an .npz"
    with pytest.raises(DataError) as info:
        load_texas100(path=folder / name)
    _said(str(info.value), folder / name, kind,
          "an .npz, or the texas/100/ folder of Texas100's text",
          "point dataset.path at the texas/100/ folder", how, "np.savez('texas100.npz'")


@pytest.mark.parametrize(("content", "kind", "how"), [f for f in _FILES if "pickle" not in f[1]])
@pytest.mark.parametrize("version", ["python", "binary"])
def test_cifar_names_the_format(tmp_path, content, kind, how, version):
    folder = (write_cifar_python(tmp_path / "cifar-10-batches-py") if version == "python"
              else write_cifar_binary(tmp_path / "cifar-10-batches-bin"))
    batch = folder / ("data_batch_1" if version == "python" else "data_batch_1.bin")
    batch.write_bytes(content)
    with pytest.raises(DataError) as info:
        load_cifar10(path=folder)
    _said(str(info.value), batch, kind, "a CIFAR batch file",
          "point dataset.path at the extracted cifar-10-batches-py/ or cifar-10-batches-bin/ "
          "folder of the CIFAR download", how,
          "save X [N, 3, 32, 32] and y with np.savez('data.npz', x=X, y=y) and use dataset=npz")


def test_text_and_real_batches_still_load(tmp_path):
    # the originals are read as before: CIFAR's python batches are pickles, a binary batch
    # starts with a label byte, and the text files are text
    assert len(load_cifar10(path=write_cifar_python(tmp_path / "py"))) == 60
    assert len(load_cifar100(path=write_cifar_binary(tmp_path / "bin", cifar100=True))) == 60
    rng = np.random.default_rng(0)
    rows = [",".join([str(1 + i % 100)] + [str(v) for v in rng.integers(0, 2, 600)])
            for i in range(300)]
    (tmp_path / "dataset_purchase").write_text("\n".join(rows) + "\n")
    assert load_purchase100(path=tmp_path, label_base=1).x.shape == (300, 600)

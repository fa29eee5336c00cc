"""h489: the data loaders' refusals (data/cifar.py, csv_*.py, tabular.py, checks.py,
guards.py, files.py) put the path of dataset.path into their messages bare: a file in a
folder named ``$'evil\\x1b[2J\\nname'`` cleared the terminal and split the refusal over two
lines, and one under 1,500 characters of folders was said whole. Each names it now as every
refusal does (`constraints.shown_path`: a name with a control character as ``$'...'``
writes it, one longer than `constraints.PATH_LIMIT` clipped, with its length); an ordinary
path is said as before, whole and as it is."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mia_defense import data
from mia_defense.constraints import shown_path
from mia_defense.errors import MiaDefenseError
from tests.hostile.test_h481_paths_in_more_suggested_commands import _long, _ordinary


def _refusal(load: Callable[[], object]) -> str:
    with pytest.raises(MiaDefenseError) as caught:
        load()
    return str(caught.value)


def _csv_header_only(folder: Path) -> tuple[Path, str]:  # csv_file.py
    file = folder / "a.csv"
    file.write_text("a,b\n")
    return file, _refusal(lambda: data.load_csv(path=file, label_column="b"))


def _csv_label_missing(folder: Path) -> tuple[Path, str]:  # csv_labels.py
    file = folder / "a.csv"
    file.write_text("a,b\n1,0\n3,\n")
    return file, _refusal(lambda: data.load_csv(path=file, label_column="b"))


def _csv_nul(folder: Path) -> tuple[Path, str]:  # csv_numbers.py
    file = folder / "a.csv"
    file.write_text("a,b\n1\0,0\n3,1\n")
    return file, _refusal(lambda: data.load_csv(path=file, label_column="b"))


def _csv_one_class(folder: Path) -> tuple[Path, str]:  # checks.py, by its source
    file = folder / "a.csv"
    file.write_text("a,b\n1,1\n3,1\n")
    return file, _refusal(lambda: data.load_csv(path=file, label_column="b"))


def _npz_not_zip(folder: Path) -> tuple[Path, str]:  # tabular.py
    file = folder / "a.npz"
    file.write_bytes(b"not a zip")
    return file, _refusal(lambda: data.load_npz(path=file))


def _npz_no_features(folder: Path) -> tuple[Path, str]:  # tabular.py
    file = folder / "a.npz"
    np.savez(file, q=np.zeros(3))
    return file, _refusal(lambda: data.load_npz(path=file))


def _npz_object_array(folder: Path) -> tuple[Path, str]:  # files.py
    file = folder / "a.npz"
    np.savez(file, x=np.array([[1], "a"], dtype=object), y=np.array([0, 1]))
    return file, _refusal(lambda: data.load_npz(path=file))


def _npz_nan(folder: Path) -> tuple[Path, str]:  # checks.py
    file = folder / "a.npz"
    np.savez(file, x=np.full((4, 2), np.nan), y=np.array([0, 1, 0, 1]))
    return file, _refusal(lambda: data.load_npz(path=file))


def _npz_missing(folder: Path) -> tuple[Path, str]:  # checks.py, dataset.path resolved
    file = folder / "missing.npz"
    return file, _refusal(lambda: data.load_npz(path=file))


def _fifo(folder: Path) -> tuple[Path, str]:  # checks.py
    file = folder / "a.csv"
    os.mkfifo(file)
    return file, _refusal(lambda: data.load_csv(path=file, label_column="b"))


def _cifar_batch(folder: Path) -> tuple[Path, str]:  # cifar.py
    batch = pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1, 2]},
                         protocol=2)
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        (folder / name).write_bytes(batch)
    return folder / "data_batch_1", _refusal(lambda: data.load_cifar10(path=folder))


def _texas_labels(folder: Path) -> tuple[Path, str]:  # tabular.py
    (folder / "feats").write_text("0,1\n1,0\n")
    (folder / "labels").write_text("1,2\n2,1\n")
    return folder / "labels", _refusal(lambda: data.load_texas100(path=folder))


_REFUSALS = [_csv_header_only, _csv_label_missing, _csv_nul, _csv_one_class, _npz_not_zip,
             _npz_no_features, _npz_object_array, _npz_nan, _npz_missing, _fifo, _cifar_batch,
             _texas_labels]


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_a_name_with_an_escape_code_is_escaped(refused, tmp_path: Path) -> None:
    folder = tmp_path / "evil\x1b[2J\nname\u202e"
    folder.mkdir()
    file, message = refused(folder)
    assert "\x1b" not in message and "\n" not in message and "\u202e" not in message
    assert f"$'{tmp_path}/evil\\x1b[2J\\x0aname\\u202e/{file.name}'" in message
    assert shown_path(file) in message


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_a_path_of_1500_characters_is_clipped(refused, tmp_path: Path) -> None:
    folder = _long(tmp_path)
    folder.mkdir(parents=True)
    file, message = refused(folder)
    assert str(folder) not in message
    assert f"… ({len(str(file))} characters)" in message
    assert shown_path(file) in message


@pytest.mark.parametrize("refused", _REFUSALS, ids=lambda f: f.__name__.strip("_"))
def test_an_ordinary_path_is_said_as_it_is(refused, tmp_path: Path) -> None:
    folder = _ordinary(tmp_path)
    folder.mkdir(parents=True)
    file, message = refused(folder)
    assert f"{file}:" in message or f"{file} " in message

"""dataset=cifar10/cifar100: a folder holding both the python (pickle) and the binary version
of the batches read the python ones and ignored the others without a word, even when they
held other data. Other data is refused naming both (as IDX files found twice are); the same
data, in any order, is read as before."""

from __future__ import annotations

import logging
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from mia_defense.data.cifar import check_cifar10_source, load_cifar10, load_cifar100
from mia_defense.errors import DataError
from tests.data.files import write_cifar_binary, write_cifar_python


def _binary_of(python_folder: Path, binary_folder: Path, *, cifar100: bool = False,
               reverse: bool = False) -> None:
    """The binary version of the python batches in ``python_folder`` (records reversed)."""
    binary_folder.mkdir(parents=True, exist_ok=True)
    for file in sorted(python_folder.iterdir()):
        batch = pickle.loads(file.read_bytes(), encoding="bytes")
        keys = (b"coarse_labels", b"fine_labels") if cifar100 else (b"labels",)
        labels = np.stack([np.asarray(batch[k]) for k in keys], axis=1).astype(np.uint8)
        records = np.concatenate([labels, batch[b"data"]], axis=1)
        if reverse:
            records = records[::-1]
        (binary_folder / f"{file.name}.bin").write_bytes(records.tobytes())


def test_both_versions_side_by_side_with_other_data_are_refused(tmp_path):
    write_cifar_python(tmp_path / "cifar-10-batches-py", seed=0)
    write_cifar_binary(tmp_path / "cifar-10-batches-bin", seed=5)
    for call in (load_cifar10, check_cifar10_source):
        with pytest.raises(DataError) as info:
            call(path=tmp_path)
        message = str(info.value)
        assert message.startswith(
            f"dataset 'cifar10': {tmp_path / 'cifar-10-batches-py' / 'data_batch_1'} and "
            f"{tmp_path / 'cifar-10-batches-bin' / 'data_batch_1.bin'} hold different data"
        ), message
        assert f"only the python batches in {tmp_path / 'cifar-10-batches-py'} are read" in message
        assert "point dataset.path at the folder (or the batch file) meant" in message
    # each folder on its own is read
    assert len(load_cifar10(path=tmp_path / "cifar-10-batches-py", normalize=False)) == 60
    assert len(load_cifar10(path=tmp_path / "cifar-10-batches-bin", normalize=False)) == 60


def test_both_versions_in_one_folder_with_other_data_are_refused(tmp_path):
    folder = write_cifar_python(tmp_path / "c10", seed=0)
    write_cifar_binary(folder, seed=5)
    with pytest.raises(DataError, match=r"hold different data \(CIFAR batch files of split "
                                         r"'all', python and binary versions\)"):
        load_cifar10(path=folder)


def test_batches_in_only_one_version_are_other_data(tmp_path):
    write_cifar_python(tmp_path / "cifar-10-batches-py", seed=0)
    (tmp_path / "cifar-10-batches-bin").mkdir()
    (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").write_bytes(bytes(3073))
    for name in ("data_batch_1", "data_batch_2"):
        (tmp_path / "cifar-10-batches-py" / name).unlink()
    with pytest.raises(DataError, match="hold different data"):
        load_cifar10(path=tmp_path)
    # the python test batch alone, beside a binary one of the same data: read
    (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").unlink()
    _binary_of(tmp_path / "cifar-10-batches-py", tmp_path / "cifar-10-batches-bin")
    assert len(load_cifar10(path=tmp_path, split="test")) == 20


@pytest.mark.parametrize("cifar100", [False, True])
def test_the_same_data_in_both_versions_is_read_as_before(tmp_path, cifar100, caplog):
    name = "cifar-100-python" if cifar100 else "cifar-10-batches-py"
    python = write_cifar_python(tmp_path / name, cifar100=cifar100)
    load = load_cifar100 if cifar100 else load_cifar10
    with caplog.at_level(logging.WARNING):
        alone = load(path=tmp_path, normalize=False)
    said = [r.getMessage() for r in caplog.records]
    caplog.clear()
    _binary_of(python, tmp_path / ("cifar-100-binary" if cifar100 else "cifar-10-batches-bin"),
               cifar100=cifar100, reverse=True)
    with caplog.at_level(logging.WARNING):
        both = load(path=tmp_path, normalize=False)
    np.testing.assert_array_equal(both.x, alone.x)
    np.testing.assert_array_equal(both.y, alone.y)
    assert [r.getMessage() for r in caplog.records] == said  # nothing more said
    if cifar100:  # another fine label is other data
        binary = tmp_path / "cifar-100-binary" / "train.bin"
        raw = bytearray(binary.read_bytes())
        raw[1] = (raw[1] + 1) % 100
        binary.write_bytes(bytes(raw))
        with pytest.raises(DataError, match="hold different data"):
            load(path=tmp_path)


def test_one_folder_reached_twice_is_not_compared(tmp_path):
    python = write_cifar_python(tmp_path / "cifar-10-batches-py")
    (tmp_path / "inner").mkdir()
    for file in python.iterdir():
        shutil.copy(file, tmp_path / "inner" / file.name)
    (tmp_path / "inner" / "cifar-10-batches-py").symlink_to(tmp_path / "inner")
    assert len(load_cifar10(path=tmp_path / "inner")) == 60

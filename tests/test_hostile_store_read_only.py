"""Hostile: a model store this user may read but not write (a shared read-only store of
trained models) was refused as 'cannot use it as the model store' even when the entry the
run needs was there: reading must work, and only an entry that cannot be written is
logged (the run goes on with the models it trained)."""

from __future__ import annotations

import errno
import logging
import os
import stat
import subprocess

import pytest
import torch
from torch import nn

from mia_defense import store as store_module
from mia_defense.errors import DataError
from mia_defense.store import ModelStore
from mia_defense.training.checkpoints import checkpoint_path, load_checkpoint, save_model
from mia_defense.training.loop import Ensemble, EpochRecord, ModelHistory

KEY = ("c" * 64, {})


def _trainer(directory, calls):
    def train():
        calls.append(directory)
        for k in range(2):
            path = checkpoint_path(directory, k)
            if not path.exists():
                torch.manual_seed(k)
                history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={})
                save_model(path, nn.Linear(3, 2), history, fingerprint="f")
        return Ensemble(models=[], histories=[], engine="stacked", fallback_reason=None)
    return train


def _train_once(store, directory, calls):
    return store.train_once(KEY, _trainer(directory, calls), checkpoint_dir=directory,
                            fingerprint="f", num_models=2, stage="model")


def _read_only(monkeypatch, root):
    """What a directory this user may not write does (the suite runs as root, which may
    write anywhere): opening a file in it to write, or making one, is refused."""
    real_open, real_write = os.open, store_module.atomic_write

    def open_(path, flags, *args, **kwargs):
        if str(path).startswith(str(root)) and flags & (os.O_CREAT | os.O_RDWR | os.O_WRONLY):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    def refuse(handle):
        raise PermissionError(errno.EACCES, "Permission denied", handle.name)

    def write(path, data):  # atomic_write's own DataError for a write refused
        return real_write(path, refuse if str(path).startswith(str(root)) else data)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(store_module, "atomic_write", write)


@pytest.mark.parametrize("lock", ["kept", "absent"])
def test_an_entry_in_a_read_only_store_is_read(tmp_path, monkeypatch, caplog, lock):
    root, calls = tmp_path / "store", []
    _train_once(ModelStore(root), tmp_path / "writer", calls)
    assert calls == [tmp_path / "writer"] and (root / f"{KEY[0]}.json").is_file()
    if lock == "absent":
        (root / f"{KEY[0]}.lock").unlink()
    before = sorted(p.name for p in root.iterdir())
    _read_only(monkeypatch, root)
    reader = ModelStore(root)
    _train_once(reader, tmp_path / "reader", calls)
    assert reader.stages["model"]["reused"] and reader.reused == 2
    first = load_checkpoint(checkpoint_path(tmp_path / "writer", 0))["state_dict"]
    taken = load_checkpoint(checkpoint_path(tmp_path / "reader", 0))["state_dict"]
    assert torch.equal(first["weight"], taken["weight"])
    assert sorted(p.name for p in root.iterdir()) == before
    assert "cannot use it as the model store" not in caplog.text


def test_a_missing_entry_of_a_read_only_store_is_trained_and_logged(tmp_path, monkeypatch,
                                                                    caplog):
    root, calls = tmp_path / "store", []
    root.mkdir()
    _read_only(monkeypatch, root)
    caplog.set_level(logging.INFO, logger="mia_defense.store")
    store = ModelStore(root)
    _train_once(store, tmp_path / "run", calls)  # no DataError: the run goes on
    assert calls == [tmp_path / "run"] and not store.stages["model"]["reused"]
    assert f"model store {root} cannot be written by this run (Permission denied)" in caplog.text
    assert f"model store entry {root / KEY[0]}.pt not written" in caplog.text
    assert list(root.iterdir()) == []


def test_a_store_path_that_is_a_file_is_still_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DataError, match=rf"cache_dir={blocker}: cannot use it as the model "
                                        r"store \(a file, not a folder\); point cache_dir"):
        _train_once(ModelStore(blocker), tmp_path / "run", [])


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory")
def test_a_read_only_store_by_its_permissions(tmp_path):
    root, calls = tmp_path / "store", []
    _train_once(ModelStore(root), tmp_path / "writer", calls)
    for path in [*root.iterdir(), root]:
        path.chmod(stat.S_IRUSR | stat.S_IXUSR if path == root else stat.S_IRUSR)
    try:
        reader = ModelStore(root)
        _train_once(reader, tmp_path / "reader", calls)
        assert reader.reused == 2
    finally:
        root.chmod(stat.S_IRWXU)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root for a read-only bind mount")
def test_a_store_on_a_read_only_mount(tmp_path, caplog):
    root, calls = tmp_path / "store", []
    _train_once(ModelStore(root), tmp_path / "writer", calls)
    mounted = subprocess.run(["mount", "--bind", "-o", "ro", str(root), str(root)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot make a read-only mount here")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(root)], capture_output=True)
        if os.access(root, os.W_OK):  # (access() tells a read-only file system, even to root)
            pytest.skip("the bind mount did not become read-only here")
        reader = ModelStore(root)
        _train_once(reader, tmp_path / "reader", calls)
        assert reader.reused == 2 and reader.stages["model"]["reused"]
        # an entry the store lacks: trained, and logged as not written
        other = ModelStore(root)
        other.train_once(("0" * 64, {}), _trainer(tmp_path / "other", calls),
                         checkpoint_dir=tmp_path / "other", fingerprint="f", num_models=2,
                         stage="model")
        assert not other.stages["model"]["reused"]
        assert f"model store entry {root / ('0' * 64)}.pt not written (Read-only file " \
               "system)" in caplog.text
    finally:
        subprocess.run(["umount", str(root)], capture_output=True)

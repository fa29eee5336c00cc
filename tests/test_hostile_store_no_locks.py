"""Hostile: a run directory or model store on a file system that gives no locks (NFS
without its lock daemon, some FUSE mounts): flock's OSError (ENOLCK) was a traceback as the
run claimed its directory or the store its key."""

from __future__ import annotations

import errno
import fcntl
import logging

import pytest
import torch
from torch import nn

from mia_defense.store import ModelStore
from mia_defense.tracking.run_dir import claim_run_dir
from mia_defense.training.checkpoints import checkpoint_path, save_model
from mia_defense.training.loop import Ensemble, EpochRecord, ModelHistory


@pytest.fixture
def no_locks(monkeypatch):
    def flock(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", flock)


def test_a_run_directory_without_locks_is_used_with_a_warning(tmp_path, no_locks, caplog):
    with claim_run_dir(tmp_path / "run") as run_dir:
        assert run_dir == tmp_path / "run"
    assert (f"{tmp_path / 'run' / '.lock'}: the file system gives no locks (No locks "
            "available), so another mia-train started in this directory would not be "
            "noticed") in caplog.text


def test_a_model_store_without_locks_is_used_with_a_warning(tmp_path, no_locks, caplog):
    def train():
        path = checkpoint_path(tmp_path / "run", 0)
        if not path.exists():
            torch.manual_seed(0)
            save_model(path, nn.Linear(2, 2), ModelHistory(
                epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={}), fingerprint="f")
        return Ensemble(models=[], histories=[], engine="stacked", fallback_reason=None)

    caplog.set_level(logging.INFO, logger="mia_defense.store")
    store = ModelStore(tmp_path / "store")
    store.train_once(("f" * 64, {}), train, checkpoint_dir=tmp_path / "run", fingerprint="f",
                     num_models=1, stage="model")
    assert "the file system gives no locks (No locks available)" in caplog.text
    assert "stored 1 target models" in caplog.text

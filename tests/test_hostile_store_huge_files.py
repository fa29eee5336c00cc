"""Hostile: a checkpoint or a model store entry far larger than memory (a sparse or forged
file) was read whole: a raw MemoryError traceback, or the machine's RAM filled."""

from __future__ import annotations

import hashlib
import json
import logging
import os

import pytest
import torch
from torch import nn

from mia_defense import archives
from mia_defense.errors import DataError
from mia_defense.store import STORE_SCHEMA, ModelStore
from mia_defense.training.checkpoints import checkpoint_path, load_checkpoint, save_model
from mia_defense.training.loop import Ensemble, EpochRecord, ModelHistory

TERABYTE = 1 << 40


def _sparse(path, size=TERABYTE):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        try:
            handle.truncate(size)
        except OSError:
            pytest.skip("this file system takes no sparse terabyte file")


def test_a_terabyte_checkpoint_is_refused_naming_it(tmp_path):
    path = checkpoint_path(tmp_path, 0)
    _sparse(path)
    with pytest.raises(DataError, match=(
        rf"checkpoint {path} is 1024.0 GiB, more than the .* of memory this machine can "
        r"spare: free memory and start again, or, if it is no checkpoint of this run \(a "
        r"sparse or forged file\), delete it to retrain that model")):
        load_checkpoint(path, fingerprint="f")


def test_the_bound_is_the_memory_this_machine_can_spare(tmp_path, monkeypatch):
    path = checkpoint_path(tmp_path, 0)
    save_model(path, nn.Linear(3, 2), ModelHistory(
        epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={}), fingerprint="f")
    assert load_checkpoint(path)["fingerprint"] == "f"
    monkeypatch.setattr(archives, "available_memory", lambda: 100)
    with pytest.raises(DataError, match=r"more than the 50 bytes of memory"):
        load_checkpoint(path)


def test_a_terabyte_store_entry_is_trained_again(tmp_path, caplog):
    root, key = tmp_path / "store", "e" * 64
    _sparse(root / f"{key}.pt")
    (root / f"{key}.json").write_text(json.dumps(
        {"key": key, "sha256": hashlib.sha256(b"").hexdigest(), "bytes": 1 << 50,
         "num_models": 1, "schema": STORE_SCHEMA}))
    trained = []

    def train():
        trained.append(True)
        save_model(checkpoint_path(tmp_path / "run", 0), nn.Linear(3, 2), ModelHistory(
            epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={}), fingerprint="f")
        return Ensemble(models=[], histories=[], engine="stacked", fallback_reason=None)

    caplog.set_level(logging.WARNING, logger="mia_defense.store")
    store = ModelStore(root)
    store.train_once((key, {}), train, checkpoint_dir=tmp_path / "run", fingerprint="f",
                     num_models=1, stage="model")
    assert trained and not store.stages["model"]["reused"]
    assert f"model store entry {root / key}.pt is not used: 1024.0 GiB, more than" in caplog.text
    assert os.path.getsize(root / f"{key}.pt") < 1 << 20  # replaced by the trained entry
    assert torch.load(root / f"{key}.pt", weights_only=True)["key"] == key

"""Hostile: why a file could not be written is the error's ``reason``, not a regex over
its message (the model store read it out of the text, and a store folder whose name held
'cannot write it (...);' gave that text as the reason)."""

from __future__ import annotations

import logging

import pytest
import torch
from torch import nn

from mia_defense.errors import DataError
from mia_defense.files import atomic_write
from mia_defense.store import ModelStore
from mia_defense.training.checkpoints import checkpoint_path, save_model
from mia_defense.training.loop import Ensemble, EpochRecord, ModelHistory


def test_a_write_that_fails_says_why_in_its_reason(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DataError) as caught:
        atomic_write(blocker / "out.json", lambda handle: handle.write(b"{}"))
    assert caught.value.reason == "File exists"
    assert str(caught.value) == (  # no space to free: a file is in the way
        f"{blocker / 'out.json'}: cannot write it (File exists); "
        "choose a writable run directory (hydra.run.dir=...)")
    assert DataError("other").reason is None


def test_the_store_logs_the_reason_whatever_its_folder_is_named(tmp_path, caplog):
    root = tmp_path / "cannot write it (odd); name"
    key = ("d" * 64, {})

    def train():
        path = checkpoint_path(tmp_path / "run", 0)
        if not path.exists():
            torch.manual_seed(0)
            save_model(path, nn.Linear(2, 2), ModelHistory(
                epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={}), fingerprint="f")
        return Ensemble(models=[], histories=[], engine="stacked", fallback_reason=None)

    (root / f"{key[0]}.pt").mkdir(parents=True)  # the entry's place taken: no write
    (root / f"{key[0]}.pt" / "keep").write_text("x")
    caplog.set_level(logging.WARNING, logger="mia_defense.store")
    ModelStore(root).train_once(key, train, checkpoint_dir=tmp_path / "run", fingerprint="f",
                                num_models=1, stage="model")
    assert f"model store entry {root / key[0]}.pt not written (Is a directory); the run " \
           "goes on" in caplog.text

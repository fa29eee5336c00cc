"""A process runs the code it imported, the model store's key reads the files: in a sweep
run in one process (Hydra's basic launcher), a model file edited between two runs keyed the
second run on the new code while it trained the old one, and stored those weights under the
new code's key; a later sweep of the new code took them (checked through run(): its arrays
then differed from a run without the store). Such a run now neither takes from nor writes
to the store, and says why; a module imported again (a new process) is keyed afresh."""

from __future__ import annotations

import importlib
import logging
import sys

import torch

from mia_defense.store import ModelStore, store_key
from mia_defense.training.checkpoints import checkpoint_path, save_checkpoint
from mia_defense.training.loop import Ensemble

CONFIG = {
    "dataset": {"_target_": "digits"},
    "model": {"_target_": "h189_drift_probe.Net", "_partial_": True},
    "plan": {"num_models": 1},
    "train": {"epochs": 1, "threads": 1},
    "defense": {},
    "seed": 0,
}


def _train_once(store: ModelStore, out, trained: list[str]) -> None:
    def train() -> Ensemble:  # as train_ensemble: trains only what is not saved yet
        if not checkpoint_path(out, 0).exists():
            trained.append(out.name)
            save_checkpoint(checkpoint_path(out, 0), {
                "state_dict": {"w": torch.ones(3)},
                "history": {"epochs": [[1, 0.5, 0.5, 0.5, 0.5]], "stats": {}},
                "fingerprint": "f"})  # fmt: skip
        return Ensemble(models=[], histories=[])

    key = store_key(CONFIG, data="d0", stage="model", defended=True)
    store.train_once(key, train, checkpoint_dir=out, fingerprint="f", num_models=1,
                     stage="model")  # fmt: skip


def test_a_target_edited_under_a_running_process_uses_no_store(tmp_path, monkeypatch, caplog):
    source = tmp_path / "h189_drift_probe.py"
    source.write_text("class Net:\n    scale = 1.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "h189_drift_probe", raising=False)
    store, trained = ModelStore(tmp_path / "store"), []
    _train_once(store, tmp_path / "first", trained)
    _train_once(store, tmp_path / "same", trained)
    assert trained == ["first"] and len(list(store.root.glob("*.pt"))) == 1  # (reused)

    source.write_text("class Net:\n    scale = 3.0\n")  # edited; this process runs 1.0
    caplog.set_level(logging.WARNING, logger="mia_defense.store")
    _train_once(store, tmp_path / "edited", trained)
    assert trained[-1] == "edited" and len(list(store.root.glob("*.pt"))) == 1  # not stored
    assert "the source of h189_drift_probe.Net changed since this process" in caplog.text
    assert f"model store {store.root} not used for the target models" in caplog.text

    # imported again (as a new process does): the new code is keyed, stored and reused
    monkeypatch.delitem(sys.modules, "h189_drift_probe")
    importlib.invalidate_caches()
    _train_once(store, tmp_path / "new", trained)
    _train_once(store, tmp_path / "new_again", trained)
    assert trained[-1] == "new" and len(list(store.root.glob("*.pt"))) == 2

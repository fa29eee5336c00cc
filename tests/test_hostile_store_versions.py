"""Hostile: a run resumed under other library versions than the ones that trained its saved
models (torch upgraded between a kill and the restart) must not mix the two silently."""

from __future__ import annotations

import logging
import re

import pytest
import torch
from torch import nn

from mia_defense.code_digest import code_digest
from mia_defense.errors import DataError
from mia_defense.tracking.artifacts import SCHEMA_VERSION, write_json
from mia_defense.tracking.run_dir import finished_run
from mia_defense.training import checkpoints
from mia_defense.training.checkpoints import (
    check_checkpoint_dir,
    checkpoint_path,
    load_checkpoint,
    load_model,
    save_checkpoint,
    save_model,
    training_versions,
)
from mia_defense.training.loop import EpochRecord, ModelHistory


def _history() -> ModelHistory:
    return ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={})


def _save_under(monkeypatch, path, versions) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(checkpoints, "training_versions", lambda: dict(versions))
        save_model(path, nn.Linear(4, 2), _history(), fingerprint="f")


def test_a_checkpoint_of_another_torch_is_refused_on_resume(tmp_path, monkeypatch):
    """The run fingerprint holds config, data and code, not torch: models 0-3 trained by
    torch A and 4-7 by torch B became one ensemble with no word."""
    old = {**training_versions(), "torch": "1.0.0"}
    path = checkpoint_path(tmp_path, 0)
    _save_under(monkeypatch, path, old)
    expected = (rf"checkpoint {path} was trained under torch 1\.0\.0 \(now "
                rf"{re.escape(torch.__version__)}\).*nothing was trained\. Resume under the "
                rf"versions it was trained with \(torch==1\.0\.0\), delete {tmp_path} to "
                "retrain")
    with pytest.raises(DataError, match=expected):
        check_checkpoint_dir(tmp_path, fingerprint="f", settings={})  # before any training
    with pytest.raises(DataError, match=expected):
        load_model(path, nn.Linear(4, 2), fingerprint="f")
    # reading the model (load_trained_model, mia-attack) is no resume: it still loads
    assert load_checkpoint(path, fingerprint="f")["versions"]["torch"] == "1.0.0"


def test_an_opacus_change_is_named_too(tmp_path, monkeypatch):
    path = checkpoint_path(tmp_path, 0)
    _save_under(monkeypatch, path, {**training_versions(), "opacus": "0.1"})
    with pytest.raises(DataError, match=r"trained under opacus 0\.1 \(now "):
        load_model(path, nn.Linear(4, 2), fingerprint="f")


def test_same_versions_and_older_checkpoints_resume(tmp_path):
    path = checkpoint_path(tmp_path, 0)
    save_model(path, nn.Linear(4, 2), _history(), fingerprint="f")
    assert load_checkpoint(path)["versions"] == training_versions()
    check_checkpoint_dir(tmp_path, fingerprint="f", settings={})
    load_model(path, nn.Linear(4, 2), fingerprint="f")
    # written before checkpoints recorded versions: nothing to compare, resumed as before
    model = nn.Linear(4, 2)
    save_checkpoint(path, {"state_dict": model.state_dict(), "fingerprint": "f", "index": 0,
                           "history": checkpoints._history_to_payload(_history())})
    load_model(path, nn.Linear(4, 2), fingerprint="f")


def test_checkpoints_written_from_the_store_record_the_versions(tmp_path):
    from mia_defense.store import ModelStore
    from mia_defense.training.loop import Ensemble

    def trainer(directory):
        def train():
            path = checkpoint_path(directory, 0)
            if not path.exists():
                save_model(path, nn.Linear(4, 2), _history(), fingerprint="f")
            return Ensemble(models=[], histories=[], engine="stacked", fallback_reason=None)
        return train

    store = ModelStore(tmp_path / "store")
    for name in ("first", "second"):
        store.train_once(("k" * 64, {}), trainer(tmp_path / name),
                         checkpoint_dir=tmp_path / name, fingerprint="f", num_models=1,
                         stage="model")
    assert store.stages["model"]["reused"]
    saved = load_checkpoint(checkpoint_path(tmp_path / "second", 0))
    assert saved["versions"] == training_versions()


def test_a_complete_run_of_another_torch_is_skipped_with_a_warning(tmp_path, caplog):
    config = {"seed": 0}
    versions = {"torch": "1.0.0", "code": code_digest(config)}
    write_json(tmp_path / "results.json", {"schema_version": SCHEMA_VERSION,
                                           "status": "complete", "config": config,
                                           "versions": versions})
    with caplog.at_level(logging.WARNING):
        assert finished_run(tmp_path, config=config, data_fingerprint=None) is not None
    assert (f"{tmp_path}: a complete run trained under torch 1.0.0 (now {torch.__version__}), "
            "skipped as finished") in caplog.text
    assert "delete the folder to run it again" in caplog.text

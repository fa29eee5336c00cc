"""Red-team: an interrupted run resumes from its checkpoints and never takes a damaged one
as a trained model."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import DataError
from mia_defense.training.checkpoints import checkpoint_path, load_model, save_model
from mia_defense.training.loop import EpochRecord, ModelHistory


def _saved(tmp_path):
    torch.manual_seed(0)
    model = nn.Linear(64, 10)
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={})
    path = checkpoint_path(tmp_path, 1)
    save_model(path, model, history, fingerprint="abc")
    return path, model


def test_checkpoint_with_flipped_weight_bytes_is_refused(tmp_path):
    """A byte flipped inside a weight (disk or copy damage) loaded as a silently different
    model: torch.load never checks the CRC-32 the archive records, and the resumed run's
    figures differed from an uninterrupted run's with no word."""
    path, model = _saved(tmp_path)
    raw = bytearray(path.read_bytes())
    weight = model.weight.detach().numpy().tobytes()
    at = bytes(raw).find(weight[:64])
    assert at > 0
    raw[at + 10] ^= 0x40
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=r"model_0001\.pt.*checksum.*delete it"):
        load_model(path, nn.Linear(64, 10), fingerprint="abc")


def test_intact_checkpoint_still_loads(tmp_path):
    path, model = _saved(tmp_path)
    fresh = nn.Linear(64, 10)
    load_model(path, fresh, fingerprint="abc")
    assert torch.equal(fresh.weight, model.weight)


def test_checkpoints_written_from_the_store_name_their_model(tmp_path):
    """A run that takes its models from the store saved them as checkpoints without the
    model index, so one copied over another (model_0000.pt onto model_0001.pt) resumed as
    that model with no word, where a trained run's checkpoints refuse it."""
    from mia_defense.store import ModelStore
    from mia_defense.training.loop import Ensemble

    def trainer(directory):
        def train():
            for k in range(2):
                torch.manual_seed(k)
                history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={})
                path = checkpoint_path(directory, k)
                if not path.exists():
                    save_model(path, nn.Linear(4, 2), history, fingerprint="f")
            return Ensemble(models=[], histories=[], engine="stacked", fallback_reason=None)
        return train

    store = ModelStore(tmp_path / "store")
    for name in ("first", "second"):
        directory = tmp_path / name
        store.train_once(("k" * 64, {}), trainer(directory), checkpoint_dir=directory,
                         fingerprint="f", num_models=2, stage="model")
    assert store.stages["model"]["reused"]
    second = tmp_path / "second"
    checkpoint_path(second, 1).write_bytes(checkpoint_path(second, 0).read_bytes())
    with pytest.raises(DataError, match=r"model_0001\.pt holds model 0, not model 1"):
        load_model(checkpoint_path(second, 1), nn.Linear(4, 2), fingerprint="f")


def test_a_resumed_run_does_not_store_models_of_an_earlier_start(tmp_path):
    """A run killed under train.chunk_size=2 and resumed with chunk_size=1 (a neutral key:
    the run resumes) stored its mixed models under the chunk_size=1 key; a later
    chunk_size=1 run reused them and its figures differed from a fresh chunk_size=1 run's."""
    from mia_defense.store import ModelStore
    from mia_defense.training.loop import Ensemble

    directory = tmp_path / "run"
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={})
    save_model(checkpoint_path(directory, 0), nn.Linear(4, 2), history, fingerprint="f")

    def train():  # as train_ensemble: trains only what is not saved yet
        for k in range(2):
            if not checkpoint_path(directory, k).exists():
                save_model(checkpoint_path(directory, k), nn.Linear(4, 2), history,
                           fingerprint="f")
        return Ensemble(models=[], histories=[])

    store = ModelStore(tmp_path / "store")
    store.train_once(("k" * 64, {}), train, checkpoint_dir=directory, fingerprint="f",
                     num_models=2, stage="model")
    assert store._read("k" * 64, num_models=2) is None
    assert list(store.root.glob("*.pt")) == []


def test_checkpoints_saved_without_their_gradient_canaries_record_train_again(tmp_path, caplog):
    """attack.audit=one_run white-box canaries ride on training: a resume that loaded models
    saved without what the auditor saw of them (checkpoints of a run without the audit)
    audited other pairs than an uninterrupted run, with no word. Such a chunk trains again
    (h274: a chunk saved with its record is loaded, tests/audit/test_h274_*)."""
    import logging

    import numpy as np

    from mia_defense.audit import DiracCanaryAudit
    from mia_defense.defenses.dp_stacked import gradient_canaries
    from mia_defense.training.config import TrainConfig
    from mia_defense.training.ensemble import train_ensemble

    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    masks = np.zeros((2, 40), dtype=bool)
    masks[0, :20], masks[1, 20:] = True, True
    stale = nn.Linear(4, 3)
    with torch.no_grad():
        stale.weight.fill_(0.5)
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={})
    for k in range(2):
        save_model(checkpoint_path(tmp_path, k), stale, history, fingerprint="f")
    audit = DiracCanaryAudit(num=2, seed=0)
    with caplog.at_level(logging.WARNING), gradient_canaries(audit):
        ensemble = train_ensemble(
            build_model=lambda: nn.Linear(4, 3), x=x, y=y, masks=masks, x_test=x[:8],
            y_test=y[:8], num_classes=3, config=TrainConfig(epochs=1, batch_size=16), seed=0,
            progress=False, checkpoint_dir=tmp_path, fingerprint="f",
        )
    assert not torch.equal(ensemble.models[0].weight, stale.weight)
    assert "training models 0, 1 again" in caplog.text and "canaries' record" in caplog.text


def test_a_complete_folder_whose_chunk_trains_again_keeps_its_saved_settings(tmp_path):
    """A complete checkpoints folder loads under any train.chunk_size (nothing trains), but a
    chunk saved without the one-run audit's canary record trains again: under another
    chunk_size it was trained beside the saved models, and the folder's next run was refused
    as mixed. Refused before any training, as an incomplete folder is."""
    import numpy as np

    from mia_defense.audit import DiracCanaryAudit
    from mia_defense.defenses.dp_stacked import gradient_canaries
    from mia_defense.errors import ConfigError
    from mia_defense.training.checkpoints import resume_settings
    from mia_defense.training.config import TrainConfig
    from mia_defense.training.ensemble import train_ensemble

    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    masks = np.zeros((2, 40), dtype=bool)
    masks[0, :20], masks[1, 20:] = True, True
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={})
    saved = resume_settings(TrainConfig(chunk_size=2))
    for k in range(2):
        save_model(checkpoint_path(tmp_path, k), nn.Linear(4, 3), history, fingerprint="f",
                   settings=saved)
    before = {p.name: p.read_bytes() for p in tmp_path.glob("model_*.pt")}
    with gradient_canaries(DiracCanaryAudit(num=2, seed=0)), \
            pytest.raises(ConfigError, match=r"train.chunk_size: 2 -> 1"):  # fmt: skip
        train_ensemble(
            build_model=lambda: nn.Linear(4, 3), x=x, y=y, masks=masks, x_test=x[:8],
            y_test=y[:8], num_classes=3, config=TrainConfig(epochs=1, chunk_size=1), seed=0,
            progress=False, checkpoint_dir=tmp_path, fingerprint="f",
        )
    assert {p.name: p.read_bytes() for p in tmp_path.glob("model_*.pt")} == before

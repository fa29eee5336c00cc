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

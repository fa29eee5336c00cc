"""A run whose training fails before any model is saved (its first batch) records status
``failed`` as later failures do: it left no results.json, as a refused config does, so a
sweep's report showed nothing of it (helper h92)."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from mia_defense.cli.build import run
from mia_defense.errors import ConfigError, UnsupportedModelError

SMALL = ["plan.num_models=2", "plan.population_size=100", "train.epochs=1", "train.batch_size=16",
         "attack.bootstrap=0", "figures=false"]  # fmt: skip


class FailsOnTrainingBatches(nn.Module):
    """Passes the model checks (two rows), raises on the run's training batches."""

    def __init__(self, input_shape, num_classes: int) -> None:
        super().__init__()
        self.fc = nn.Linear(int(torch.tensor(input_shape).prod()), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and len(x) > 2:
            raise RuntimeError("boom on the first batch")
        return self.fc(x.flatten(1))


def fails_on_its_first_model(model, members, recipe):
    raise RuntimeError("boom in fit")


def _payload(run_dir) -> dict:
    return json.loads((run_dir / "results.json").read_text())


def test_a_model_failing_on_the_first_batch_records_failed(make_cfg, tmp_path):
    cfg = make_cfg("model=custom", f"model._target_={__name__}.FailsOnTrainingBatches", *SMALL)
    with pytest.raises(UnsupportedModelError, match="boom on the first batch"):
        run(cfg, tmp_path)
    payload = _payload(tmp_path)
    assert payload["status"] == "failed"
    assert payload["failed"]["error"] == "UnsupportedModelError"
    assert "boom on the first batch" in payload["failed"]["message"]
    assert not list((tmp_path / "checkpoints").glob("*.pt"))  # none saved: it failed at once


def test_a_users_fit_failing_on_its_first_model_records_failed(make_cfg, tmp_path):
    cfg = make_cfg("model=logistic", f"+train.fit._target_={__name__}.fails_on_its_first_model",
                   *SMALL)
    with pytest.raises(ConfigError, match="boom in fit"):
        run(cfg, tmp_path)
    assert _payload(tmp_path)["status"] == "failed"
    assert "boom in fit" in _payload(tmp_path)["failed"]["message"]

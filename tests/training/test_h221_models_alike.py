"""The stacked engine runs models[0]'s module with each model's weights: hooks and plain
attributes of the other models were never run or read. Models holding a temperature of
their own (drawn at construction) trained stacked ended 0.18 from the same models trained
one at a time, without a word. Such models now train one at a time (results.json's
training.fallback_reason says why); defense=dropout's hooks, one per model, stay alike."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mia_defense.defenses.regularization import Dropout
from mia_defense.models.alike import unlike
from mia_defense.training import TrainConfig, train_ensemble


class Tempered(nn.Module):
    """Logits divided by a temperature each instance draws for itself."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)
        self.temperature = float(torch.rand(()) * 5 + 0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) / self.temperature


def trained(build_model: type[nn.Module], chunk_size: int):
    """Four models of ``build_model`` (8 features, 3 classes) on 120 random records, 2 epochs,
    ``chunk_size`` stacked together."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 8)).astype(np.float32)
    y = rng.integers(0, 3, 120)
    masks = rng.random((4, 120)) < 0.5
    return train_ensemble(
        build_model=build_model, x=x, y=y, masks=masks, x_test=x[:30], y_test=y[:30],
        num_classes=3, config=TrainConfig(epochs=2, lr=0.05, chunk_size=chunk_size), seed=0,
        progress=False,
    )


def test_models_with_attributes_of_their_own_train_as_they_would_alone() -> None:
    stacked, alone = trained(Tempered, 4), trained(Tempered, 1)
    assert "temperature" in (stacked.fallback_reason or "")
    for a, b in zip(stacked.models, alone.models, strict=True):
        torch.testing.assert_close(a.fc.weight, b.fc.weight, rtol=0, atol=1e-6)


def _mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_dropout_hooks_one_per_model_are_alike_unless_their_rates_differ() -> None:
    same = [Dropout(p=0.5).prepare_model(_mlp()) for _ in range(3)]
    assert unlike(same) is None
    other = [Dropout(p=0.5).prepare_model(_mlp()), Dropout(p=0.2).prepare_model(_mlp())]
    assert unlike(other).startswith("models[1] has other forward hooks (on 2), where")

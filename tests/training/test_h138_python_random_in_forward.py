"""A module that draws from Python's or numpy's global generator in forward trains one at
a time: vmap gives each stacked model its own draws from torch's generator only, so the
K stacked models all got one Python draw per step (three stacked copies of one model on
the same members stayed identical, where dropout set them 0.2 apart)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.stack import vmap_blocker

N, C, D = 60, 4, 16


class StochasticDepth(nn.Module):
    """Skips its hidden block with probability 1/2 in training, by ``random.random()``."""

    def __init__(self) -> None:
        super().__init__()
        self.block = nn.Linear(D, D)
        self.head = nn.Linear(D, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and random.random() < 0.5:
            return self.head(x)
        return self.head(x + torch.tanh(self.block(x)))


class NumpyNoise(nn.Module):
    """Adds noise drawn by numpy's global generator in training."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x)
        if self.training:
            noise = np.random.standard_normal(tuple(out.shape))  # noqa: NPY002
            out = out + 0.1 * torch.as_tensor(noise, dtype=out.dtype)
        return out


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    return torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)


@pytest.mark.parametrize("model", [StochasticDepth, NumpyNoise])
def test_a_module_drawing_from_python_or_numpy_is_not_stacked(model) -> None:
    assert vmap_blocker(model(), (D,)) == (
        f"{model.__name__} draws from Python's or numpy's random generator in training mode "
        "(random.random(), numpy.random): stacked models would all get one draw, where each "
        "model alone gets its own; torch's generator gives each its own"
    )


def test_it_trains_one_at_a_time() -> None:
    x, y = _data()
    ensemble = train_ensemble(
        build_model=StochasticDepth, x=x.numpy(), y=y.numpy(),
        masks=np.ones((3, N), dtype=bool), x_test=x[:20].numpy(), y_test=y[:20].numpy(),
        num_classes=C, config=TrainConfig(epochs=1, batch_size=16), seed=0, progress=False,
    )
    assert "draws from Python's or numpy's random generator" in (ensemble.fallback_reason or "")

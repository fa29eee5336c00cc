"""Red-team cases of users' own models: what a mistaken model must not get past."""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models import model_builder

_LAYERS: dict[str, nn.Module] = {}


class SharedLayerNet(nn.Module):
    """Keeps its layer at module level: every instance holds the same parameters."""

    def __init__(self, input_shape, num_classes: int) -> None:
        super().__init__()
        if "fc" not in _LAYERS:
            _LAYERS["fc"] = nn.Linear(input_shape[0], num_classes)
        self.fc = _LAYERS["fc"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


@functools.cache
def cached_model(input_shape, num_classes: int) -> nn.Module:
    """A cached factory: one module for every call."""
    return nn.Sequential(nn.Linear(input_shape[0], 8), nn.ReLU(), nn.Linear(8, num_classes))


@pytest.mark.parametrize("factory", [SharedLayerNet, cached_model])
def test_builder_refuses_models_that_share_their_parameters(factory):
    # the K models were one: each trained in turn, all released the last one's outputs
    # (observations.npz's log_probs identical across models) and the run exited 0
    _LAYERS.clear()
    cached_model.cache_clear()
    build = model_builder(factory)
    first = build(input_shape=(6,), num_classes=3)
    with pytest.raises(UnsupportedModelError, match="same tensor as in a model it built"):
        build(input_shape=(6,), num_classes=3)
    assert first is not None


def test_builder_accepts_separate_models_built_again_after_the_first_is_gone():
    build = model_builder(functools.partial(nn.Linear, 6, 3))
    models = [build(input_shape=(6,), num_classes=3) for _ in range(3)]
    del models
    build(input_shape=(6,), num_classes=3)  # ids of freed tensors may come back: no match

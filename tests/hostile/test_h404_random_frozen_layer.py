"""A constructor that froze a layer in some of the models it built (requires_grad=False at
random) ended mia-train in torch.func's traceback before training: 'RuntimeError: Expected
fc.weight from each model to have the same .requires_grad' (mia-train model=custom with such
a model, plan.num_models=4). The model check refuses it now, naming the parameter, as it
refuses models of different shapes (h404)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import model_builder


class SometimesFrozen(nn.Module):
    built = 0

    def __init__(self, input_shape, num_classes) -> None:
        super().__init__()
        self.fc = nn.Linear(input_shape[0], 8)
        self.out = nn.Linear(8, num_classes)
        SometimesFrozen.built += 1
        if SometimesFrozen.built % 2 == 0:
            self.fc.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x)))


class AlwaysFrozen(SometimesFrozen):
    def __init__(self, input_shape, num_classes) -> None:
        super().__init__(input_shape, num_classes)
        self.fc.requires_grad_(False)


def test_models_freezing_other_layers_are_refused_naming_the_parameter() -> None:
    SometimesFrozen.built = 0
    build = model_builder(SometimesFrozen)
    build(input_shape=(6,), num_classes=3)
    with pytest.raises(UnsupportedModelError, match=(
            r"built models that train other parameters \(fc.weight: trained in the first, "
            r"frozen in another, by requires_grad\).*freeze no layer at random")):
        build(input_shape=(6,), num_classes=3)


def test_models_freezing_the_same_layers_are_built() -> None:
    build = model_builder(AlwaysFrozen)
    models = [build(input_shape=(6,), num_classes=3) for _ in range(3)]
    assert all(not m.fc.weight.requires_grad and m.out.weight.requires_grad for m in models)

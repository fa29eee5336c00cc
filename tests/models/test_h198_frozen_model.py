"""A user's model whose every parameter is frozen (a pretrained model loaded with
requires_grad_(False), head included) was refused as 'has no trainable parameters', with
nothing said about what to change; the refusal now names the frozen parameters and the fix."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import check_model_output
from tests.models.user_models import FrozenFirstLayer


class AllFrozen(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body, self.head = nn.Linear(8, 8), nn.Linear(8, 3)
        self.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.body(x)))


def test_a_model_frozen_throughout_is_refused_naming_its_parameters_and_the_fix() -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        check_model_output(AllFrozen(), input_shape=(8,), num_classes=3, name="my.AllFrozen")
    said = str(caught.value)
    assert said.startswith("model._target_=my.AllFrozen: every parameter of it is frozen "
                           "(requires_grad=False: body.weight, body.bias, head.weight, ...)")
    assert "freeze the backbone, not its head" in said


def test_a_model_without_parameters_keeps_its_refusal() -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        check_model_output(nn.Flatten(), input_shape=(8,), num_classes=8, name="m")
    assert str(caught.value).startswith("model._target_=m has no trainable parameters")
    assert "create the layers it learns in __init__" in str(caught.value)  # (h342: the fix)


def test_a_partly_frozen_model_passes() -> None:
    check_model_output(FrozenFirstLayer(input_shape=(64,), num_classes=10), input_shape=(64,),
                       num_classes=10)  # fmt: skip

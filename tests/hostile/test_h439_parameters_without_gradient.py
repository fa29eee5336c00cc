"""A module computing its output from a detached alias of a weight (self.w =
self.fc.weight.detach().t(), same storage, no gradient) trained silently with that weight
frozen (PYTHONPATH=/tmp/h435 mia-train model=custom model._target_=hmods.Alias
plan.num_models=2 train.epochs=2: rc 0, test accuracy 0.137, an attack verdict on a model
that never learnt): the run's check after training caught only a model none of whose
weights moved. The model checks' backward pass now names the trainable parameters that get
no gradient, in a warning (a head defined but not called may be meant); a model none of
whose parameters gets one is refused before training (h439)."""

from __future__ import annotations

import logging

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import check_model_output
from mia_defense.models.mlp import MLP

C, D = 3, 8


class Alias(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.out, self.w = nn.Linear(D, 6), nn.Linear(6, C), None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.w is None:
            self.w = self.fc.weight.detach().t()
        return self.out(torch.relu(x @ self.w + self.fc.bias))


class Heads(nn.Module):
    """Four heads defined, one called."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, C)
        self.spare = nn.ModuleList(nn.Linear(C, C) for _ in range(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


class OwnLeaf(nn.Module):
    """Its output has a graph, through a leaf of forward's own, not through its weight."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = torch.ones(C, requires_grad=True)
        return (x[:, :C] + self.fc.weight.detach().sum()) * scale


def _warnings(caplog: pytest.LogCaptureFixture, model: nn.Module) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mia_defense.models.build"):
        check_model_output(model, input_shape=(D,), num_classes=C, name="hmods.Alias")
    return [r.getMessage() for r in caplog.records if "get no gradient" in r.getMessage()]


def test_a_weight_read_through_a_detached_alias_is_named(caplog) -> None:
    (said,) = _warnings(caplog, Alias())
    assert said.startswith("model._target_=hmods.Alias: its trainable parameter(s) fc.weight "
                           "get no gradient")  # fmt: skip
    assert "training will not change them" in said and "requires_grad=False" in said
    assert "fc.bias" not in said and "out." not in said and "\n" not in said


def test_many_unused_parameters_are_counted(caplog) -> None:
    (said,) = _warnings(caplog, Heads())
    assert "spare.0.weight, spare.0.bias, spare.1.weight and 3 more get no gradient" in said


def test_a_model_whose_weights_all_train_is_not_warned(caplog) -> None:
    assert _warnings(caplog, MLP(input_shape=(D,), num_classes=C)) == []


def test_a_model_none_of_whose_parameters_gets_a_gradient_is_refused() -> None:
    with pytest.raises(UnsupportedModelError, match="no trainable parameter shapes"):
        check_model_output(OwnLeaf(), input_shape=(D,), num_classes=C)

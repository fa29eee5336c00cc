"""Models holding a function each drew when built (``self.act = [torch.relu, torch.tanh][i]``)
were stacked: the stacked engine runs models[0]'s module, so every model trained with the
first one's activation and was then queried with its own; results.json said nothing
(training.fallback_reason null). `unlike` now compares functions held as attributes, so
such models train one at a time; lambdas each constructor makes alike still stack (h404)."""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.models.alike import unlike
from tests.training.test_h221_models_alike import trained

ACTIVATIONS = (torch.relu, torch.tanh)


class DrawnActivation(nn.Module):
    """An MLP whose activation each instance draws when built."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 16)
        self.out = nn.Linear(16, 3)
        self.act = ACTIVATIONS[int(torch.randint(0, 2, ()))]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.act(self.fc(x)))


class OwnLambda(nn.Module):
    """The same activation, as a lambda (over itself) each constructor makes anew."""

    def __init__(self, slope: float = 0.1) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 16)
        self.out = nn.Linear(16, 3)
        self.act = lambda h: F.leaky_relu(self.out(h), slope)
        self.pool = functools.partial(torch.clamp, min=-5.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.act(self.fc(x)))


def _drawn(act) -> DrawnActivation:
    model = DrawnActivation()
    model.act = act
    return model


def test_models_holding_other_functions_are_unlike() -> None:
    assert unlike([_drawn(torch.relu), _drawn(torch.relu)]) is None
    assert unlike([_drawn(torch.relu), _drawn(torch.tanh)]) == (
        "models[1] holds another act (in <root>), where stacked models all run models[0]'s")
    assert unlike([OwnLambda(), OwnLambda()]) is None
    assert unlike([OwnLambda(), OwnLambda(slope=0.2)]).startswith("models[1] holds another act")


def test_models_with_drawn_activations_train_as_each_alone() -> None:
    stacked, alone = trained(DrawnActivation, 4), trained(DrawnActivation, 1)
    assert {m.act for m in alone.models} == set(ACTIVATIONS)  # (seed 0 draws both)
    assert "holds another act" in (stacked.fallback_reason or "")
    for a, b in zip(stacked.models, alone.models, strict=True):
        torch.testing.assert_close(a.fc.weight, b.fc.weight, rtol=0, atol=1e-6)

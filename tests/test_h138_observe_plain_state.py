"""Querying models whose modules hold different plain state (a step count, an unregistered
tensor) answers for each model with its own: the stacked query ran the first model's
module for all of them."""

from __future__ import annotations

import torch
from torch import nn

from mia_defense.observe import _all_logits


class Counted(nn.Module):
    """Scales its logits by the training steps it counted (an int attribute)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 4)
        self.steps = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.steps += 1
        return self.fc(x) / (1 + 0.1 * self.steps)


class Shifted(nn.Module):
    """Adds a tensor it holds as a plain attribute (not a registered buffer)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 4)
        self.shift = torch.randn(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) + self.shift


def _each_alone(models: list[nn.Module], x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.stack([model.eval()(x) for model in models])


def test_models_with_their_own_step_counts_answer_with_their_own() -> None:
    """Before: the logits of models 2 and 3 were off by up to 1.0 (model 1's count)."""
    torch.manual_seed(0)
    models = [Counted() for _ in range(3)]
    for k, model in enumerate(models):
        model.steps = 10 * k
    x = torch.randn((20, 16))
    torch.testing.assert_close(_all_logits(models, x, 16), _each_alone(models, x))


def test_models_with_their_own_plain_tensors_answer_with_their_own() -> None:
    torch.manual_seed(0)
    models = [Shifted() for _ in range(3)]
    x = torch.randn((20, 16))
    torch.testing.assert_close(_all_logits(models, x, 16), _each_alone(models, x))


def test_models_with_the_same_plain_state_are_still_queried_stacked(monkeypatch) -> None:
    calls = []

    def stacked_forward(self, x, *, shared=False):
        calls.append(x)
        return torch.zeros((len(self.models), len(x), 4))

    monkeypatch.setattr("mia_defense.observe.ModelStack.forward", stacked_forward)
    torch.manual_seed(0)
    models = [Counted() for _ in range(3)]
    _all_logits(models, torch.randn((20, 16)), 16)
    assert calls  # the stacked query ran

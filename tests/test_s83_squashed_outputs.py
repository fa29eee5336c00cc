"""A model of one's own ending in a sigmoid passes the checks before training (its outputs on
zeros do not sum to 1, so they are not taken for probabilities) and trains without a word;
its "logits" then all lie in [0, 1], so their softmax gives no class more than e/(e+C-1):
training's cross-entropy cannot fall below its log, and saturated outputs tie records.
Querying such trained models warns, naming the model; ordinary logits do not."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.defenses.release import FullRelease
from mia_defense.observe import observe

WARNED = "returns outputs that all lie in [0, 1]"


class SigmoidNet(nn.Module):
    def __init__(self, final: nn.Module) -> None:
        super().__init__()
        self.linear, self.final = nn.Linear(4, 5), final
        with torch.no_grad():
            self.linear.weight.mul_(20)  # (outputs spread as a trained model's are)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.final(self.linear(x))


def _query(final: nn.Module, caplog) -> str:
    torch.manual_seed(0)
    models = [SigmoidNet(final).eval() for _ in range(2)]
    x = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    with caplog.at_level(logging.WARNING):
        observe(models, x, release=FullRelease())
    return caplog.text


def test_outputs_squashed_into_0_1_are_warned_of(caplog):
    text = _query(nn.Sigmoid(), caplog)
    assert WARNED in text
    assert "SigmoidNet" in text and "drop the final sigmoid" in text


@pytest.mark.parametrize("final", [nn.Identity(), nn.ReLU(), nn.Tanh()])
def test_logits_are_not(final, caplog):
    assert WARNED not in _query(final, caplog)

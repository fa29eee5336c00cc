"""A module that changes its own parameters in forward trains one at a time: stacked, the
change is made on the stacked leaves under vmap, not as the model alone makes it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.training.stack import vmap_blocker
from tests.training.engines import stacked_and_alone

C, D = 4, 16


class MaxNormEmbedding(nn.Module):
    """Features binned into tokens, embedded with max_norm (rows renormalised in forward)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 6, max_norm=0.5)
        self.head = nn.Linear(6 * D, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = (x.abs() * 3).long().clamp(0, 9)
        return self.head(self.embed(tokens).flatten(1))


class ClippedWeights(nn.Module):
    """Clips its first layer's weights at each forward (under no_grad, as WGAN critics do)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, 12)
        self.head = nn.Linear(12, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            self.fc.weight.clamp_(-0.1, 0.1)
        return self.head(torch.tanh(self.fc(x)))


@pytest.mark.parametrize(("model", "name"), [(MaxNormEmbedding, "embed.weight"),
                                             (ClippedWeights, "fc.weight")])  # fmt: skip
def test_it_trains_as_each_model_alone(model, name) -> None:
    """Before: stacked (members of 45, 60 and 30: three groups of models), the weights
    ended up to 2.2 (max_norm) and 0.3 (clipped) from the same models trained alone."""
    assert vmap_blocker(model(), (D,)) == (
        f"{model.__name__} changes its parameter {name!r} in place in forward "
        "(Embedding(max_norm=...), weights clipped under torch.no_grad()), which stacked "
        "models would not keep"
    )
    chunk, alone = stacked_and_alone(model, features=D, classes=C)
    assert "changes its parameter" in (chunk.fallback_reason or "")
    for a, b in zip(chunk.models, alone.models, strict=True):
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)

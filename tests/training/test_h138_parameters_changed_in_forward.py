"""A module that changes its own parameters in forward trains one at a time: stacked, the
change lands in a copy of the stacked leaves and is lost."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.stack import vmap_blocker

K, N, C, D = 3, 90, 4, 16


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
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    masks = torch.zeros((K, N), dtype=torch.bool)
    masks[0, :45], masks[1, 20:80], masks[2, 60:] = True, True, True
    common = dict(build_model=model, x=x.numpy(), y=y.numpy(), masks=masks.numpy(),
                  x_test=x[:20].numpy(), y_test=y[:20].numpy(), num_classes=C, seed=0,
                  progress=False)  # fmt: skip
    chunk = train_ensemble(config=TrainConfig(epochs=3, batch_size=16, lr=2e-2, chunk_size=K),
                           **common)  # fmt: skip
    alone = train_ensemble(config=TrainConfig(epochs=3, batch_size=16, lr=2e-2, engine="opacus"),
                           **common)  # fmt: skip
    assert "changes its parameter" in (chunk.fallback_reason or "")
    for a, b in zip(chunk.models, alone.models, strict=True):
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)

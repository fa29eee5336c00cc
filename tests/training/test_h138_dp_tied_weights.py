"""DP-SGD on a model whose parameter two layers hold (tied weights): that parameter's
per-sample gradient is the sum of both layers' contributions, which ghost clipping, layer
by layer, missed."""

from __future__ import annotations

import copy

import torch
from torch import nn

from mia_defense.defenses import DPSGD
from mia_defense.defenses.dp_stacked import per_sample_strategy
from mia_defense.training.config import TrainConfig
from tests.training.engines import train_by_engine


class TiedLayers(nn.Module):
    """Two linear layers sharing one weight matrix, under a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(16, 16)
        self.second = nn.Linear(16, 16)
        self.second.weight = self.first.weight
        self.head = nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.second(torch.tanh(self.first(x)))))


def _trained(model: nn.Module, *, max_grad_norm: float | None, engine: str) -> nn.Module:
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn((64, 16), generator=gen), torch.randint(0, 4, (64,), generator=gen)
    def defenses() -> list[DPSGD]:
        if max_grad_norm is None:
            return []
        return [DPSGD(noise_multiplier=0.0, max_grad_norm=max_grad_norm,
                      poisson_sampling=False, allow_unaccounted_sampling=True)]  # fmt: skip

    config = TrainConfig(epochs=2, batch_size=16, lr=0.1, optimizer="sgd", momentum=0.0)
    model = copy.deepcopy(model)
    train_by_engine([model], x, y, torch.ones((1, 64), dtype=torch.bool), config=config,
                    seeds=[2], defenses=defenses, engine=engine, num_classes=4,
                    test_size=30)  # fmt: skip
    return model


def test_tied_layers_get_no_ghost_norms() -> None:
    torch.manual_seed(0)
    assert per_sample_strategy(TiedLayers()) == "mixed"  # the head alone is ghosted


def test_without_noise_or_clipping_dp_sgd_on_tied_weights_is_plain_sgd() -> None:
    """Before: the stacked engine's weights ended 2.2e-2 from plain SGD's (Opacus': 3e-8)."""
    torch.manual_seed(0)
    model = TiedLayers()
    dp = _trained(model, max_grad_norm=1e6, engine="stacked")
    plain = _trained(model, max_grad_norm=None, engine="stacked")
    for p, q in zip(dp.parameters(), plain.parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)


def test_clipped_dp_sgd_on_tied_weights_equals_opacus() -> None:
    """Before: 6.2e-3 from Opacus' weights at C = 0.5 (the clipping norms were wrong)."""
    torch.manual_seed(0)
    model = TiedLayers()
    ours = _trained(model, max_grad_norm=0.5, engine="stacked")
    theirs = _trained(model, max_grad_norm=0.5, engine="opacus")
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)

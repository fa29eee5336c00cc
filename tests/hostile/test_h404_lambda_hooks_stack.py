"""A model registering a forward hook as a lambda in its constructor (each instance makes
its own, the same code) trained one at a time, said to have 'other forward hooks (on fc)'
than models[0]: mia-train model=custom with fc.register_forward_hook(lambda m, i, o: o * 0.5)
logged 'training models one at a time: models[1] has other forward hooks (on fc), where
stacked models all run models[0]'s', though every model's hook does the same. Hooks are
compared as functions held as attributes are now (one code, alike closed-over values):
such models stack, and end where the models run as written do; hooks that scale by
different values still train one at a time (h404)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mia_defense.models.alike import unlike
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble

N, C, D = 60, 4, 16


class HalvedLogits(nn.Module):
    def __init__(self, scale: float = 0.5) -> None:
        super().__init__()
        self.fc = nn.Linear(D, 12)
        self.head = nn.Linear(12, C)
        self.head.register_forward_hook(lambda module, inputs, out: out * scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.fc(x)))


def test_lambda_hooks_alike_are_alike_and_other_scales_are_not() -> None:
    assert unlike([HalvedLogits(), HalvedLogits()]) is None
    assert unlike([HalvedLogits(), HalvedLogits(scale=0.25)]) == (
        "models[1] has other forward hooks (on head), where stacked models all run models[0]'s")


def test_they_train_stacked_as_the_modules_run_as_written() -> None:
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    common = dict(build_model=HalvedLogits, x=x.numpy(), y=y.numpy(),
                  masks=np.random.default_rng(0).random((3, N)) < 0.5, x_test=x[:20].numpy(),
                  y_test=y[:20].numpy(), num_classes=C, seed=0, progress=False)  # fmt: skip
    stacked = train_ensemble(config=TrainConfig(epochs=2, batch_size=16, lr=2e-2), **common)
    alone = train_ensemble(config=TrainConfig(epochs=2, batch_size=16, lr=2e-2,
                                              engine="opacus"), **common)  # fmt: skip
    assert stacked.fallback_reason is None
    for a, b in zip(stacked.models, alone.models, strict=True):
        torch.testing.assert_close(a.fc.weight, b.fc.weight, rtol=0, atol=1e-6)

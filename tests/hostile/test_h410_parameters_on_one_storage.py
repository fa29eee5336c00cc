"""Two Parameters on one storage (self.out2.weight = nn.Parameter(self.out.weight.data)) trained
stacked, untied: mia-train model=custom model._target_=hmods.ViewTied said nothing
(training.fallback_reason null), and its weights ended 0.28 from the same models trained one
at a time (train.engine=opacus, which runs the module as written: each step moves the one
tensor by both gradients), tied again where written back. Such a model now trains one at a
time, the reason said (h410)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble

N, C, D = 60, 3, 8


class ViewTied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, 12)
        self.out = nn.Linear(12, C)
        self.out2 = nn.Linear(12, C)
        self.out2.weight = nn.Parameter(self.out.weight.data)  # one storage, two Parameters

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.fc(x))
        return self.out(h) + self.out2(h)


def test_it_trains_as_the_module_run_as_written() -> None:
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    common = dict(build_model=ViewTied, x=x.numpy(), y=y.numpy(),
                  masks=np.random.default_rng(0).random((2, N)) < 0.5, x_test=x[:20].numpy(),
                  y_test=y[:20].numpy(), num_classes=C, seed=0, progress=False)  # fmt: skip
    stacked = train_ensemble(config=TrainConfig(epochs=2, batch_size=16, lr=5e-2), **common)
    alone = train_ensemble(config=TrainConfig(epochs=2, batch_size=16, lr=5e-2,
                                              engine="opacus"), **common)  # fmt: skip
    assert "holds its parameters 'out.weight' and 'out2.weight' on one storage" in (
        stacked.fallback_reason or "")
    for a, b in zip(stacked.models, alone.models, strict=True):
        torch.testing.assert_close(a.out.weight, b.out.weight, rtol=0, atol=1e-6)
        torch.testing.assert_close(a.fc.weight, b.fc.weight, rtol=0, atol=1e-6)


def test_parameters_of_their_own_still_stack() -> None:
    from mia_defense.models.probes import held_blocker

    model = ViewTied()
    model.out2.weight = nn.Parameter(model.out.weight.detach().clone())
    assert held_blocker(model) is None

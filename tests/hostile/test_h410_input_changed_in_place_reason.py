"""A forward that halves its training batch in place when a value passes 0.5 trained one at a
time for a reason it does not have: mia-train model=custom
model._target_=hmods.InplaceTrainReal logged (and results.json's fallback_reason said) that
it 'answers the same batch differently the second time in training mode ...: its forward
changes state kept outside its buffers (a step counter, a torch.Generator of its own)'. The
probe gave both passes one tensor, which the first pass had halved. Each pass now gets its
own copy, and the reason is what stops torch.func: the branch on the batch's values (h410)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mia_defense.models.probes import probed_blocker
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble

N, C, D = 40, 3, 8


class HalvesItsBatch(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and bool((x > 0.5).any()):
            x.mul_(0.5)
        return self.fc(x)


def test_a_batch_changed_in_place_is_not_taken_for_kept_state() -> None:
    assert probed_blocker(HalvesItsBatch(), (D,)) is None
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    result = train_ensemble(
        build_model=HalvesItsBatch, x=x.numpy(), y=y.numpy(),
        masks=np.random.default_rng(0).random((2, N)) < 0.5, x_test=x[:10].numpy(),
        y_test=y[:10].numpy(), num_classes=C, seed=0, progress=False,
        config=TrainConfig(epochs=1, batch_size=8, lr=0.05),
    )  # fmt: skip
    reason = result.fallback_reason or ""
    assert "state kept outside" not in reason
    assert reason.startswith("torch.func cannot run HalvesItsBatch") and "data-dependent" in reason

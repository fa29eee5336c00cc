"""A model with a backward hook on a layer (register_full_backward_hook: a clip of the
gradient it passes back) trained stacked, where torch.func's pass never runs the hook:
mia-train model=custom with such a model (its head's hook clamping the gradient to 1e-4)
said nothing (training.fallback_reason null), and its weights ended 0.026 from the same
models trained one at a time (train.engine=opacus, which runs the module as written). Such a
model now trains one at a time, the reason said, as one with a gradient hook on a
parameter does (h404)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.stack import vmap_blocker

N, C, D = 60, 4, 16


def _clamp(module, grad_input, grad_output):
    return tuple(None if g is None else g.clamp(-1e-4, 1e-4) for g in grad_input)


class ClampedHead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, 12)
        self.head = nn.Linear(12, C)
        self.head.register_full_backward_hook(_clamp)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.fc(x)))


def test_a_layer_with_a_backward_hook_is_not_stacked() -> None:
    assert vmap_blocker(ClampedHead(), (D,)) == (
        "ClampedHead has a backward hook on its layer 'head' (register_full_backward_hook), "
        "which torch.func's stacked pass would not run")


def test_it_trains_as_the_module_run_as_written() -> None:
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    common = dict(build_model=ClampedHead, x=x.numpy(), y=y.numpy(),
                  masks=np.random.default_rng(0).random((3, N)) < 0.5, x_test=x[:20].numpy(),
                  y_test=y[:20].numpy(), num_classes=C, seed=0, progress=False)  # fmt: skip
    stacked = train_ensemble(config=TrainConfig(epochs=2, batch_size=16, lr=2e-2), **common)
    alone = train_ensemble(config=TrainConfig(epochs=2, batch_size=16, lr=2e-2,
                                              engine="opacus"), **common)  # fmt: skip
    assert "backward hook" in (stacked.fallback_reason or "")
    for a, b in zip(stacked.models, alone.models, strict=True):
        torch.testing.assert_close(a.fc.weight, b.fc.weight, rtol=0, atol=1e-6)

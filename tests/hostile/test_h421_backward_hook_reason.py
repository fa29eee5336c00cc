"""A layer's backward hook (register_full_backward_hook, even one changing nothing) on a
model whose per-sample gradients torch.func forms was said as a checkpoint: ``mia-train
model=custom model._target_=hmods.HookedLN defense=dp`` (Linear, LayerNorm, Linear with the
hook) said 'torch.func cannot form per-sample gradients of HookedLN (RuntimeError: In order
to use an autograd.Function with functorch transforms ... setup_context ...)', and with
train.engine=opacus its white-box norms were 'skipped: ... its forward calls a
torch.autograd.Function without a setup_context staticmethod (as torch.utils.checkpoint(...,
use_reentrant=True) does) ... Call the layers directly instead of through checkpoint(...)'.
PyTorch runs the hook through that Function: both now name the hooked layer (h421)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.defenses.dp import DPSGD
from mia_defense.errors import UnsupportedModelError
from mia_defense.observe import gradient_norms
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble

N, C, D = 40, 3, 4


class HookedLN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.norm, self.out = nn.Linear(D, 6), nn.LayerNorm(6), nn.Linear(6, C)
        self.out.register_full_backward_hook(lambda module, grad_in, grad_out: None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.norm(torch.relu(self.fc(x))))


def _data() -> tuple[np.ndarray, np.ndarray]:
    gen = torch.Generator().manual_seed(0)
    return (torch.randn((N, D), generator=gen).numpy(),
            torch.randint(0, C, (N,), generator=gen).numpy())


def test_dp_names_the_hook() -> None:
    x, y = _data()
    with pytest.raises(UnsupportedModelError) as caught:
        train_ensemble(
            build_model=HookedLN, x=x, y=y, masks=np.random.default_rng(0).random((2, N)) < 0.5,
            x_test=x[:10], y_test=y[:10], num_classes=C, seed=0, progress=False,
            config=TrainConfig(epochs=1, batch_size=8, lr=0.05),
            build_defenses=lambda: [DPSGD(noise_multiplier=1.0)],
        )  # fmt: skip
    said = str(caught.value)
    assert "its layer 'out' has a backward hook (register_full_backward_hook)" in said
    assert "remove the hook, or train it with Opacus' own DP-SGD" in said


def test_white_box_names_the_hook(caplog: pytest.LogCaptureFixture) -> None:
    x, y = _data()
    with caplog.at_level(logging.WARNING, logger="mia_defense.observe"):
        assert gradient_norms([HookedLN()], x, y) is None
    said = caplog.text
    assert "its layer 'out' has a backward hook (register_full_backward_hook)" in said
    assert "checkpoint" not in said

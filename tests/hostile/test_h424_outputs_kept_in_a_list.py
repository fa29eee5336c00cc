"""A model that appends each pass's output to a list of its own (self.seen.append(out)) holds,
once trained (one at a time: its forward changes the model), tensors with autograd history,
which copy.deepcopy refuses: mia-train model=custom with such a module said 'white-box
gradient norms skipped: torch.func cannot form per-sample gradients of Appender
(RuntimeError: Only Tensors created explicitly by the user (graph leaves) support the
deepcopy protocol ...)', from the ghost norms' probe of a copy, and the gradient attack was
skipped. The probe's copy now holds those tensors detached, and the norms are those of the
same weights in a model that keeps nothing (h424)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mia_defense.observe import gradient_norms
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble

N, C, D = 40, 3, 8


class Plain(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.out = nn.Linear(D, 6), nn.Linear(6, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x)))


class Appender(Plain):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = super().forward(x)
        self.seen.append(out)
        return out


def test_its_white_box_norms_are_those_of_its_weights() -> None:
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    trained = train_ensemble(
        build_model=Appender, x=x.numpy(), y=y.numpy(), masks=np.ones((2, N), dtype=bool),
        x_test=x[:10].numpy(), y_test=y[:10].numpy(), num_classes=C, seed=0, progress=False,
        config=TrainConfig(epochs=1, batch_size=8, lr=0.05),
    ).models  # fmt: skip
    assert any(t.grad_fn is not None for t in trained[0].seen)  # (what deepcopy refuses)
    plain = [Plain() for _ in trained]
    for p, m in zip(plain, trained, strict=True):
        p.load_state_dict(m.state_dict())
    norms = gradient_norms(trained, x[:12].numpy(), y[:12].numpy())
    assert norms is not None
    np.testing.assert_allclose(norms, gradient_norms(plain, x[:12].numpy(), y[:12].numpy()),
                               rtol=1e-6)  # fmt: skip

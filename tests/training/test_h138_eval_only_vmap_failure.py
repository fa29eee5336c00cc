"""A module torch.func can run in training mode but not in eval mode trains one at a time:
the engine evaluates the stacked models in eval mode after each recorded epoch."""

from __future__ import annotations

import logging

import torch
from torch import nn

from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.stack import vmap_blocker

K, N, C, D = 3, 60, 4, 8


class CalibratedAtInference(nn.Module):
    """Divides its logits by a learned temperature, read as a Python number in eval mode
    (``.item()``, which vmap cannot batch)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, C)
        self.temperature = nn.Parameter(torch.ones(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.fc(x)
        if self.training:
            return logits
        return logits / max(self.temperature.item(), 0.1)


def test_a_module_vmap_cannot_run_in_eval_mode_is_not_stacked() -> None:
    reason = vmap_blocker(CalibratedAtInference(), (D,))
    assert reason is not None
    assert reason.startswith("torch.func cannot run CalibratedAtInference in eval mode "
                             "(model.eval(), as the engine evaluates the models): RuntimeError: "
                             "vmap: It looks like you're calling .item()")  # fmt: skip


def test_it_trains_one_at_a_time_with_a_warning(caplog) -> None:
    """Before: the run ended after its first epoch in vmap's RuntimeError ('.item() on a
    Tensor'), raised from the engine's evaluation."""
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    masks = torch.rand((K, N), generator=gen) < 0.5
    with caplog.at_level(logging.WARNING):
        ensemble = train_ensemble(
            build_model=CalibratedAtInference, x=x.numpy(), y=y.numpy(), masks=masks.numpy(),
            x_test=x[:20].numpy(), y_test=y[:20].numpy(), num_classes=C,
            config=TrainConfig(epochs=2, batch_size=8), seed=0, progress=False,
        )
    assert "in eval mode" in (ensemble.fallback_reason or "")
    assert any("one at a time" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)  # fmt: skip
    assert all(h.final.epoch == 1 for h in ensemble.histories)

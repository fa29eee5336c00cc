"""A model whose output depends only on where a sample sits in its batch
(``self.fc(x) * (1 + 0.5 * cos(torch.arange(len(x))))``) trained one at a time: h414's
check asked DP-SGD's `depends_on_batch_position` (a sample alone against in its batch),
which such a model fails, though the stacked engine pads a batch at its end and leaves every
sample where it was (``mia-train model=custom model._target_=hmods.Pos`` said 'training
models one at a time: Pos gives a sample in a batch another gradient than alone'). The probe
now asks what stacking does (`padding_moves_rows`: rows appended): such a model trains
stacked, to the weights it has trained one at a time (h421)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mia_defense.training import TrainConfig, train_ensemble


class ByPosition(nn.Module):
    """Logits scaled by the sample's position in its batch."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(len(x), dtype=x.dtype, device=x.device)
        return self.fc(x) * (1 + 0.5 * torch.cos(pos))[:, None]


def _trained(chunk_size: int):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 8)).astype(np.float32)
    y = rng.integers(0, 3, 120)
    masks = np.zeros((2, 120), bool)
    masks[0, :50], masks[1, 40:] = True, True  # (50 and 80 members: model 0's batches padded)
    return train_ensemble(
        build_model=ByPosition, x=x, y=y, masks=masks, x_test=x[:30], y_test=y[:30],
        num_classes=3, config=TrainConfig(epochs=2, lr=0.05, batch_size=32,
                                          chunk_size=chunk_size),
        seed=0, progress=False,
    )


def test_a_position_model_trains_stacked_as_each_alone() -> None:
    stacked, alone = _trained(2), _trained(1)
    assert stacked.fallback_reason is None
    for a, b in zip(stacked.models, alone.models, strict=True):
        torch.testing.assert_close(a.fc.weight, b.fc.weight, rtol=0, atol=1e-6)

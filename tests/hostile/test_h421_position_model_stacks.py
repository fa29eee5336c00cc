"""A model whose output depends only on where a sample sits in its batch
(``self.fc(x) * (1 + 0.5 * cos(torch.arange(len(x))))``) trained one at a time: h414's
check asked DP-SGD's `depends_on_batch_position` (a sample alone against in its batch),
which such a model fails, though the stacked engine pads a batch at its end and leaves every
sample where it was (``mia-train model=custom model._target_=hmods.Pos`` said 'training
models one at a time: Pos gives a sample in a batch another gradient than alone'). The probe
now asks what stacking does (`padding_moves_rows`: rows appended): such a model trains
stacked, to the weights it has trained one at a time (h421)."""

from __future__ import annotations

import torch
from torch import nn

from tests.hostile.test_h414_batch_sized_model_not_stacked import trained


class ByPosition(nn.Module):
    """Logits scaled by the sample's position in its batch."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(len(x), dtype=x.dtype, device=x.device)
        return self.fc(x) * (1 + 0.5 * torch.cos(pos))[:, None]


def test_a_position_model_trains_stacked_as_each_alone() -> None:
    stacked, alone = trained(ByPosition, 2), trained(ByPosition, 1)
    assert stacked.fallback_reason is None
    for a, b in zip(stacked.models, alone.models, strict=True):
        torch.testing.assert_close(a.fc.weight, b.fc.weight, rtol=0, atol=1e-6)

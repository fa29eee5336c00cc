"""defense=dp with a model whose forward branches on its whole batch (``if x.sum() > 0``)
trained on both engines with ε reported valid, though one record's value flips the branch
for every other record of its batch (their clipped gradients with it). The mixing check's
two random batches had sums of one sign, so the branch took the same way in both; it now
also tries a batch of the other sign."""

from __future__ import annotations

import torch
from torch import nn

from mia_defense.models.validation import mixes_samples


class BranchOnBatch(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x * 2 if x.sum() > 0 else x)


def test_a_branch_on_the_batch_sum_mixes_the_samples():
    assert mixes_samples(BranchOnBatch(), (8,))
    assert not mixes_samples(nn.Linear(8, 3), (8,))

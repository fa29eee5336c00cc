"""Review of load_trained_model's size check on the meta device."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from mia_defense.models.build import ModelBuilder
from mia_defense.tracking.trained_model import _refuse_larger_than


class _WithATable(nn.Module):
    """An own model with a non-persistent buffer: in buffers(), never in its state_dict."""

    def __init__(self, input_shape, num_classes):
        super().__init__()
        self.fc = nn.Linear(input_shape[0], num_classes)
        self.register_buffer("table", torch.zeros(1000), persistent=False)

    def forward(self, x):
        return self.fc(x)


def test_a_non_persistent_buffer_is_not_counted_against_the_checkpoint():
    # the check counted parameters and buffers (1010 values) against the checkpoint's
    # state_dict (10 values), so the run's own checkpoint was refused as 'does not fit'
    saved = _WithATable((4,), 2).state_dict()
    values = sum(v.numel() for v in saved.values())
    _refuse_larger_than(ModelBuilder(_WithATable), (4,), 2, path=Path("model_0000.pt"),
                        values=values)  # fmt: skip

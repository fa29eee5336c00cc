"""A module copying a weight at its first call and reusing the copy (self.w =
self.fc.weight.t().contiguous(), or a detached clone) passed the model checks and trained
silently (PYTHONPATH=/tmp/h435 mia-train model=custom model._target_=hmods.Frozen
plan.num_models=2 train.epochs=2: rc 0, test accuracy 0.137, 'SOME MODELS AT CHANCE', its
fallback reason blaming the batch's size): each optimiser step moved fc.weight, which its
output no longer followed. The checks now refuse it in one line naming the attribute; a
module whose later passes follow its weights (a cache of the input, spectral norm's power
iteration, BatchNorm and a step counter) still passes (h435)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import check_model_output

C, D = 3, 8


class CopiedOnce(nn.Module):
    def __init__(self, how: str) -> None:
        super().__init__()
        self.fc, self.how, self.w = nn.Linear(D, 6), how, None
        self.out = nn.Linear(6, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.w is None:
            w = self.fc.weight
            self.w = w.t().contiguous() if self.how == "graph" else w.detach().clone().t()
        return self.out(torch.relu(x @ self.w + self.fc.bias))


class Follows(nn.Module):
    """Spectral norm's power iteration, BatchNorm, dropout, a step counter, its last hidden
    layer logged: every pass reads the weights as they are."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.utils.parametrizations.spectral_norm(nn.Linear(D, 6))
        self.norm, self.drop, self.out = nn.BatchNorm1d(6), nn.Dropout(0.3), nn.Linear(6, C)
        self.steps, self.last = 0, None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.steps += 1
        self.last = self.norm(self.fc(x))
        return self.out(self.drop(torch.relu(self.last)))


@pytest.mark.parametrize("how", ["graph", "clone"])
def test_a_weight_copied_at_the_first_call_is_refused_in_one_line(how: str) -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        check_model_output(CopiedOnce(how), input_shape=(D,), num_classes=C,
                           name="hmods.Frozen")  # fmt: skip
    said = str(caught.value)
    assert said.startswith("model._target_=hmods.Frozen: once an optimiser step moves its "
                           "weights, it answers otherwise than a model holding the moved "
                           "weights: its forward keeps a value computed from its weights at "
                           "its first call (self.w: a copy")  # fmt: skip
    assert "\n" not in said


def test_a_model_following_its_weights_passes() -> None:
    assert check_model_output(Follows(), input_shape=(D,), num_classes=C) == torch.float32

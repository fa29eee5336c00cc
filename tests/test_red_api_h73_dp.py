"""DP-SGD on a user's model that mixes the samples of a batch: refused, as BatchNorm is."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.defenses.dp import refuse_batch_mixing
from mia_defense.errors import UnsupportedModelError
from mia_defense.models import MLP, ResNet, SmallCNN
from mia_defense.models.validation import mixes_samples


class CentresOnTheBatch(nn.Module):
    """Subtracts the batch mean: each output depends on every sample of the batch."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x - x.mean(0, keepdim=True))


class ScalesByTheBatchMax(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) / (1.0 + x.abs().max().item())


@pytest.mark.parametrize("model", [CentresOnTheBatch(), ScalesByTheBatchMax()])
def test_a_model_mixing_the_samples_of_a_batch_is_refused_under_dp(model):
    # trained with DP-SGD and reported epsilon_valid: true, though clipping each sample's
    # gradient bounds nothing when one member's data enters every sample's output
    with pytest.raises(UnsupportedModelError,
                       match=rf"defense.dp: {type(model).__name__} mixes the samples of a batch"):
        refuse_batch_mixing(model, (8,))


@pytest.mark.parametrize(("model", "shape"), [
    (MLP(input_shape=(8,), num_classes=3, hidden=(6,), dropout=0.5), (8,)),  # same draws
    (SmallCNN(input_shape=(1, 8, 8), num_classes=3, channels=(4, 8), hidden=8, groups=2,
              pooled=2), (1, 8, 8)),
    (ResNet(input_shape=(1, 8, 8), num_classes=3, depth=8, groups=2), (1, 8, 8)),
])
def test_per_sample_models_pass_and_are_left_as_they_were(model, shape):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert not mixes_samples(model, shape)
    refuse_batch_mixing(model, shape)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, before[key])

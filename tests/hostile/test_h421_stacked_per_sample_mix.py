"""nn.PReLU before nn.Bilinear: torch.func runs Bilinear's _trilinear by a fallback that
mixes the stacked models' axis with the samples', so the stacked engine's DP-SGD failed at
its first step where the two differ in size (``mia-train model=custom
model._target_=hmods.X plan.num_models=2 defense=dp defense.dp.max_physical_batch_size=2``
ended in a traceback from _linear_sums: 'Expected size for first two dimensions of batch2
tensor to be: [2, 2] but got: [2, 1]'), and on parts of one sample each
(``max_physical_batch_size=1``) formed wrong per-sample gradients silently (0.7 from each
sample's own, K=2). DP-SGD now asks torch.func over 3 models beside 2 samples before
training and refuses such a model, naming train.chunk_size=1, under which it trains (h421)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from tests.helpers import trained_under_dp

C, D = 3, 4


class PReLUBilinear(nn.Module):
    """No nn.Linear: every per-sample gradient is formed by vmap(grad)."""

    def __init__(self) -> None:
        super().__init__()
        self.act = nn.PReLU()
        self.bil = nn.Bilinear(D, D, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(x)
        return self.bil(h, h)


def train_under_dp(**config: object):
    """Two PReLUBilinear models under DP-SGD (`tests.helpers.trained_under_dp`)."""
    return trained_under_dp(PReLUBilinear, features=D, classes=C, **config)


@pytest.mark.filterwarnings("ignore:There is a performance drop")
def test_stacked_models_are_refused_before_wrong_gradients() -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        train_under_dp(max_physical_batch_size=1, chunk_size=2)
    said = str(caught.value)
    assert "not for several stacked models" in said
    assert said.endswith("train.chunk_size=1")


@pytest.mark.filterwarnings("ignore:There is a performance drop")
def test_one_at_a_time_trains_it() -> None:
    assert len(train_under_dp(max_physical_batch_size=1, chunk_size=1).models) == 2

"""A model whose forward branches on a tensor's value, under DP-SGD: the stacked engine
refused it with 'train it with Opacus' own DP-SGD instead: train.engine=opacus', and
train.engine=opacus with 'Fix: set train.engine=stacked (the default)', each sending the
user to the other. Neither engine forms its per-sample gradients; Opacus now says so."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.defenses.dp import refuse_no_grad_samples
from mia_defense.errors import UnsupportedModelError


class DataBranch(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(16, 4), nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x) if x.sum() > 0 else self.b(x)


class WeightBranch(DataBranch):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x) if self.a.weight.sum() > -1e9 else self.b(x)


class UnusedLayer(DataBranch):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x)


@pytest.mark.parametrize("model", [DataBranch, WeightBranch])
def test_a_branching_model_is_told_that_neither_engine_trains_it(model) -> None:
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError) as caught:
        refuse_no_grad_samples(model(), torch.ones((2, 16)))
    said = str(caught.value)
    assert "Opacus forms no per-sample gradient for b.weight, b.bias" in said
    assert "Fix: neither engine can train it as written: torch.func cannot form" in said
    assert "pick with torch.where" in said
    assert "set train.engine=stacked" not in said


def test_an_unused_layer_is_still_sent_to_the_stacked_engine() -> None:
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError) as caught:
        refuse_no_grad_samples(UnusedLayer(), torch.ones((2, 16)))
    assert "Fix: set train.engine=stacked (the default)" in str(caught.value)

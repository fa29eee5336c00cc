"""A model caching a value of its weights at its first call (self.cache =
self.fc.weight.norm(), then logits / self.cache) passed the model checks (their eval-mode
pass, first, set it without a graph), then mia-train model=custom with it (plan.num_models=2,
no defense) ended in torch's traceback at the second training step: 'RuntimeError: Trying to
backward through the graph a second time'. The check now refuses it in one line naming the
attribute; a cache of the input (no graph) still passes (h424)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import check_model_output

C, D = 3, 8


class Cached(nn.Module):
    def __init__(self, of_weights: bool) -> None:
        super().__init__()
        self.fc, self.out = nn.Linear(D, 6), nn.Linear(6, C)
        self.of_weights, self.cache = of_weights, None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.cache is None:
            self.cache = self.fc.weight.norm() if self.of_weights else x.mean() + 1
        return self.out(torch.relu(self.fc(x))) / self.cache


def test_a_cache_of_its_weights_is_refused_in_one_line() -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        check_model_output(Cached(of_weights=True), input_shape=(D,), num_classes=C,
                           name="hmods.Cached")  # fmt: skip
    said = str(caught.value)
    assert said.startswith("model._target_=hmods.Cached: its second training step fails where "
                           "the first passes (RuntimeError: Trying to backward through the "
                           "graph a second time")  # fmt: skip
    assert "across passes (cache)" in said and "\n" not in said


def test_a_cache_of_its_input_passes() -> None:
    assert check_model_output(Cached(of_weights=False), input_shape=(D,),
                              num_classes=C) == torch.float32  # fmt: skip

"""A constructor that drew a buffer's size at random (a fixed random subset of the features,
of a size each model draws) ended mia-train in torch.stack's traceback before training:
'RuntimeError: stack expects each tensor to be equal size, but got [48] at entry 0 and [51]
at entry 2' (mia-train model=custom with such a model, plan.num_models=4). The model check
compared the parameters' shapes only; it compares the buffers' too now, and refuses naming
the buffer (h404)."""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import model_builder


class FeatureSubset(nn.Module):
    def __init__(self, input_shape, num_classes, size: int | None = None) -> None:
        super().__init__()
        size = size or int(torch.randint(2, 6, ()))
        self.register_buffer("keep", torch.randperm(input_shape[0])[:size])
        self.fc = nn.Linear(input_shape[0], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = torch.zeros(x.shape[1], device=x.device).index_fill(0, self.keep, 1.0)
        return self.fc(x * mask)


def test_models_with_buffers_of_other_sizes_are_refused_naming_the_buffer() -> None:
    torch.manual_seed(0)
    build = model_builder(FeatureSubset)
    first = build(input_shape=(6,), num_classes=3)
    with pytest.raises(UnsupportedModelError, match=(
            rf"built models of different shapes \(keep: \[{len(first.keep)}\] in the first, "
            r"\[\d\] in another\).*draw no size at random")):
        for _ in range(20):  # (until a size other than the first's is drawn)
            build(input_shape=(6,), num_classes=3)


def test_models_with_buffers_of_one_size_are_built() -> None:
    build = model_builder(functools.partial(FeatureSubset, size=4))
    models = [build(input_shape=(6,), num_classes=3) for _ in range(3)]
    assert [len(m.keep) for m in models] == [4, 4, 4]

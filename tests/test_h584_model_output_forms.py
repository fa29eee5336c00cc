"""api.observe_models on modules returning a tuple (logits, features), a dict
({'logits': ...}) or an object with ``.logits`` (a Hugging Face output): refused as 'returns
tuple for 2 rows of x, expected logits [2, C]', without a word of what to pass instead
(h584 red-team). The refusal names where the logits are and the module to pass."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import UnsupportedModelError

_X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
_Y = np.arange(40) % 2


class _Returns(nn.Module):
    """A linear model whose forward wraps its logits as ``wrap`` does."""

    def __init__(self, wrap) -> None:
        super().__init__()
        self.linear, self.wrap = nn.Linear(3, 2), wrap

    def forward(self, x: torch.Tensor):
        return self.wrap(self.linear(x), x)


@pytest.mark.parametrize(("wrap", "advice"), [
    (lambda z, x: (z, x), "model(x)[0]"),
    (lambda z, x: [x, z], "model(x)[1]"),
    (lambda z, x: {"features": x, "logits": z}, "model(x)['logits']"),
    (lambda z, x: SimpleNamespace(logits=z, hidden=x), "model(x).logits"),
])  # fmt: skip
def test_wrapped_logits_are_told_where_they_are(wrap, advice):
    plan = api.make_plan(_X, _Y, num_models=2, population_size=30)
    with pytest.raises(UnsupportedModelError, match=r"models\[0\] \(_Returns\) returns") as caught:
        api.observe_models([_Returns(wrap), _Returns(wrap)], _X, _Y, plan)
    assert advice in str(caught.value)
    assert "whose forward returns" in str(caught.value)


def test_no_logits_inside_is_told_what_to_return():
    plan = api.make_plan(_X, _Y, num_models=2, population_size=30)
    wrap = lambda z, x: {"a": 1}  # noqa: E731
    with pytest.raises(UnsupportedModelError, match="returns dict") as caught:
        api.observe_models([_Returns(wrap), _Returns(wrap)], _X, _Y, plan)
    assert "a module whose forward returns the logits [rows, C] alone" in str(caught.value)

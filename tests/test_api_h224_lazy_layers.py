"""api.observe_models of modules with lazy layers (nn.LazyLinear) that no forward pass had
reached: the probe materialised each under the same forked RNG, so the K untrained modules
got the same weights and were refused as 'copies of one model', the user's modules left
changed. They are refused as untrained now, before anything runs them; lazy layers that
training materialised are observed as any other."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.parameter import is_lazy

from mia_defense import api
from mia_defense.errors import ConfigError

K, ROWS, FEATURES, C = 4, 60, 5, 3


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, FEATURES)).astype(np.float32)
    y = rng.integers(0, C, ROWS)
    return x, y, api.make_plan(x, y, num_models=K)


def _lazy_model(seed: int, *, materialise: bool) -> nn.Module:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(C))
    if materialise:  # as training's first batch does, each model with its own draws
        model(torch.zeros(2, FEATURES))
    return model


def test_unmaterialised_lazy_layers_are_refused_as_untrained_and_left_alone() -> None:
    x, y, plan = _data()
    models = [_lazy_model(k, materialise=False) for k in range(K)]
    with pytest.raises(ConfigError, match=r"observe_models: models\[0\] \(Sequential\) holds "
                       r"uninitialized lazy parameters \(0\.weight, 0\.bias, 2\.weight, \.\.\.: "
                       r"nn\.Lazy\* layers"):  # fmt: skip
        api.observe_models(models, x, y, plan)
    assert all(is_lazy(p) for model in models for p in model.parameters())


def test_a_lazy_layer_the_forward_never_reached_is_named() -> None:
    x, y, plan = _data()
    models = [_lazy_model(k, materialise=True) for k in range(K)]
    models[2].unused = nn.LazyLinear(4)
    with pytest.raises(ConfigError, match=r"models\[2\] \(Sequential\) holds uninitialized lazy "
                       r"parameters \(unused\.weight, unused\.bias:"):  # fmt: skip
        api.observe_models(models, x, y, plan)


def test_materialised_lazy_layers_are_observed() -> None:
    x, y, plan = _data()
    obs = api.observe_models([_lazy_model(k, materialise=True) for k in range(K)], x, y, plan)
    assert obs.log_probs.shape == (K, len(plan.population_idx), C)

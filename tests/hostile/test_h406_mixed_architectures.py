"""h406: api.observe_models took models of different architectures without a word ([MLP,
MLP, Linear, MLP], or one MLP of another width): LiRA, RMIA and Shokri then read each
target against references of other architectures. It warns once now, naming the classes
and, for one class, the parameter whose shape differs; models of one architecture (frozen
shared backbone or not) stay silent."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from torch import nn

from mia_defense import api


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    return x, y, api.make_plan(x, y, num_models=4, population_size=40)


def _mlp(width=8):
    return nn.Sequential(nn.Linear(4, width), nn.ReLU(), nn.Linear(width, 2))


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
            and "not one architecture" in r.getMessage()]


@pytest.mark.parametrize(("odd", "said"), [
    (nn.Linear(4, 2), "(models[0, 1, 3]: Sequential; models[2]: Linear)"),
    (_mlp(16), "(models[0, 1, 3]: Sequential; models[2]: Sequential of other shapes "
               "(0.weight [16, 4], in models[0] [8, 4]))"),
])  # fmt: skip
def test_models_of_other_architectures_are_warned_of_once(caplog, odd, said):
    x, y, plan = _data()
    with caplog.at_level(logging.WARNING):
        api.observe_models([_mlp(), _mlp(), odd, _mlp()], x, y, plan)
    [message] = _warnings(caplog)
    assert message.startswith(f"observe_models: the 4 models are not one architecture {said}: "
                              "LiRA, RMIA and Shokri read each target against the other models")
    assert "give K models of one architecture" in message


def test_models_of_one_architecture_are_not_warned_of(caplog):
    x, y, plan = _data()
    with caplog.at_level(logging.WARNING):
        api.observe_models([_mlp() for _ in range(4)], x, y, plan)
    assert not _warnings(caplog)

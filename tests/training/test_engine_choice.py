"""Which way a CPU trains the K models: stacked for small models, alone for large ones."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.errors import ConfigError
from mia_defense.models import MLP, SmallCNN
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import CPU_STACK_MAX_FLOP, train_ensemble
from mia_defense.training.stack import batch_flops


def _train(build, shape, **config):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, *shape)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    masks = np.zeros((2, 40), dtype=bool)
    masks[0, :20], masks[1, 20:] = True, True
    return train_ensemble(
        build_model=build, x=x, y=y, masks=masks, x_test=x[:8], y_test=y[:8], num_classes=3,
        config=TrainConfig(epochs=1, batch_size=16, **config), seed=0, progress=False,
    )


def test_flops_are_counted_per_batch():
    mlp = MLP(input_shape=(64,), num_classes=10, hidden=(128,))
    assert batch_flops(mlp, (64,), 64) == 2 * 64 * (64 * 128 + 128 * 10)


def test_counting_leaves_the_model_as_it_was():
    lazy = nn.Sequential(nn.Flatten(), nn.LazyLinear(4))
    before = torch.random.get_rng_state()
    assert batch_flops(lazy, (3,), 8) == 2 * 8 * 3 * 4
    assert isinstance(lazy[1], nn.LazyLinear)  # not materialised by the count
    assert torch.equal(torch.random.get_rng_state(), before)
    assert lazy.training


def test_a_large_model_trains_alone_on_a_cpu_and_says_why(caplog):
    build = lambda: SmallCNN(input_shape=(1, 28, 28), num_classes=3)  # noqa: E731
    assert batch_flops(build(), (1, 28, 28), 16) > CPU_STACK_MAX_FLOP
    with caplog.at_level(logging.INFO, logger="mia_defense.training.ensemble"):
        alone = _train(build, (1, 28, 28))
    assert alone.engine == "stacked"
    assert "MFLOP" in alone.fallback_reason and "train.chunk_size" in alone.fallback_reason
    said = [r for r in caplog.records if "one at a time" in r.getMessage()]
    assert said and said[0].levelno == logging.INFO  # a choice, not a failure
    # A number stacks them anyway, and they end where the models trained alone end.
    stacked = _train(build, (1, 28, 28), chunk_size=2)
    assert stacked.fallback_reason is None
    for a, b in zip(alone.models, stacked.models, strict=True):
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)


def test_a_small_model_stays_stacked():
    ensemble = _train(lambda: MLP(input_shape=(64,), num_classes=3), (64,))
    assert ensemble.fallback_reason is None


@pytest.mark.parametrize("chunk_size", [0, -1, 2.5, "auto"])
def test_bad_chunk_size_names_the_key(chunk_size):
    with pytest.raises(ConfigError, match=r"train\.chunk_size=.*integer >= 1 or null"):
        TrainConfig(chunk_size=chunk_size)

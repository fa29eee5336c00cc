"""A model holding an unused meta-device buffer (``self.register_buffer("x",
torch.empty(3, device="meta"))``) given to api.observe_models ended in a raw
NotImplementedError ('Cannot copy out of meta tensor; no data!') from
models.copies.weights_digest, the copy check's digest. The digest proves that two models
hold the same values (copies), or that a model's values changed: a meta tensor holds no
values, the same nothing in every model, so it is digested by name, dtype and shape
(h591)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import ConfigError
from mia_defense.models.copies import first_copy, weights_digest


class _WithMetaBuffer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(4, 3)
        self.register_buffer("x", torch.empty(3, device="meta"))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.layer(inputs)


def _models(seeds: tuple[int, ...]) -> list[nn.Module]:
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(_WithMetaBuffer())
    return models


def test_observe_models_reads_models_with_an_unused_meta_buffer() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 4)).astype(np.float32), rng.integers(0, 3, 40)
    plan = api.make_plan(x, y, num_models=2)
    observations = api.observe_models(_models((0, 1)), x, y, plan)
    assert len(observations.masks) == 2


def test_copies_holding_a_meta_buffer_are_still_refused() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 4)).astype(np.float32), rng.integers(0, 3, 40)
    plan = api.make_plan(x, y, num_models=2)
    with pytest.raises(ConfigError, match=r"models\[1\] holds exactly the weights of models\[0\]"):
        api.observe_models(_models((0, 0)), x, y, plan)


def test_the_digest_tells_a_meta_buffer_of_another_shape_or_a_materialised_one() -> None:
    model = _WithMetaBuffer()
    before = weights_digest(model)
    model.x = torch.empty(4, device="meta")
    assert weights_digest(model) != before
    model.x = torch.zeros(4)
    assert weights_digest(model) not in (before, None)
    assert first_copy(_models((0, 1))) is None


def test_sparse_buffers_are_digested_by_their_values() -> None:
    first, second = nn.Module(), nn.Module()
    first.register_buffer("x", torch.eye(3).to_sparse())
    second.register_buffer("x", (2 * torch.eye(3)).to_sparse_csr())
    assert weights_digest(first) != weights_digest(second)
    same = nn.Module()
    same.register_buffer("x", torch.eye(3).to_sparse())
    assert weights_digest(same) == weights_digest(first)

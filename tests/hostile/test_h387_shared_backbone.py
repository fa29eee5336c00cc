"""h387: K heads on one frozen pretrained backbone object (linear probing) were refused by
api.observe_models as 'the same tensor object: give K separately trained modules', naming
neither why nor a way out, while the same models with K copies of the backbone were taken.
A frozen shared parameter is now taken (the models answer as the copies do); a trainable
one or a buffer shared is refused naming the cause."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import ConfigError


def _setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    plan = api.make_plan(x, y, num_models=4, population_size=80)
    torch.manual_seed(0)
    backbone = nn.Sequential(nn.Linear(5, 8), nn.ReLU())
    heads = [nn.Linear(8, 2) for _ in range(4)]
    return x, y, plan, backbone, heads


@pytest.mark.parametrize("white_box", [False, True])
def test_heads_on_one_frozen_backbone_are_observed_as_on_copies_of_it(white_box: bool) -> None:
    x, y, plan, backbone, heads = _setup()
    backbone.requires_grad_(False)
    shared = api.observe_models([nn.Sequential(backbone, h) for h in heads], x, y, plan,
                                white_box=white_box)  # fmt: skip
    copies = api.observe_models([nn.Sequential(copy.deepcopy(backbone), h) for h in heads],
                                x, y, plan, white_box=white_box)  # fmt: skip
    np.testing.assert_array_equal(shared.log_probs, copies.log_probs)
    np.testing.assert_array_equal(shared.test_log_probs, copies.test_log_probs)
    if white_box:
        np.testing.assert_array_equal(shared.grad_norms, copies.grad_norms)
    assert not any(p.requires_grad for p in backbone.parameters())


def test_a_trainable_shared_layer_is_refused_naming_why() -> None:
    x, y, plan, backbone, heads = _setup()
    with pytest.raises(ConfigError, match=r"models\[1\]\.0\.0\.weight is models\[0\]\.0\.0\."
                       r"weight \(the same tensor object\), a trainable parameter: .* frozen "
                       r"\(requires_grad_\(False\)\)$"):
        api.observe_models([nn.Sequential(backbone, h) for h in heads], x, y, plan)


def test_a_shared_buffer_of_a_frozen_backbone_is_refused_naming_why() -> None:
    x, y, plan, _, heads = _setup()
    backbone = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8)).requires_grad_(False)
    with pytest.raises(ConfigError, match=r"models\[1\]\.0\.1\.running_mean is models\[0\]\."
                       r"0\.1\.running_mean \(the same tensor object\), a buffer \(as "
                       r"BatchNorm's running statistics\)"):
        api.observe_models([nn.Sequential(backbone, h) for h in heads], x, y, plan)

"""Leftovers of earlier sessions (h307)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from mia_defense.defenses import FullRelease
from mia_defense.experiment import _divergence_hint
from mia_defense.training.config import TrainConfig, make_optimizer

SGD = "torch.optim.SGD"


@pytest.mark.parametrize(("optimizer", "momentum", "hinted"), [
    ("sgd", 0.5, True),
    ({"_target_": SGD}, 0.5, True),  # was torch's 0, train.momentum=0.5 unread
    ({"_target_": SGD, "momentum": 0.2}, 0.2, False),  # its own wins, as its lr over train.lr
    ({"_target_": "torch.optim.RMSprop"}, 0, False),  # SGD's only
])  # fmt: skip
def test_train_momentum_is_sgds_however_sgd_is_named(optimizer, momentum, hinted):
    config = TrainConfig(optimizer=optimizer, momentum=0.5, lr=0.1)
    built = make_optimizer([torch.zeros(1, requires_grad=True)], config)
    assert built.defaults["momentum"] == momentum
    experiment = SimpleNamespace(train=config, build_defenses=list, release=FullRelease(),
                                 shadow_recipe="same")  # fmt: skip
    assert ("train.momentum=0.5" in _divergence_hint(experiment)) is hinted

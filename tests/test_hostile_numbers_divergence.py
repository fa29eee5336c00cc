"""A run diverged by a hostile number names that number's key."""

from __future__ import annotations

from types import SimpleNamespace

from mia_defense.defenses import FullRelease
from mia_defense.experiment import _divergence_hint


def _experiment(**train):
    values = dict(lr=1e-3, weight_decay=0.0, optimizer="adam") | train
    return SimpleNamespace(train=SimpleNamespace(**values), build_defenses=lambda: [],
                           release=FullRelease(), shadow_recipe="same")  # fmt: skip


def test_the_hint_names_the_optimizer_nodes_own_learning_rate():
    # train.optimizer={_target_: torch.optim.SGD, lr: 1e300} diverged with 'likely cause:
    # train.lr=0.001', a value the optimiser never used
    optimizer = {"_target_": "torch.optim.SGD", "lr": 1e300, "momentum": 0.5,
                 "nesterov": True}  # fmt: skip
    hint = _divergence_hint(_experiment(optimizer=optimizer))
    assert hint == ("likely cause: train.optimizer.lr=1e+300, train.optimizer.momentum=0.5 "
                    "(lower the learning rate first)")
    assert _divergence_hint(_experiment(lr=1e308)).startswith("likely cause: train.lr=1e+308 (")

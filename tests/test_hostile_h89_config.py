"""A hostile user's command line (h89): values the config check let through to a traceback,
or to a run on a nonsense value."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from mia_defense.training.config import TrainConfig, make_optimizer


def test_an_optimizer_implementation_of_the_users_is_not_forced_fused(make_cfg):
    """mia-train asked torch for fused kernels on top: 'RuntimeError: `fused` and `foreach`
    cannot be `True` together', a traceback of the config check."""
    check_config(make_cfg("train.optimizer={_target_: torch.optim.Adam, foreach: true}"))


def test_the_users_foreach_optimizer_is_built_as_asked():
    import torch

    config = TrainConfig(optimizer={"_target_": "torch.optim.Adam", "foreach": True})
    optimizer = make_optimizer([torch.zeros(1, requires_grad=True)], config)
    assert optimizer.defaults["foreach"] is True and not optimizer.defaults["fused"]


@pytest.mark.parametrize(
    ("options", "message"),
    [("{_target_: torch.optim.Adam, betas: [0.9]}",
      r"train.optimizer: Adam refused its settings \(.*\); given lr=.*betas: \[0.9\]"),
     ("{_target_: torch.optim.Adam, fused: true, foreach: true}",
      r"train.optimizer: Adam refused its settings \(`fused` and `foreach` cannot"),
     ("{_target_: torch.optim.Adam, differentiable: true}",
      r"train.optimizer: Adam refused its settings \(.*in-place.*differentiable: True")],
    ids=["short-betas", "fused-and-foreach", "differentiable"],
)
def test_optimizer_settings_torch_refuses_with_other_errors_are_config_errors(
    make_cfg, options, message
):
    """An IndexError (betas of one value) or RuntimeError (flags torch refuses together)
    escaped the check as a traceback."""
    with pytest.raises(ConfigError, match=message):
        check_config(make_cfg(f"train.optimizer={options}"))


@pytest.mark.parametrize(
    ("options", "message"),
    [("{_target_: torch.optim.SGD, momentum: 2}",
      r"train.optimizer.momentum=2: must be below 1 \(a velocity that never decays"),
     ("{_target_: torch.optim.RMSprop, momentum: 1.0}", r"train.optimizer.momentum=1.0: must"),
     ("{_target_: torch.optim.SGD, momentum: 0.9, dampening: 5}",
      r"train.optimizer.dampening=5: must be below 1")],
    ids=["sgd-momentum", "rmsprop-momentum", "dampening"],
)
def test_a_momentum_or_dampening_of_one_or_more_is_refused(make_cfg, options, message):
    """train.momentum is refused from 1 on, but the same value in a _target_ optimiser
    trained (SGD momentum 2: digits to 0.14, and a privacy verdict)."""
    with pytest.raises(ConfigError, match=message):
        check_config(make_cfg(f"train.optimizer={options}"))
    check_config(make_cfg("train.optimizer={_target_: torch.optim.SGD, momentum: 0.99}"))

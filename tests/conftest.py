"""Shared fixtures: the real Hydra config, composed and shrunk for tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from hydra import compose, initialize_config_module
from omegaconf import DictConfig

from mia_defense.config import register_configs

torch.set_num_threads(1)
register_configs()

TINY = [
    "plan.num_models=4",
    "plan.population_size=300",
    "train.epochs=3",
    "train.lr=0.01",
    "progress=false",
]


@pytest.fixture
def make_cfg() -> Callable[..., DictConfig]:
    """Compose the packaged config with the given overrides (after the tiny defaults)."""

    def _compose(*overrides: str, tiny: bool = True) -> DictConfig:
        with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
            return compose("config", overrides=[*(TINY if tiny else []), *overrides])

    return _compose

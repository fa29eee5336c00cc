"""Structured-config schemas registered in Hydra's ConfigStore.

The YAML files of a group list ``schema`` first in their defaults, so a typo'd key or
a value of the wrong type stops the run at composition time, naming the key.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from mia_defense.errors import ConfigError
from mia_defense.experiment import PlanConfig
from mia_defense.training.config import TrainConfig

__all__ = ["build_dataclass", "register_configs"]

T = TypeVar("T")


def register_configs() -> None:
    """Register the schemas (idempotent: ConfigStore replaces same-name entries)."""
    store = ConfigStore.instance()
    store.store(group="train", name="schema", node=TrainConfig)
    store.store(group="plan", name="schema", node=PlanConfig)


def build_dataclass(cls: type[T], node: Any, *, key: str) -> T:
    """Build the settings dataclass ``cls`` from a config node, refusing unknown keys by name."""
    values = OmegaConf.to_container(node, resolve=True) if node is not None else {}
    if not isinstance(values, dict):
        raise ConfigError(f"{key}: expected a mapping of settings, got {values!r}")
    known = [f.name for f in fields(cls)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}: unknown key; valid keys are {', '.join(known)}")
    return cls(**values)

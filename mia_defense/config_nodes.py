"""What the config check knows of a node built by ``_target_``, shared by the walk
(`mia_defense.config`) and the checks after it (`mia_defense.config_stack`,
`mia_defense.config_fits`): the keys Hydra's instantiate reads itself, and the settings
dataclass built from a node."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

from omegaconf import OmegaConf

from mia_defense.errors import ConfigError

T = TypeVar("T")

# Keys Hydra's instantiate reads itself (not passed to the target).
_HYDRA_KEYS = frozenset({"_target_", "_partial_", "_recursive_", "_convert_", "_args_"})


def build_dataclass(cls: type[T], node: Any, *, key: str) -> T:
    """Build the settings dataclass ``cls`` from a config node, refusing unknown keys by name."""
    values = OmegaConf.to_container(node, resolve=True) if node is not None else {}
    if not isinstance(values, dict):
        raise ConfigError(f"{key}: expected a mapping of settings, got {values!r}")
    known = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}: unknown key; valid keys are {', '.join(known)}")
    return cls(**values)

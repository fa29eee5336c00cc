"""What the config check knows of a node built by ``_target_``, shared by the walk
(`mia_defense.config`) and the checks after it (`mia_defense.config_stack`,
`mia_defense.config_fits`): the keys Hydra's instantiate reads itself, our file loaders'
checks of their file, and the settings dataclass built from a node."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

from omegaconf import OmegaConf

from mia_defense.errors import ConfigError

T = TypeVar("T")

# Keys Hydra's instantiate reads itself (not passed to the target).
_HYDRA_KEYS = frozenset({"_target_", "_partial_", "_recursive_", "_convert_", "_args_"})


# Our file loaders -> the function of their module that checks their file without reading its
# data, called with the loader's keyword arguments (`_Walk.source`).
_SOURCE_CHECKS = {
    ("mia_defense.data.csv_file", "load_csv"): "check_csv_source",
    ("mia_defense.data.tabular", "load_npz"): "check_npz_source",
    ("mia_defense.data.tabular", "load_purchase100"): "check_purchase100_source",
    ("mia_defense.data.tabular", "load_texas100"): "check_texas100_source",
    ("mia_defense.data.cifar", "load_cifar10"): "check_cifar10_source",
    ("mia_defense.data.cifar", "load_cifar100"): "check_cifar100_source",
    ("mia_defense.data.idx", "load_mnist"): "check_mnist_source",
    ("mia_defense.data.idx", "load_fashion_mnist"): "check_fashion_mnist_source",
    # (generated: their sizes, memory and k-means time, refused after the run directory was
    # made; dataset.num_samples is then the data's size for the plan)
    ("mia_defense.data.synthetic", "make_purchase_like"): "check_purchase_like",
    ("mia_defense.data.synthetic", "make_texas_like"): "check_texas_like",
}



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

"""Datasets: the `Dataset` seam, embedded and generated data, and loaders for users' files.

Each loader loads on first use (PEP 562): the digits loader brings scikit-learn and the
image loaders torch, which the generated data and a user's NPZ/CSV files do not need.
"""

from collections.abc import Mapping
from importlib import import_module
from typing import Any

from mia_defense.data.dataset import Dataset

# name -> the module that defines it
_LOADERS = {
    "load_breast_cancer": "sklearn_datasets",
    "load_cifar10": "cifar",
    "load_cifar100": "cifar",
    "load_csv": "csv_file",
    "load_digits": "sklearn_datasets",
    "load_fashion_mnist": "idx",
    "load_mnist": "idx",
    "load_npz": "tabular",
    "load_purchase100": "tabular",
    "load_texas100": "tabular",
    "make_purchase_like": "synthetic",
    "make_texas_like": "synthetic",
}

__all__ = ["Dataset", "classes_from_labels", "loads_csv", *_LOADERS]


def loads_csv(dataset: Any) -> bool:
    """Whether a run's ``dataset`` config node loads a CSV file with `load_csv` (its
    ``_target_``'s last name), which one-hot encodes the file's text columns."""
    target = dataset.get("_target_") if isinstance(dataset, Mapping) else None
    return isinstance(target, str) and target.rsplit(".", 1)[-1] == "load_csv"


def classes_from_labels(dataset: Any) -> bool:
    """Whether a run's ``dataset`` config node takes its classes from the labels the data
    holds, members included: `load_csv` or `load_npz` with ``num_classes`` null (the
    distinct labels), which DP-SGD's ε does not cover (a label one member alone holds is an
    output of its own)."""
    target = dataset.get("_target_") if isinstance(dataset, Mapping) else None
    return (isinstance(target, str) and target.rsplit(".", 1)[-1] in ("load_csv", "load_npz")
            and dataset.get("num_classes") is None)


def __getattr__(name: str) -> Any:
    if name in _LOADERS:
        return getattr(import_module(f"{__name__}.{_LOADERS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

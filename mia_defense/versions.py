"""The versions of the libraries that train the models: recorded in every checkpoint and
model store key, so that models trained by two versions are never mixed."""

from __future__ import annotations

import functools
import importlib.metadata

import numpy as np
import torch

__all__ = ["training_versions"]

# The libraries whose version changes the numbers training computes (torch's kernels and
# generators; DP's noise and σ search): what the model store keys on besides torch and
# numpy (mixup's λ, drawn by numpy's Generator.beta, whose streams numpy keeps only within a
# version, NEP 19).
_TRAINING_PACKAGES = ("opacus", "scipy")


def training_versions() -> dict[str, str | None]:
    """The versions of the libraries that train the models, as each checkpoint records
    them: a run resumed under others would mix models trained by two versions."""
    return dict(_installed_versions())


@functools.cache  # (a package's metadata is looked up in some ms: once per process)
def _installed_versions() -> tuple[tuple[str, str | None], ...]:
    # (torch's and numpy's as results.json's versions write them: a str each)
    versions: list[tuple[str, str | None]] = [("torch", str(torch.__version__)),
                                              ("numpy", str(np.__version__))]
    for name in _TRAINING_PACKAGES:
        try:
            versions.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            versions.append((name, None))
    return tuple(versions)

"""Zero-download datasets that ship inside scikit-learn."""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.data.checks import check_flag
from mia_defense.data.dataset import Dataset

__all__ = ["BUNDLED_SIZES", "known_input", "load_breast_cancer", "load_digits", "standardise"]

# Each loader's samples and classes, known without loading (the config check holds the plan
# sizes and release.k to them before the run directory is made).
BUNDLED_SIZES = {"load_digits": (1797, 10), "load_breast_cancer": (569, 2)}
# Each loader's features per sample; load_digits(images=True) gives them as [1, 8, 8].
BUNDLED_FEATURES = {"load_digits": 64, "load_breast_cancer": 30}
DIGITS_IMAGE = (1, 8, 8)


def known_input(name: str, settings: Mapping[str, Any]) -> tuple[tuple[int, ...], int] | None:
    """The input shape and classes loader ``name`` gives with its config ``settings`` (the
    dataset node), known without loading: the config check builds the model on them."""
    if name not in BUNDLED_SIZES:
        return None
    images = name == "load_digits" and settings.get("images") is True
    shape = DIGITS_IMAGE if images else (BUNDLED_FEATURES[name],)
    return shape, BUNDLED_SIZES[name][1]


def standardise(x: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per feature; constant features stay at zero."""
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    return ((x - mean) / std).astype(np.float32)


def load_digits(*, standardize: bool = False, images: bool = False) -> Dataset:
    """scikit-learn's 8x8 handwritten digits: 1797 samples, 64 features, 10 classes.

    The features are pixel counts of 4x4 blocks, 0 to 16 by construction, so they are kept
    as they are by default: ``standardize=True`` scales them with statistics of every
    record, members included, a data-dependent step DP-SGD's ε does not cover.
    ``images=True`` gives each sample as a one-channel 8x8 image [1, 8, 8], the input of
    the image models (``model=cnn``, ``resnet``) with nothing to download."""
    check_flag(standardize, key="standardize")
    check_flag(images, key="images")
    data = _digits_rows()
    x = data[:, :-1].astype(np.float32)
    x = standardise(x) if standardize else x
    return Dataset(
        x=x.reshape(-1, *DIGITS_IMAGE) if images else x,
        y=data[:, -1].astype(np.int64),
        num_classes=BUNDLED_SIZES["load_digits"][1],
        name="digits",
    )


def _digits_rows() -> np.ndarray:
    """scikit-learn's digits file as its ``load_digits`` reads it (``np.loadtxt`` of the
    gzipped CSV it ships, float64 [1797, 65]: 64 pixel counts, then the label), read here
    without importing ``sklearn.datasets``, whose package imports every loader it has
    (OpenML, LFW, 20 newsgroups...: some 70 modules, a part of the default run's start)."""
    # (find_spec of the subpackage imports sklearn alone, not sklearn.datasets itself)
    spec = find_spec("sklearn.datasets")
    folder = spec.submodule_search_locations if spec is not None else None
    if not folder:
        raise ModuleNotFoundError("scikit-learn's sklearn.datasets was not found; reinstall "
                                  "scikit-learn (pip install scikit-learn)")
    with gzip.open(Path(folder[0]) / "data" / "digits.csv.gz", "rt", encoding="utf-8") as file:
        return np.loadtxt(file, delimiter=",")


def load_breast_cancer(*, standardize: bool = True) -> Dataset:
    """scikit-learn's Wisconsin breast cancer data: 569 samples, 30 features, 2 classes."""
    from sklearn import datasets as skdatasets  # (its loaders' package: not at start-up)

    check_flag(standardize, key="standardize")
    bunch = skdatasets.load_breast_cancer()
    x = bunch.data.astype(np.float32)
    return Dataset(
        x=standardise(x) if standardize else x,
        y=bunch.target.astype(np.int64),
        num_classes=BUNDLED_SIZES["load_breast_cancer"][1],
        name="breast_cancer",
    )

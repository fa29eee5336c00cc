"""Validation shared by the file loaders: every problem becomes a `DataError` naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from mia_defense.data.dataset import Dataset
from mia_defense.errors import DataError
from mia_defense.seeding import numpy_rng

__all__ = [
    "as_features",
    "as_labels",
    "finish_dataset",
    "require_path",
    "standardise_images",
    "subsample",
]


def require_path(path: str | os.PathLike[str] | None, *, name: str, expected: str) -> Path:
    """``path`` expanded; a `DataError` saying what to point at when it is unset or missing."""
    if path is None or str(path) == "":
        raise DataError(f"dataset {name!r}: dataset.path is not set; point it at {expected}")
    resolved = Path(path).expanduser()
    if not resolved.exists():
        raise DataError(
            f"dataset {name!r}: {resolved} does not exist; set dataset.path to {expected}"
        )
    return resolved


def as_labels(
    y: np.ndarray,
    *,
    source: str,
    num_classes: int | None,
    label_base: int | None = 0,
) -> tuple[np.ndarray, int]:
    """Integer labels in ``[0, C)`` and C, from integer, integral-float or one-hot labels.

    Args:
        y: labels [N] or one-hot [N, C].
        source: what to name in errors (file path).
        num_classes: C, or ``None`` to infer ``max + 1``.
        label_base: the smallest label value in the file (0 or 1); ``None`` detects 1-based
            labels when they span exactly ``1..num_classes``.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 2:
        if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
            raise DataError(
                f"{source}: 2-D labels {y.shape} must be one-hot (one 1 per row); "
                "store integer class indices [N] instead"
            )
        num_classes = num_classes if num_classes is not None else int(y.shape[1])
        y, label_base = y.argmax(axis=1), 0
    if y.ndim != 1:
        raise DataError(f"{source}: labels must have shape [N], got {y.shape}")
    if y.size == 0:
        raise DataError(f"{source}: contains no samples")
    if not np.issubdtype(y.dtype, np.integer):
        if not np.issubdtype(y.dtype, np.floating) and y.dtype != bool:
            raise DataError(f"{source}: labels must be integers, got dtype {y.dtype}")
        bad = np.flatnonzero(~np.isfinite(y) | (y != np.round(y)))
        if len(bad):
            raise DataError(
                f"{source}: labels must be integer class indices, found {y[bad[0]].item()!r} "
                f"at sample {bad[0]} ({len(bad)} such labels)"
            )
    y = y.astype(np.int64)
    if label_base is None:
        label_base = 1 if num_classes and y.min() >= 1 and y.max() == num_classes else 0
    y = y - label_base
    if num_classes is None:
        num_classes = int(y.max()) + 1
    bad = np.flatnonzero((y < 0) | (y >= num_classes))
    if len(bad):
        raise DataError(
            f"{source}: labels must lie in [{label_base}, {label_base + num_classes}), "
            f"found {y[bad[0]] + label_base} at sample {bad[0]} ({len(bad)} labels out of range)"
        )
    if num_classes < 2:
        raise DataError(f"{source}: labels hold a single class; need at least 2")
    return y, int(num_classes)


def as_features(x: np.ndarray, *, source: str, num_samples: int) -> np.ndarray:
    """float32 features [N, ...]; a `DataError` for non-numeric, misshaped or non-finite data."""
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise DataError(f"{source}: features must be numeric, got dtype {x.dtype}")
    if x.ndim < 2:
        raise DataError(f"{source}: features must have shape [N, ...], got {x.shape}")
    if x.shape[0] != num_samples:
        raise DataError(
            f"{source}: {x.shape[0]} feature rows but {num_samples} labels; they must match"
        )
    x = x.astype(np.float32, copy=False)
    finite = np.isfinite(x).reshape(len(x), -1).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise DataError(
            f"{source}: features contain NaN or inf in {len(bad)} samples (first at sample "
            f"{bad[0]}); clean or impute them first"
        )
    return x


def subsample(
    x: np.ndarray, y: np.ndarray, *, max_samples: int | None, seed: int, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_samples`` rows drawn at random from the seed (all rows when ``None``)."""
    if max_samples is None or max_samples >= len(y):
        return x, y
    if max_samples < 2:
        raise DataError(f"dataset.max_samples={max_samples}: must be >= 2 (or null for all)")
    keep = np.sort(numpy_rng(seed, f"subsample/{name}").permutation(len(y))[:max_samples])
    return x[keep], y[keep]


def _standardise_flat(x: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=0, dtype=np.float64)
    std = x.std(axis=0, dtype=np.float64)
    std[std == 0] = 1.0
    return ((x - mean) / std).astype(np.float32)


def standardise_images(x: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per channel of images [N, C, H, W]."""
    mean = x.mean(axis=(0, 2, 3), keepdims=True, dtype=np.float64)
    std = x.std(axis=(0, 2, 3), keepdims=True, dtype=np.float64)
    std[std == 0] = 1.0
    return ((x - mean) / std).astype(np.float32)


def finish_dataset(
    x: np.ndarray,
    y: np.ndarray,
    *,
    name: str,
    source: str,
    num_classes: int | None,
    label_base: int | None = 0,
    max_samples: int | None = None,
    seed: int = 0,
    standardize: bool = False,
) -> Dataset:
    """Validate raw arrays read from ``source`` and wrap them as a `Dataset`.

    ``standardize`` scales images [N, C, H, W] per channel and other data per feature, after
    subsampling (so the statistics are those of the data the run uses).
    """
    labels, classes = as_labels(y, source=source, num_classes=num_classes, label_base=label_base)
    features = as_features(x, source=source, num_samples=len(labels))
    features, labels = subsample(features, labels, max_samples=max_samples, seed=seed, name=name)
    if standardize:
        features = (
            standardise_images(features) if features.ndim == 4 else _standardise_flat(features)
        )
    return Dataset(x=features, y=labels, num_classes=classes, name=name, source=source)

"""Validation shared by the file loaders: every problem becomes a `DataError` naming the file.

The setting checks and the last steps of a loader (`finish_dataset`) live here; the rest
by job in `names` (how names are shown), `paths` (dataset.path), `labels`, `features`
and `copies` (duplicate samples, label copies), re-exported here for their importers.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.constraints import (
    as_integer,
    is_integer,
    shown,
    shown_path,
)
from mia_defense.data.copies import (
    copied_rows,
    duplicate_count,
    label_copies,
    near_label_copies,
    row_groups,
    warn_label_copies,
)
from mia_defense.data.dataset import Dataset
from mia_defense.data.features import (
    FLOAT32_WHOLE,
    LAST_CHANNELS,
    UNSCALED_ADVICE,
    _centred_wide,
    _standardise_flat,
    _warn_channels_last,
    _warn_constant,
    as_features,
    float32_merged,
    looks_channels_last,
    may_be_channels_last,
    standardise_images,
    unscaled,
    warn_below_float32,
    warn_unscaled_features,
)
from mia_defense.data.guards import (
    check_memory,
    feature_bytes,
)
from mia_defense.data.labels import (
    as_labels,
    check_num_classes,
    far_apart_labels,
    label_rows,
)
from mia_defense.data.names import (
    as_written,
    closest_name,
    shown_name,
    shown_names,
    typed_name,
)
from mia_defense.data.paths import require_path
from mia_defense.errors import ConfigError, DataError
from mia_defense.seeding import numpy_rng

__all__ = [
    "FLOAT32_WHOLE",
    "ID_ROWS",
    "LAST_CHANNELS",
    "UNSCALED_ADVICE",
    "as_features",
    "as_labels",
    "as_written",
    "check_classes_repeat",
    "check_count",
    "check_flag",
    "check_image_settings",
    "check_label_base",
    "check_max_samples",
    "check_num_classes",
    "check_seed",
    "check_squares_fit",
    "closest_name",
    "copied_rows",
    "duplicate_count",
    "far_apart_labels",
    "finish_dataset",
    "float32_merged",
    "is_number_text",
    "label_copies",
    "looks_channels_last",
    "may_be_channels_last",
    "near_label_copies",
    "numbers_rows",
    "require_path",
    "row_groups",
    "shown_name",
    "shown_names",
    "standardise_images",
    "subsample",
    "typed_name",
    "unscaled",
    "warn_below_float32",
    "warn_label_copies",
    "warn_unscaled_dataset",
    "warn_unscaled_features",
    "warn_user_dataset",
]

log = logging.getLogger(__name__)


def is_number_text(text: str) -> bool:
    """Whether ``float(text)`` reads ``text`` as a number (as the text loaders parse it)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_count(value: object, *, key: str) -> None:
    """A `ConfigError` naming ``dataset.<key>`` unless ``value`` is an integer or ``None``
    (the Python API passes what it is given: no config check ran first)."""
    if value is not None and not is_integer(value):
        raise ConfigError(f"dataset.{key}={shown(value)}: must be an integer >= 2 or null")


def check_max_samples(value: object) -> None:
    """`check_count` for ``dataset.max_samples``, and its bound (>= 2): every loader checks
    it with its settings, before it reads the file (``-1``, ``0`` and ``1`` were refused
    only by `subsample`, after the whole file was read, and passed the config check)."""
    check_count(value, key="max_samples")
    if value is not None and value < 2:  # type: ignore[operator]
        raise ConfigError(f"dataset.max_samples={shown(value)}: must be >= 2 (or null for all)")


def check_flag(value: object, *, key: str) -> None:
    """A `ConfigError` naming ``dataset.<key>`` unless ``value`` is true or false: a loader
    called from Python takes any object as a flag (``standardize='no'`` standardised)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"dataset.{key}={shown(value)}: must be true or false")


def check_label_base(value: object) -> None:
    """A `ConfigError` naming ``dataset.label_base`` unless it is 0, 1 or ``None`` (detect):
    the smallest label of a file counts from 0 or from 1; any other base shifted the labels
    by it (-1 moved labels 0..98 to 1..99, leaving class 0 empty)."""
    if value is not None and not is_integer(value, low=0, high=1):
        raise ConfigError(f"dataset.label_base={shown(value)}: must be 0 (labels count from 0), "
                          "1 (from 1) or null (detect 1..100 as 1-based)")


def check_seed(seed: object) -> None:
    """A `ConfigError` naming ``dataset.seed`` unless ``seed`` is an integer >= 0 (a loader
    called from Python gets no config check: numpy's raw TypeError or ValueError, else)."""
    as_integer(seed, key="dataset.seed", low=0, note="the run's seed")


# The parts of an image set a loader reads (dataset.split of CIFAR's and the IDX loaders).
_IMAGE_SPLITS = ("all", "train", "test")


def check_image_settings(*, split: object, normalize: object, max_samples: object,
                         seed: object) -> None:
    """The settings the image loaders share (`mia_defense.data.cifar`'s and
    `mia_defense.data.idx`'s), checked before a file is looked for: ``dataset.split`` (one
    of `_IMAGE_SPLITS`), ``dataset.normalize``, ``dataset.max_samples``, ``dataset.seed``."""
    if split not in _IMAGE_SPLITS:
        raise ConfigError(f"dataset.split={shown(split)}: choose from {_IMAGE_SPLITS}")
    check_flag(normalize, key="normalize")
    check_max_samples(max_samples)
    check_seed(seed)


def subsample(
    x: np.ndarray, y: np.ndarray, *, max_samples: int | None, seed: int, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_samples`` rows drawn at random from the seed (all rows when ``None``)."""
    check_max_samples(max_samples)
    if max_samples is None or max_samples >= len(y):
        return x, y
    keep = np.sort(numpy_rng(seed, f"subsample/{name}").permutation(len(y))[:max_samples])
    return x[keep], y[keep]


def warn_unscaled_dataset(data: Dataset, *, loader: str) -> None:
    """Say when a `Dataset` the user's ``loader`` built holds features that look unscaled
    (`unscaled`): the built-in loaders scale pixels to [0, 1] and warn of such features, a
    user's Dataset trained on them as they were without a word."""
    warn_unscaled_features(data.x, source=data.description, loader=loader)


def warn_user_dataset(data: Dataset, *, loader: str) -> Dataset:
    """The loaders' warnings for a `Dataset` the user's ``loader`` built: unscaled features,
    a label copy (exact or near) among the feature columns, images that may be stored
    channels-last. A ``dataset._target_`` Dataset got only the first of them. Returns it
    with the label copies found (``label_copies``) as the loaders record them."""
    warn_unscaled_dataset(data, loader=loader)
    copies = warn_label_copies(data.x, data.y, source=data.description)
    _warn_channels_last(data.x, source=data.description, standardize=False)
    return dataclasses.replace(data, label_copies=copies) if copies else data


# Rows from which distinct whole numbers without a gap, in any order, are taken for ids.
ID_ROWS = 20


def numbers_rows(column: np.ndarray) -> bool:
    """Whether ``column`` is 0, 1, 2, ... or 1, 2, 3, ... in the file's order, or, from
    `ID_ROWS` rows, distinct whole numbers without a gap from any start in any order
    (customer ids 10001, 10002, ...; a shuffled file's index): those were not warned."""
    if column[0] in (0, 1) and (np.diff(column) == 1).all():
        return True
    if len(column) < ID_ROWS or not (column == np.round(column)).all():
        return False
    return bool(column.max() - column.min() == len(column) - 1
                and np.unique(column).size == len(column))


def check_classes_repeat(y: np.ndarray, *, source: str) -> None:
    """Refuse labels where most samples are alone in their class (an identifier column):
    no model learns such classes, and a run on them would take long to measure nothing.
    Checked when a run starts, not by the loaders (a small file may hold one of each)."""
    _, counts = np.unique(y, return_counts=True)
    alone = int((counts == 1).sum())
    if 2 * alone > len(y):
        raise DataError(
            f"{shown_path(source)}: {alone} of its {len(y)} samples are the only one of their "
            f"class ({len(counts)} classes): the labels look like an identifier; point the loader "
            "at the class labels (dataset.label_column for a CSV file)"
        )


# The largest feature magnitude whose square float32 holds (1.8e19).
_SQUARE_LIMIT = float(np.sqrt(np.finfo(np.float32).max))


def check_squares_fit(x: np.ndarray, *, source: str) -> None:
    """Refuse features beyond `_SQUARE_LIMIT` in magnitude: the models compute in float32,
    where such a feature's square is inf (Adam's second moments, per-sample gradient norms).
    Unscaled (dataset.standardize=false, features of 4e19) they trained and were attacked,
    then the run ended in 'DataError: Observations.save: ... grad_norms: must be finite',
    naming neither the data nor the setting; at 4e25 Adam also froze half of the models.
    Checked when a run starts, on the features it trains on (the CSV loader standardises
    after building its `Dataset`)."""
    if x.dtype.kind != "f" or not x.size:
        return
    # (fmin, fmax: over a NaN, which `Dataset` refuses before; min and max gave NaN)
    low, high = np.fmin.reduce(x, axis=None), np.fmax.reduce(x, axis=None)
    peak = max(-float(low), float(high))
    if not peak > _SQUARE_LIMIT:
        return
    bad = np.flatnonzero((np.abs(x) > _SQUARE_LIMIT).reshape(len(x), -1).any(axis=1))
    raise DataError(
        f"{shown_path(source)}: features reach {peak:.3g} in magnitude in "
        f"{len(bad)} samples (first at sample {bad[0]}), beyond {_SQUARE_LIMIT:.2g}, whose "
        "square overflows the float32 the models compute in (Adam's second moments and the "
        "white-box gradient norms become inf): scale them (dataset.standardize=true, or "
        "standardise them in your loader)"
    )


def finish_images(
    images: list[np.ndarray],
    labels: list[np.ndarray],
    *,
    root: Path,
    name: str,
    num_classes: int,
    max_samples: int | None,
    seed: int,
    normalize: bool,
    parts: list[Path] | None = None,
) -> Dataset:
    """`finish_dataset` for 8-bit images [N, C, H, W] read in parts from ``root``: pooled,
    scaled to [0, 1] in float32 (the memory checked first), standardised per channel when
    ``normalize``. ``parts``: the label file of each part, named with a label out of range
    (its pooled sample number names no file)."""
    _refuse_empty_parts(labels, parts)
    check_memory(feature_bytes(sum(im.size for im in images), standardize=normalize),
                 source=root, what="converting the images to float32")
    x = np.concatenate(images).astype(np.float32)
    x /= 255.0
    ends = np.cumsum([len(part) for part in labels])

    def where(sample: int) -> str | None:
        if parts is None:
            return None
        part = int(np.searchsorted(ends, sample, side="right"))
        return f"sample {sample - (int(ends[part - 1]) if part else 0)} of {parts[part]}"

    return finish_dataset(
        x,
        np.concatenate(labels),
        name=name,
        source=str(root),
        num_classes=num_classes,
        max_samples=max_samples,
        seed=seed,
        standardize=normalize,
        where=where,
    )


def _refuse_empty_parts(labels: list[np.ndarray], parts: list[Path] | None) -> None:
    """Refuse a part of an image dataset that holds no images (an IDX header of 0 images, a
    CIFAR batch of 0 rows): pooled with the others it was dropped without a word, the run
    training on the rest (MNIST's test digits alone)."""
    for part, held in zip(parts or (), labels, strict=False):
        if not len(held):
            raise DataError(
                f"{shown_path(part)}: holds no samples (0 images): the file is incomplete (a "
                "download or a conversion cut short); download or extract it again"
            )


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
    class_labels: tuple[Any, ...] | None = None,
    user_classes: bool = False,
    where: Callable[[int], str | None] | None = None,
    names: list[str] | None = None,
    line_of: Callable[[int], str] | None = None,
) -> Dataset:
    """Validate raw arrays read from ``source`` and wrap them as a `Dataset`.

    ``standardize`` scales images [N, C, H, W] per channel and other data per feature, after
    subsampling (so the statistics are those of the data the run uses). ``class_labels`` is
    the original label of each class when the loader already mapped them (text labels);
    otherwise `as_labels` records any shift or remapping it makes. ``user_classes`` and
    ``where``: see `as_labels`. A flat feature column that copies the labels is warned,
    named by ``names`` (the columns' names) or its index. ``line_of(i)`` names where sample
    ``i``'s features lie in a text file, for the refusal of NaN or inf.
    """
    check_seed(seed)
    check_memory(feature_bytes(np.size(x), standardize=standardize), source=source,
                 what="converting the features to float32")
    # the features' refusals come before the labels' warnings (of classes, a shift or a
    # remapping), which would speak of data never used; the float64 copy shifted for
    # standardising is freed once converted (no name holds it)
    rows = label_rows(y)
    features = None if not rows else as_features(
        _centred_wide(x) if standardize else x, source=source, num_samples=rows, where=line_of)
    labels, classes, remapped = as_labels(
        y, source=source, num_classes=num_classes, label_base=label_base,
        user_classes=user_classes, where=where,
    )
    assert features is not None  # (no labels, or labels of no label layout, were refused)
    warn_below_float32(x, source=source, names=names)
    held = len(labels)
    features, labels = subsample(features, labels, max_samples=max_samples, seed=seed, name=name)
    if max_samples is not None and max_samples > held:  # (checked by subsample)
        log.warning("%s: dataset.max_samples=%d is more than the %d samples it holds: all %d "
                    "are used (any larger value gives the same data)", shown_path(source),
                    max_samples, held, held)
    if len(labels) < held:  # said where the plan's sizes are refused: the file holds more
        source = f"{source}, {len(labels)} of its {held} samples (dataset.max_samples)"
        if not (labels != labels[0]).any():  # the file's classes were checked, not these
            raise DataError(
                f"{shown_path(source)}: dataset.max_samples={max_samples} drew samples of class "
                f"{labels[0]} alone: a single class; a classifier and its membership-inference "
                "attacks need samples of at least 2 classes: raise dataset.max_samples"
            )
    _warn_constant(features, source=source)
    copies = warn_label_copies(features, labels, source=source, names=names)
    _warn_channels_last(features, source=source, standardize=standardize)
    if standardize:
        features = (
            standardise_images(features) if features.ndim == 4 else _standardise_flat(features)
        )
    return Dataset(
        x=features, y=labels, num_classes=classes, name=name, source=source,
        class_labels=class_labels if class_labels is not None else remapped,
        label_copies=copies,
    )

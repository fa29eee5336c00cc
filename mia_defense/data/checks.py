"""Validation shared by the file loaders: every problem becomes a `DataError` naming the file."""

from __future__ import annotations

import dataclasses
import logging
import math
import warnings
from collections.abc import Callable, Sequence
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
    _COPY_ROWS,
    copied_rows,
    duplicate_count,
    label_copies,
    near_label_copies,
    row_groups,
    warn_label_copies,
)
from mia_defense.data.dataset import Dataset
from mia_defense.data.guards import (
    check_memory,
    feature_bytes,
)
from mia_defense.data.labels import as_labels, check_num_classes, far_apart_labels
from mia_defense.data.names import (
    _shown_columns,
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
    "ID_ROWS",
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

# Rows whose median per feature shifts wide features before the float32 conversion.
_MEDIAN_ROWS = 1000
# Rows of 64-bit integers shifted at once (`_minus_exact`): bounds its integer temporaries.
_SHIFTED_ROWS = 4096


# Most channels of an image stored channels-last [H, W, C] told to transpose (RGBA: 4).
LAST_CHANNELS = 4

# Flat features beyond this magnitude, unstandardised, are warned (digits' 0..16 are not).
UNSCALED = 1000
# What the loaders advise for such features (the npz loader, and a CSV's numeric columns).
UNSCALED_ADVICE = ("the models train poorly on unscaled features, and their outputs can saturate "
                   "(probabilities of exactly 0 and 1, which most attacks cannot rank: the leak "
                   "may then be understated); set dataset.standardize=true (or scale them "
                   "yourself)")
# Samples of an image array looked at to tell pixels (whole numbers) from scaled values.
_SAMPLED_ROWS = 1000


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


def as_features(x: np.ndarray, *, source: str, num_samples: int) -> np.ndarray:
    """float32 features [N, ...]; a `DataError` for non-numeric, complex, misshaped or
    non-finite data."""
    x = np.asarray(x)
    if x.dtype.kind not in "biufc":  # not timedelta64, which numpy counts as a number
        raise DataError(f"{shown_path(source)}: features must be numeric, got dtype {x.dtype}; "
                        "store numbers (text categories: one-hot encode them, or use a CSV: "
                        "dataset=csv encodes them)")
    if np.issubdtype(x.dtype, np.complexfloating):
        raise DataError(f"{shown_path(source)}: features must be real numbers, got dtype {x.dtype}")
    if x.ndim < 2:
        raise DataError(f"{shown_path(source)}: features must have shape [N, ...], got {x.shape}"
                        + ("; one feature per sample: save x.reshape(-1, 1)"
                           if x.ndim and len(x) == num_samples else ""))
    if x.shape[0] != num_samples:
        raise DataError(
            f"{shown_path(source)}: {x.shape[0]} feature rows but {num_samples} labels; "
            "they must match"
            + (" (the features look transposed, one column per sample: save x.T)"
               if x.ndim == 2 and x.shape[1] == num_samples else "")
        )
    if math.prod(x.shape[1:]) == 0:
        raise DataError(f"{shown_path(source)}: features have shape {x.shape}: no values per "
                        "sample")
    given = x
    with np.errstate(over="ignore"):
        x = x.astype(np.float32, copy=False)
    finite = np.isfinite(x).reshape(len(x), -1).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise DataError(
            f"{shown_path(source)}: features contain NaN or inf in {len(bad)} samples (first at "
            f"sample {bad[0]}); {_first_not_finite(given, x, bad[0])}: clean or impute them first "
            "(values beyond float32's range count as inf)"
        )
    return x


def _first_not_finite(given: np.ndarray, held: np.ndarray, sample: int) -> str:
    """Where in features ``held`` (float32 [N, ...]) sample ``sample``'s first value that is
    not finite lies, and what ``given`` (the features as read) holds there: the refusal
    named the sample alone, and an .npz of 100 columns left the column to find."""
    j = int(np.flatnonzero(~np.isfinite(held[sample].ravel()))[0])
    position = np.unravel_index(j, held.shape[1:])
    where = (f"feature {j}" if held.ndim == 2 else
             f"position {[int(i) for i in position]}")  # fmt: skip
    value = given[(sample, *position)]
    shown = (value if not np.isfinite(value) else
             f"{value:.3g}, beyond float32's range (+-3.4e38)")  # fmt: skip
    return f"its {where} (counting from 0) holds {shown}"


def subsample(
    x: np.ndarray, y: np.ndarray, *, max_samples: int | None, seed: int, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_samples`` rows drawn at random from the seed (all rows when ``None``)."""
    check_max_samples(max_samples)
    if max_samples is None or max_samples >= len(y):
        return x, y
    keep = np.sort(numpy_rng(seed, f"subsample/{name}").permutation(len(y))[:max_samples])
    return x[keep], y[keep]


def _centred_wide(x: np.ndarray) -> np.ndarray:
    """Features wider than float32 (float64, 32- and 64-bit integers) minus a median, per
    feature (per channel for images [N, C, H, W]), in float64; others as they are.

    Standardising removes any shift, but it ran after the float32 conversion, which kept 24
    bits: timestamps 1.7e9 + seconds became 4 distinct values of 400. The median of the finite
    values of sampled rows, so NaN or inf are left for `as_features` to report."""
    x = np.asarray(x)
    if x.dtype.kind not in "iuf" or x.dtype.itemsize <= 2 or x.dtype == np.float32 \
            or x.ndim < 2 or x.size == 0:
        return x
    # The median of about _MEDIAN_ROWS rows: any shift near the values keeps their digits,
    # and a median per column of all the rows took seconds more per 10**7 values.
    sample = x[:: max(1, len(x) // _MEDIAN_ROWS)].astype(np.float64)
    with np.errstate(invalid="ignore"):
        sample = np.where(np.isfinite(sample), sample, np.nan)
    if x.ndim == 4:
        sample, shape = sample.transpose(1, 0, 2, 3).reshape(x.shape[1], -1).T, (1, -1, 1, 1)
    else:
        sample, shape = sample.reshape(len(sample), -1), (1, *x.shape[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column of NaN only: not shifted
        medians = np.nan_to_num(np.nanmedian(sample, axis=0))
    if x.dtype.kind in "iu" and x.dtype.itemsize == 8 and max(-int(x.min()), int(x.max())) > 2**53:
        return _minus_exact(x, medians.reshape(shape))  # (below 2**53 float64 holds them)
    wide = x.astype(np.float64)
    wide -= medians.reshape(shape)
    return wide


def _minus_exact(x: np.ndarray, medians: np.ndarray) -> np.ndarray:
    """64-bit integers ``x`` minus ``medians`` (rounded to integers) in float64, the
    difference taken in the integers: their float64 copy keeps 53 bits, so 2**62 + k for
    k < 1000 were 2 distinct values of 719 before the shift could keep their digits. In
    chunks of rows (the integer temporaries), on uint64 with int64's sign bit flipped (an
    order that keeps every difference below 2**64)."""
    flip = np.uint64(1 << 63) if x.dtype.kind == "i" else np.uint64(0)
    low, high = (-(2.0**63), 2.0**63 - 2**10) if flip else (0.0, 2.0**64 - 2**11)
    shift = np.clip(np.round(medians), low, high).astype(x.dtype.kind + "8")
    shift = shift.view(np.uint64) ^ flip
    out = np.empty(x.shape, np.float64)
    for start in range(0, len(x), _SHIFTED_ROWS):
        rows = np.asarray(x[start : start + _SHIFTED_ROWS]).astype(x.dtype.kind + "8")
        rows = rows.view(np.uint64) ^ flip
        above = rows >= shift
        part = out[start : start + _SHIFTED_ROWS]
        part[...] = np.where(above, rows - shift, shift - rows)
        np.negative(part, out=part, where=~above)
    return out


def _standardise_flat(x: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=0, dtype=np.float64)
    std = x.std(axis=0, dtype=np.float64)
    std[std == 0] = 1.0
    return ((x - mean) / std).astype(np.float32)


def looks_channels_last(shape: tuple[int, ...]) -> bool:
    """Whether samples ``[C, H, W]`` are rather images [H, W, C] of at most `LAST_CHANNELS`
    channels: a width of 4 or fewer under a height and "channels" of 8 or more. Channels-first
    images ([3, 32, 32], [1, 28, 28]) and feature maps ([64, 8, 8], [512, 4, 4]) are not:
    their height and width are alike."""
    return len(shape) == 3 and shape[2] <= LAST_CHANNELS and min(shape[:2]) >= 2 * LAST_CHANNELS


def may_be_channels_last(shape: tuple[int, ...]) -> bool:
    """Whether samples ``[C, H, W]`` may rather be images [H, W, C] of any number of channels
    (multispectral [32, 32, 5]): a width at most half of a height and "channels" of 8 or
    more. `looks_channels_last` (4 channels or fewer) is the sure part of it; channels-first
    images and feature maps ([3, 32, 32], [64, 8, 8]) are not: their height and width are
    alike."""
    return (len(shape) == 3 and min(shape[:2]) >= 2 * LAST_CHANNELS
            and 2 * shape[2] <= min(shape[:2]))


def unscaled(x: np.ndarray, *, names: Sequence[str] | None = None) -> tuple[str, str] | None:
    """``(kind, what)`` when ``x`` looks unscaled, else ``None``: uint8 values above 1
    ("uint8"), images of another dtype holding whole numbers above 1 (float32 or uint16
    pixels: "whole"), or a flat feature column beyond `UNSCALED` ("large"; named by
    ``names``, the columns' names, where given). A network trained on 0..255 (or incomes of
    50000) as they were."""
    if x.size == 0 or x.dtype.kind not in "iuf":
        return None
    if x.ndim == 2 and x.dtype != np.uint8:
        return _large_column(x, names)
    if x.dtype == np.uint8 and int(x.max()) > 1:
        return "uint8", f"is uint8 with values up to {int(x.max())}"
    if x.dtype != np.uint8 and x.ndim >= 3 and _whole_above_one(x):
        return "whole", f"holds images of whole numbers up to {float(x.max()):g} (dtype {x.dtype})"
    return None


def _large_column(x: np.ndarray, names: Sequence[str] | None = None) -> tuple[str, str] | None:
    """The first feature column of ``x`` [N, D] reaching beyond `UNSCALED`, as `unscaled`."""
    with np.errstate(invalid="ignore"):  # per column, not np.abs(x): no copy of the file
        peaks = np.maximum(np.abs(x.max(axis=0).astype(np.float64)),
                           np.abs(x.min(axis=0).astype(np.float64)))
    column = int(np.argmax(np.nan_to_num(peaks)))
    # (NaN, inf and values beyond float32's range: refused later, in words of their own;
    # 'features up to inf in magnitude ... set dataset.standardize=true' came first, advice
    # no setting could follow)
    if not UNSCALED < peaks[column] <= np.finfo(np.float32).max:
        return None
    named = f"{names[column]!r}" if names is not None else f"{column}, counting from 0"
    return "large", f"has features up to {float(peaks[column]):g} in magnitude (column {named})"


def _whole_above_one(x: np.ndarray) -> bool:
    """Whether ``x`` goes above 1 and its first `_SAMPLED_ROWS` samples are whole numbers."""
    with np.errstate(invalid="ignore"):
        if not x.max() > 1:  # (NaN: refused later)
            return False
    sample = x[:_SAMPLED_ROWS]
    return bool((sample == np.round(sample)).all())


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


def warn_unscaled_features(x: np.ndarray, *, source: str, loader: str) -> None:
    """`warn_unscaled_dataset` for features ``x`` of ``source`` as the user gave them (uint8
    pixels before any conversion to float32, which hides their dtype)."""
    found = unscaled(x)
    if found is not None:
        log.warning("%s: features %s, used as they are: scale them in %s (pixels: divide "
                    "them by 255, to [0, 1] as the mnist and cifar loaders do; other "
                    "features: standardise them)", source, found[1], loader)


def _warn_channels_last(x: np.ndarray, *, source: str, standardize: bool) -> None:
    """Say when images [N, C, H, W] may be stored channels-last (`may_be_channels_last`):
    standardised per channel (axis 1), their rows were standardised instead of their
    channels; unstandardised, the image models took [32, 32, 5] for 32 channels of 32x5
    pixels without a word (they refuse `looks_channels_last` shapes themselves)."""
    shape = x.shape[1:]
    if x.ndim != 4 or not may_be_channels_last(shape):
        return
    if standardize:
        log.warning(
            "%s: images of shape %s standardised per channel along axis 1 ([N, C, H, W]), but "
            "they look stored channels-last [H, W, C]: transpose them to [N, C, H, W] "
            "(x.transpose(0, 3, 1, 2)) and save them again", source, list(shape),
        )
    elif not looks_channels_last(shape):
        log.warning(
            "%s: images of shape %s are read as %d channels of %dx%d pixels ([N, C, H, W]) by "
            "the image models (model=cnn, resnet), but they may be stored channels-last "
            "[H, W, C] (%d channels of %dx%d pixels): if so, transpose them to [N, C, H, W] "
            "(x.transpose(0, 3, 1, 2)) and save them again", source, list(shape), *shape,
            shape[2], shape[0], shape[1],
        )


def standardise_images(x: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per channel of images [N, C, H, W]."""
    mean = x.mean(axis=(0, 2, 3), keepdims=True, dtype=np.float64)
    std = x.std(axis=(0, 2, 3), keepdims=True, dtype=np.float64)
    std[std == 0] = 1.0
    return ((x - mean) / std).astype(np.float32)


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


# Whole numbers up to this magnitude are exact in float32 (24 bits of mantissa); beyond it,
# float32 steps by 2 or more.
FLOAT32_WHOLE = 2**24


def float32_merged(values: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The columns of ``values`` [N, D] (numbers wider than float32: float64, 32- and 64-bit
    integers) whose values beyond `FLOAT32_WHOLE` in magnitude the float32 features no
    longer tell apart: (the column, the first sample float32 changes, its distinct values,
    those left in float32) each. Timestamps 1.7e9 + 7 s steps were 17 distinct values of
    300: the unstandardised features of the csv and npz loaders, silently."""
    values = np.asarray(values)
    kind, size = values.dtype.kind, values.dtype.itemsize
    wide = (kind == "f" and size > 4) or (kind in "iu" and size >= 4)
    if values.ndim != 2 or not values.size or not wide:
        return []
    with np.errstate(invalid="ignore"):
        peaks = np.fmax(np.abs(values.max(axis=0).astype(np.float64)),
                        np.abs(values.min(axis=0).astype(np.float64)))
    if not (peaks <= np.finfo(np.float32).max).all():
        # NaN, inf or values beyond float32's range: the features are refused (as_features),
        # and the digits' warning came first, for a column of inf, advice no one could use
        return []
    merged = []
    for j in np.flatnonzero(peaks > FLOAT32_WHOLE):
        column = values[:, j]
        with np.errstate(over="ignore", invalid="ignore"):  # (beyond float32: refused later)
            held = column.astype(np.float32)
            distinct, kept = np.unique(column).size, np.unique(held).size
            if kept < distinct:
                changed = np.flatnonzero(held != column)
                merged.append((int(j), int(changed[0]) if changed.size else 0, distinct, kept))
    return merged


def warn_below_float32(x: np.ndarray, *, source: str, names: list[str] | None) -> None:
    """Say when float64 feature columns hold nothing above float32's smallest normal number
    in magnitude: the float32 features keep few of their digits, none below 1.4e-45 (a column
    of 1e-310 * normal values, which gave the labels, became zeros without a word, and the
    run ended at chance; standardising comes after the conversion)."""
    x = np.asarray(x)
    if x.dtype.kind != "f" or x.dtype.itemsize <= 4 or x.ndim < 2 or not x.size:
        return
    flat = x.reshape(len(x), -1)
    with np.errstate(invalid="ignore"):  # (fmax/fmin skip NaN; inf is refused later)
        peaks = np.fmax(np.fmax.reduce(flat, axis=0), -np.fmin.reduce(flat, axis=0))
    tiny = np.flatnonzero((peaks > 0) & (peaks < np.finfo(np.float32).tiny))
    if tiny.size:
        log.warning(
            "%s: feature %s %.3g at most in magnitude, below float32's smallest normal "
            "number (1.18e-38): the models' float32 features keep few of their digits (below "
            "1.4e-45, none: zeros), standardised or not; multiply such a column by a power of "
            "ten first", source,
            ("column " if tiny.size == 1 else "columns ") + _shown_columns(tiny, names)
            + (" holds values of" if tiny.size == 1 else " hold values of"),
            peaks[tiny].max(),
        )


def _warn_constant(x: np.ndarray, *, source: str) -> None:
    """Say when every sample has the same features (an array of zeros, the wrong
    dataset.x_key): no model learns anything from them, and the attacks, finding nothing
    to tell members by, then report no leak of a model that never saw the data."""
    flat = x.reshape(len(x), -1)
    for start in range(0, len(flat), _COPY_ROWS):  # in chunks: most data differ at once
        if (flat[start : start + _COPY_ROWS] != flat[0]).any():
            return
    log.warning(
        "%s: all %d samples have the same features (%d values each): a model can learn "
        "nothing from them, and the attacks' verdict would say nothing about the data; check "
        "that the file and its features (dataset.x_key, the columns) hold the data", source,
        len(flat), flat.shape[1],
    )


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
) -> Dataset:
    """Validate raw arrays read from ``source`` and wrap them as a `Dataset`.

    ``standardize`` scales images [N, C, H, W] per channel and other data per feature, after
    subsampling (so the statistics are those of the data the run uses). ``class_labels`` is
    the original label of each class when the loader already mapped them (text labels);
    otherwise `as_labels` records any shift or remapping it makes. ``user_classes`` and
    ``where``: see `as_labels`. A flat feature column that copies the labels is warned,
    named by ``names`` (the columns' names) or its index.
    """
    check_seed(seed)
    check_memory(feature_bytes(np.size(x), standardize=standardize), source=source,
                 what="converting the features to float32")
    labels, classes, remapped = as_labels(
        y, source=source, num_classes=num_classes, label_base=label_base,
        user_classes=user_classes, where=where,
    )
    warn_below_float32(x, source=source, names=names)
    # the float64 copy shifted for standardising is freed once converted (no name holds it)
    features = as_features(_centred_wide(x) if standardize else x, source=source,
                           num_samples=len(labels))
    held = len(labels)
    features, labels = subsample(features, labels, max_samples=max_samples, seed=seed, name=name)
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

"""Features read from a file: checked and converted to float32 (`as_features`, wide
numbers shifted first so float32 keeps their digits), standardised, and the warnings of
what a model would train on badly (unscaled values, images stored channels-last, digits
float32 merges or loses, samples all alike). Moved out of `mia_defense.data.checks`,
which re-exports what other modules import from it."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from mia_defense.constraints import shown_path
from mia_defense.data.copies import _COPY_ROWS
from mia_defense.data.names import _shown_columns
from mia_defense.errors import DataError

__all__ = [
    "FLOAT32_WHOLE",
    "LAST_CHANNELS",
    "UNSCALED",
    "UNSCALED_ADVICE",
    "as_features",
    "check_feature_rows",
    "float32_merged",
    "looks_channels_last",
    "may_be_channels_last",
    "standardise_images",
    "unscaled",
    "warn_below_float32",
    "warn_unscaled_features",
]

# (the logger of `mia_defense.data.checks`, where these warnings were written before the
# move: a caller's logging settings, and caplog(logger=...), see the same lines)
log = logging.getLogger("mia_defense.data.checks")

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



def as_features(x: np.ndarray, *, source: str, num_samples: int,
                where: Callable[[int], str | None] | None = None) -> np.ndarray:
    """float32 features [N, ...]; a `DataError` for non-numeric, complex, misshaped or
    non-finite data. ``where(i)`` says where sample ``i`` lies in the file (a line), for
    the refusal of a value that is not finite; ``None`` where the sample number says it."""
    x = np.asarray(x)
    if x.dtype.kind not in "biufc":  # not timedelta64, which numpy counts as a number
        raise DataError(f"{shown_path(source)}: features must be numeric, got dtype {x.dtype}; "
                        "store numbers (text categories: one-hot encode them, or use a CSV: "
                        "dataset=csv encodes them)")
    if np.issubdtype(x.dtype, np.complexfloating):
        raise DataError(f"{shown_path(source)}: features must be real numbers, got dtype "
                        f"{x.dtype}; save the real and imaginary parts as features of their own: "
                        "np.concatenate([x.real, x.imag], axis=1)")
    if x.ndim < 2:
        raise DataError(f"{shown_path(source)}: features must have shape [N, ...], got {x.shape}"
                        + ("; one feature per sample: save x.reshape(-1, 1)"
                           if x.ndim and len(x) == num_samples else ""))
    check_feature_rows(x, source=source, num_samples=num_samples)
    if math.prod(x.shape[1:]) == 0:
        raise DataError(f"{shown_path(source)}: features have shape {x.shape}: no values per "
                        "sample; save the features with at least one value per sample")
    given = x
    with np.errstate(over="ignore"):
        x = x.astype(np.float32, copy=False)
    finite = np.isfinite(x).reshape(len(x), -1).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise DataError(
            f"{shown_path(source)}: features contain NaN or inf in {len(bad)} samples (first at "
            f"sample {bad[0]}); {_placed(int(bad[0]), where)}"
            f"{_first_not_finite(given, x, bad[0])}: clean or impute them first (values beyond "
            "float32's range count as inf)"
        )
    return x


def check_feature_rows(x: np.ndarray, *, source: str, num_samples: int) -> None:
    """Refuse features [N, ...] whose N is not the ``num_samples`` labels' count: checked
    before the labels are read for classes, whose warnings ('only 30 of the 100 classes have
    samples') would count labels that pair with no features."""
    if x.shape[0] != num_samples:
        raise DataError(
            f"{shown_path(source)}: {x.shape[0]} feature rows but {num_samples} labels; "
            "they must match"
            + (" (the features look transposed, one column per sample: save x.T)"
               if x.ndim == 2 and x.shape[1] == num_samples else "")
        )


def _placed(sample: int, where: Callable[[int], str | None] | None) -> str:
    """``on <where sample lies>, `` (a line of a text file), or nothing where not known."""
    place = where(sample) if where is not None else None
    return f"on {place}, " if place else ""


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

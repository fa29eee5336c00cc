"""Labels read from a file as class indices: integers in ``[0, C)`` and C, shifted or
remapped with a word (`as_labels`), and the checks of ``num_classes`` against them
(`check_num_classes`, `far_apart_labels`). Moved out of `mia_defense.data.checks`, which
re-exports them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np

from mia_defense.constraints import shown, shown_path
from mia_defense.errors import ConfigError, DataError, first_few

__all__ = ["as_labels", "check_num_classes", "far_apart_labels", "label_rows"]

# (the logger of `mia_defense.data.checks`, where these lines were written before the
# move: a caller's logging settings, and caplog(logger=...), see the same lines)
log = logging.getLogger("mia_defense.data.checks")

# A dataset.num_classes up to this is allowed with fewer than half the classes sampled (a
# subset of a larger task, e.g. 40 samples of CIFAR-100 or ImageNet-1k's 1000 classes).
_SUBSET_CLASSES = 1000


def check_num_classes(num_classes: int | None, *, source: str, user_classes: bool,
                      setting: bool = False) -> None:
    """A `DataError` naming ``source`` for a ``num_classes`` below 2 (an integer or ``None``,
    `check_count`): `as_labels` checks it, and load_csv/load_npz with their settings, as
    soon as the file is found (1 was refused only after the file was read, and mia-train's
    config check, their source checks, let it make the run directory). ``setting``: it is
    the caller's ``dataset.num_classes`` itself, not yet held to any data: a `ConfigError`
    (a setting out of range), in the same words."""
    if num_classes is not None and num_classes < 2:
        error = ConfigError if setting else DataError
        raise error(f"{shown_path(source)}: num_classes={shown(num_classes)}; "
                    "need at least 2 classes"
                    + ("; set dataset.num_classes to the number of classes or null (from "
                       "the labels)" if user_classes else ""))


def far_apart_labels(num_classes: int, samples: int) -> bool:
    """Whether ``num_classes`` classes for ``samples`` samples are no subset of a larger task
    (beyond `_SUBSET_CLASSES` and twice the samples: most classes could have no sample, as
    for labels such as 0 and 1000000): the models and attacks grow with the classes."""
    return num_classes > max(2 * samples, _SUBSET_CLASSES)


def _check_user_classes(num_classes: int, y: np.ndarray, *, source: str) -> None:
    """Refuse a ``dataset.num_classes`` of which more than half the classes could have no
    sample (beyond twice both the samples and the largest label): a typo, and the models,
    their outputs and the attacks grow with it (100000 classes for 40 samples trained
    100000-way models, then an attack allocated 74.5 GiB). Fewer classes with no sample
    are allowed: a subset of a larger task.

    Labels far apart (0 and 1000000) are no such subset: beyond `_SUBSET_CLASSES` classes,
    more than twice the samples is refused too (labels 0/1000000 with num_classes=1000001
    on 400 samples ran a million-way training for over 5 minutes; 0/10**9 ended in a
    traceback allocating 238 GiB)."""
    largest = int(y.max())
    fillable = max(len(y), largest + 1)
    if num_classes > 2 * fillable:
        raise DataError(
            f"{shown_path(source)}: dataset.num_classes={shown(num_classes)} but the data holds "
            f"{len(y)} samples with labels up to {largest}: at least "
            f"{shown(num_classes - fillable)} of the classes could have no sample; set "
            "dataset.num_classes to the number of classes (null infers it from the labels)"
        )
    if far_apart_labels(num_classes, len(y)):
        raise DataError(
            f"{shown_path(source)}: dataset.num_classes={num_classes} but the data holds only "
            f"{len(y)} samples (labels up to {largest}): at least {num_classes - len(y)} of the "
            "classes have no sample, and the models and attacks grow with the classes; set "
            "dataset.num_classes=null: labels such as 0 and 1000000 are then remapped to classes "
            "0..C-1 (recorded as class_labels)"
        )


def label_rows(y: np.ndarray) -> int | None:
    """How many samples labels ``y`` hold where `as_labels` reads them as labels (1-D, one
    column [N, 1], or one-hot [N, C]), else ``None`` (refused by `as_labels` in its words):
    the feature rows are held to it before the labels' class warnings."""
    if np.ndim(y) == 1:
        return len(y)
    if np.ndim(y) == 2 and (np.shape(y)[1] == 1 or _is_one_hot(y)):
        return int(np.shape(y)[0])
    return None


def _is_one_hot(y: np.ndarray) -> bool:
    """Whether 2-D ``y`` holds a single 1 per row, 0 elsewhere."""
    return bool(np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all())


def _integer_labels(y: np.ndarray, *, source: str,
                    where: Callable[[int], str | None] | None = None) -> np.ndarray:
    """``y`` as int64; a `DataError` for complex, fractional, NaN, infinite or huge labels
    (``where``: see `as_labels`)."""
    if np.issubdtype(y.dtype, np.complexfloating):
        raise DataError(
            f"{shown_path(source)}: labels must be integer class indices, got complex numbers "
            f"(dtype {y.dtype})"
        )
    if y.dtype == bool:
        return y.astype(np.int64)
    if np.issubdtype(y.dtype, np.floating):
        bad = np.flatnonzero(~np.isfinite(y) | (y != np.round(y)))
        if len(bad):
            raise DataError(
                f"{shown_path(source)}: labels must be integer class indices, found "
                f"{y[bad[0]].item()!r} at sample {bad[0]} ({len(bad)} such labels)"
                + _located(int(bad[0]), where)
            )
        huge = np.flatnonzero(np.abs(y) >= np.float64(2.0**62))  # (not cast to float16: inf)
        if len(huge):
            _refuse_huge(y, int(huge[0]), source=source, where=where)
        return y.astype(np.int64)
    if y.dtype.kind not in "iu":  # numpy counts timedelta64 as an integer type
        raise DataError(
            f"{shown_path(source)}: labels must be integers, got dtype {y.dtype}; store class "
            "indices 0..C-1 (for text labels: np.unique(labels, return_inverse=True)[1]), or write "
            "the data as a CSV (dataset=csv), which takes text labels"
        )
    if y.dtype.kind == "u" and y.dtype.itemsize == 8 and y.max() >= 2**63:
        _refuse_huge(y, int(np.argmax(y >= 2**63)), source=source, where=where)
    return y.astype(np.int64)


def _refuse_huge(y: np.ndarray, sample: int, *, source: str,
                 where: Callable[[int], str | None] | None) -> NoReturn:
    """Refuse label ``y[sample]``, a whole number beyond int64's class indices (2**63 was
    'labels must be integer class indices, found 9.223372036854776e+18', as if fractional)."""
    raise DataError(f"{shown_path(source)}: label {y[sample].item()!r} at sample {sample} is too "
                    f"large for a class index (0..C-1){_located(sample, where)}")


def _one_hot_width(y: np.ndarray, *, source: str) -> tuple[int, bool]:
    """The classes of one-hot labels ``y`` [N, C] given no ``num_classes``: C, the file's own
    count (no setting of the user's: a width beyond the samples was refused as
    'dataset.num_classes=100 ...: set dataset.num_classes', which then refused any other
    value), and ``False`` for ``user_classes``. A C far beyond N is refused in these words."""
    samples, width = y.shape
    if far_apart_labels(width, samples):
        raise DataError(
            f"{shown_path(source)}: one-hot labels {y.shape} have {width} columns, one per "
            f"class, for {samples} samples: most classes can have no sample, and the models "
            "and attacks grow with the classes; save the labels as class indices, "
            "y.argmax(axis=1) (dataset.num_classes=null then numbers the classes present)"
        )
    return int(width), False


def _preview(values: np.ndarray) -> str:
    return first_few(values[:11].tolist(), 10)  # (the 11th: whether more were left out)


def _base_of(y: np.ndarray, *, source: str, num_classes: int | None, label_base: int | None
             ) -> int:
    """The smallest label value of the file: ``label_base``, or detected when it is ``None``.

    Detection takes labels spanning ``1..num_classes`` as 1-based and says so; labels that
    start above 0 without reaching ``num_classes`` are ambiguous: taken as 0-based, with a
    warning naming the setting that decides.
    """
    if label_base is not None:
        if label_base != 0:
            log.info("%s: labels are %d-based (dataset.label_base); shifted to start at 0",
                     source, label_base)
        return int(label_base)
    if not num_classes or y.min() < 1:
        return 0
    if y.max() > num_classes:
        return 0  # neither 0..C-1 nor 1..C: refused by the range check, not warned first
    if y.max() == num_classes:
        log.warning(
            "%s: labels run from %d to %d, taken as 1-based and shifted to 0..%d (recorded as "
            "class_labels); set dataset.label_base=1 (or 0) to say so", source, y.min(),
            num_classes, num_classes - 1,
        )
        return 1
    log.warning(
        "%s: labels run from %d to %d: no label 0, none equal to %d; taken as 0-based class "
        "indices. Set dataset.label_base=1 if they count from 1", source, y.min(), y.max(),
        num_classes,
    )
    return 0


def as_labels(
    y: np.ndarray,
    *,
    source: str,
    num_classes: int | None,
    label_base: int | None = 0,
    user_classes: bool = False,
    where: Callable[[int], str | None] | None = None,
) -> tuple[np.ndarray, int, tuple[Any, ...] | None]:
    """Integer labels in ``[0, C)``, C, and the original label of each class if they changed.

    Integer, integral-float, boolean or one-hot labels are accepted; fractional, NaN,
    infinite and complex labels are refused. Labels are never shifted or remapped silently:
    when they change, a warning says so and the third value records, for each class index,
    the label it stands for (``None`` when the labels are used as they are).

    Args:
        y: labels [N] or one-hot [N, C].
        source: what to name in errors (file path).
        num_classes: C, or ``None`` to infer it: C is then the number of distinct labels, and
            labels other than ``0..C-1`` (e.g. 3, 7, 9) are remapped to ``0..C-1`` in sorted
            order.
        label_base: the smallest label value in the file (0 or 1); ``None`` detects 1-based
            labels when they span exactly ``1..num_classes``.
        user_classes: ``num_classes`` is the user's ``dataset.num_classes`` (not a fixed
            property of the format): a count beyond both the samples and the largest label
            is refused.
        where: where sample ``i`` lies in the files (a line, a batch file), added to the
            message of a label out of range; ``None``, or ``None`` returned: not said.

    Raises:
        DataError: naming ``source``, for labels out of range, not integers, or of one class.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 2:
        if not _is_one_hot(y):
            raise DataError(
                f"{shown_path(source)}: 2-D labels {y.shape} must be one-hot (one 1 per row); "
                "store integer class indices [N] instead"
                + (" (one row of labels: save y.ravel())" if y.shape[0] == 1 else "")
            )
        if num_classes is not None and num_classes != y.shape[1]:
            # one column per class: a narrower one-hot took its columns for the classes
            raise DataError(
                f"{shown_path(source)}: one-hot labels {y.shape} have {y.shape[1]} columns, one "
                f"per class, but the dataset has {num_classes} classes; "
                + (f"set dataset.num_classes={y.shape[1]} (or null to take it from the "
                   "labels)" if user_classes else "check that dataset.path names this "
                   "dataset's file")
            )
        if num_classes is None:
            num_classes, user_classes = _one_hot_width(y, source=source)
        y, label_base = y.argmax(axis=1), 0
    if y.ndim != 1:
        raise DataError(f"{shown_path(source)}: labels must have shape [N], got {y.shape}")
    if y.size == 0:
        raise DataError(f"{shown_path(source)}: contains no samples")
    check_num_classes(num_classes, source=source, user_classes=user_classes)
    y = _integer_labels(y, source=source, where=where)
    if user_classes and num_classes is not None:
        _check_user_classes(num_classes, y, source=source)
    if not (y != y[0]).any():
        raise DataError(
            f"{shown_path(source)}: all {len(y)} labels are {y[0]}: a single class; a classifier "
            "and its membership-inference attacks need samples of at least 2 classes"
        )
    base = _base_of(y, source=source, num_classes=num_classes, label_base=label_base)
    y = y - base
    class_labels: tuple[Any, ...] | None = None
    if num_classes is None:
        y, num_classes, class_labels = _infer_classes(y, source=source, base=base)
    elif base:
        class_labels = tuple(range(base, base + num_classes))
    bad = np.flatnonzero((y < 0) | (y >= num_classes))
    if len(bad):
        raise DataError(
            f"{shown_path(source)}: labels must lie in [{base}, {base + num_classes}), "
            f"found {y[bad[0]] + base} at sample {bad[0]} ({len(bad)} labels out of range)"
            + ("; negative labels are not class indices: map them to 0..C-1 (-1/+1 labels "
               "as 0/1) or write them as text" if y.min() + base < 0 else "")
            + _located(int(bad[0]), where)
            + (f"; dataset.num_classes={num_classes} is below them: set it to "
               f"{int(y.max()) + 1} or null (from the labels)"
               if user_classes and y.min() >= 0 else "")
            + (_both_bases(y, num_classes, where) if label_base is None and not base else "")
        )
    present = np.unique(y).size
    if present < num_classes:
        log.warning("%s: only %d of the %d classes have samples", source, present, num_classes)
    return y, int(num_classes), class_labels


def _both_bases(y: np.ndarray, num_classes: int, where: Callable[[int], str | None] | None
                ) -> str:
    """What to add to the range refusal of labels that run from 0 to ``num_classes`` where
    the base is detected: they fit neither 0..C-1 nor 1..C, and the refusal named the C's
    alone (purchase100's 1..100 with one stray 0 was 'found 100 at sample 351 (18 labels out
    of range)', as if the 100s were wrong); ``''`` for other labels."""
    if y.min() != 0 or y.max() != num_classes:
        return ""
    zeros = np.flatnonzero(y == 0)
    return (f"; the labels run from 0 to {num_classes}, {num_classes + 1} values for "
            f"{num_classes} classes, neither 0..{num_classes - 1} nor 1..{num_classes}: "
            f"{len(zeros)} label(s) 0, first at sample {zeros[0]}, beside "
            f"{int((y == num_classes).sum())} label(s) {num_classes}; fix or drop the samples "
            f"of the stray value{_located(int(zeros[0]), where)}")


def _infer_classes(
    y: np.ndarray, *, source: str, base: int
) -> tuple[np.ndarray, int, tuple[Any, ...] | None]:
    """C = the number of distinct labels; labels other than ``0..C-1`` remapped to them."""
    values = np.unique(y)
    if values[-1] < 0:
        raise DataError(f"{shown_path(source)}: labels must be class indices >= 0, found only "
                        f"negative ones ({_preview(values + base)}); use 0..C-1 or text labels")
    if values[0] < 0:
        return y, int(values[-1]) + 1, None  # refused by the range check with its message
    if len(values) == len(y) > _SUBSET_CLASSES:
        # an id given as the labels: a len(y)-way model, one sample per class
        raise DataError(
            f"{shown_path(source)}: all {len(y)} labels are distinct ({_preview(values + base)}): "
            "one sample per class, an identifier, not classes; point the labels setting "
            "(dataset.label_column, dataset.y_key) at the class labels"
        )
    if values[-1] == len(values) - 1:
        return y, len(values), (tuple(range(base, base + len(values))) if base else None)
    labels = tuple(int(v) + base for v in values)
    log.warning(
        "%s: the labels are not 0..%d but %d distinct values (%s); remapped to classes 0..%d in "
        "sorted order (recorded as class_labels). Set dataset.num_classes to use them as class "
        "indices instead", source, len(values) - 1, len(values), _preview(values + base),
        len(values) - 1,
    )
    return np.searchsorted(values, y), len(values), labels


def _located(sample: int, where: Callable[[int], str | None] | None) -> str:
    """``; sample i is <where it lies>``, or nothing when that is not known."""
    place = where(sample) if where is not None else None
    return f"; sample {sample} is {place}" if place else ""

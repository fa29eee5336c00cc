"""Copies among a dataset's samples and features: samples that equal another exactly
(`row_groups`, `duplicate_count`), and feature columns that copy the labels, exactly or
nearly (`label_copies`, `near_label_copies`, warned by `warn_label_copies`). Moved out of
`mia_defense.data.checks`, which re-exports them."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense.data.names import _shown_columns

__all__ = [
    "NEAR_COPY",
    "copied_rows",
    "duplicate_count",
    "label_copies",
    "near_label_copies",
    "row_groups",
    "warn_label_copies",
]

# (the logger of `mia_defense.data.checks`, where these warnings were written before the
# move: a caller's logging settings, and caplog(logger=...), see the same lines)
log = logging.getLogger("mia_defense.data.checks")

# Rows compared at once when looking for a copy of the labels among the features.
_COPY_ROWS = 4096
# A column that takes its class's own value (one per class, another for each class) in at
# least this share of the samples of a class, on average over the classes, is warned as a
# near copy of the labels (a leaked label column with a few errors).
NEAR_COPY = 0.98
# The first samples of each class whose (lower) median per column is the class's value.
_NEAR_SAMPLES = 5


def duplicate_count(x: np.ndarray, *, overwrite: bool = False) -> int:
    """How many samples of ``x`` [N, ...] equal another sample exactly, feature for feature
    (`row_groups`; ``overwrite`` as there)."""
    return int(copied_rows(row_groups(x, overwrite=overwrite)).sum())


def row_groups(x: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
    """[N] a label per sample of ``x`` [N, ...], equal for samples that are exact copies,
    feature for feature.

    -0.0 and 0.0 are the same value in other bytes: they are made equal first, in a copy,
    or in ``x`` itself with ``overwrite`` (a caller's scratch copy: no second copy of a
    large dataset).
    """
    flat = np.ascontiguousarray(x).reshape(len(x), -1)
    if flat.dtype.kind in "fc":
        zero = flat.dtype.type(0)
        flat = np.add(flat, zero, out=flat) if overwrite else flat + zero
    rows = flat.view(np.dtype((np.void, flat.dtype.itemsize * flat.shape[1])))[:, 0]
    return np.unique(rows, return_inverse=True)[1].reshape(-1)


def copied_rows(groups: np.ndarray) -> np.ndarray:
    """[N] whether each sample shares its group (`row_groups`) with another."""
    return np.bincount(groups)[groups] > 1


def _steps(ordered: np.ndarray) -> np.ndarray:
    """Where each column of ``ordered`` [R, D] (sorted down its rows) changes value [R - 1, D],
    by comparing neighbours: their difference (np.diff) overflowed for values of opposite
    sign near float32's limit (+-3e38), which numpy warned of from its own code."""
    return ordered[1:] != ordered[:-1]


def label_copies(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The columns of ``x`` [N, D] that copy the labels ``y``: each a one-to-one function of
    them (one value per class, another for each class: the label column shifted, scaled or
    as text codes), or together one column per class marking that class alone (the labels
    one-hot encoded). None when the classes average under 2 samples (each column would do)."""
    classes, first = _class_firsts(y)
    if len(classes) < 2 or len(y) < 2 * len(classes):  # (one class: nothing to copy)
        return np.empty(0, dtype=np.intp)
    # the columns whose first sample of each class holds another value for each class, or
    # one value for one class and another for all the others
    steps = _steps(np.sort(x[first], axis=0))
    distinct = steps.all(axis=0)
    marks = (steps.sum(axis=0) == 1) & (steps[0] | steps[-1])
    columns = np.flatnonzero(distinct | marks)
    # ... and every other sample its class's value, in chunks of rows: most differ at once
    for start in range(0, len(y), _COPY_ROWS):
        if not len(columns):
            break
        rows = slice(start, start + _COPY_ROWS)
        inverse = np.searchsorted(classes, y[rows])
        same = (x[rows][:, columns] == x[first][:, columns][inverse]).all(axis=0)
        columns = columns[same]
    markers = columns[~distinct[columns]]
    if len(_marked_classes(x[first][:, markers])) < len(classes):  # not one for each class
        columns = columns[distinct[columns]]
    return columns


def near_label_copies(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The columns of ``x`` [N, D] that nearly copy the labels ``y``, and the share of each:
    one value per class, another for each class, taken in at least `NEAR_COPY` of the
    samples of each class on average over the classes (a rare class counts as much as a
    common one), but not in all of them (`label_copies`); or together one column per class
    marking it (one value for that class, another for all others) as nearly: the labels
    one-hot encoded with a few errors. A class's value is the median of
    its first `_NEAR_SAMPLES` samples; a column the samples seen so far take their class's
    value in under half the time is dropped at once, so most columns cost one chunk."""
    empty = np.empty(0, dtype=np.intp), np.empty(0)
    classes, _ = _class_firsts(y)
    if len(classes) < 2 or len(y) < 2 * len(classes):
        return empty
    values = np.stack([np.sort(x[rows], axis=0)[(len(rows) - 1) // 2]
                       for rows in _class_samples(y, classes, _NEAR_SAMPLES)])
    steps = _steps(np.sort(values, axis=0))
    distinct = steps.all(axis=0)
    marks = (steps.sum(axis=0) == 1) & (steps[0] | steps[-1])
    columns = np.flatnonzero(distinct | marks)
    agree = np.zeros((len(classes), len(columns)))
    sizes = np.zeros(len(classes))
    for start in range(0, len(y), _COPY_ROWS):
        if not len(columns):
            return empty
        rows = slice(start, start + _COPY_ROWS)
        inverse = np.searchsorted(classes, y[rows])
        same = x[rows][:, columns] == values[inverse][:, columns]
        order = np.argsort(inverse, kind="stable")  # each class's rows summed at once
        present, starts = np.unique(inverse[order], return_index=True)
        agree[present] += np.add.reduceat(same[order].astype(np.int32), starts, axis=0)
        sizes += np.bincount(inverse, minlength=len(classes))
        keep = agree.sum(axis=0) >= sizes.sum() / 2
        columns, agree = columns[keep], agree[:, keep]
    shares = (agree / np.maximum(sizes, 1)[:, None]).mean(axis=0)
    near = _near_columns(shares >= NEAR_COPY, (agree == sizes[:, None]).all(axis=0),
                         ~distinct[columns], values[:, columns])
    return columns[near], shares[near]


def _near_columns(good: np.ndarray, exact: np.ndarray, markers: np.ndarray,
                  values: np.ndarray) -> np.ndarray:
    """Which columns `near_label_copies` warns of, from each one's ``good`` share, whether
    it is ``exact``, whether it marks one class, and its class ``values`` [C, M]: the good
    inexact columns of one value per class, and the good markers when together they mark
    every class and not all exactly (a one-hot encoding with a few errors: its exact
    columns are named with the others, as `label_copies` names none of them)."""
    markers = good & markers
    if len(_marked_classes(values[:, markers])) < len(values) or exact[markers].all():
        good = good & ~markers
    return good & (~exact | markers)


def _class_samples(y: np.ndarray, classes: np.ndarray, count: int) -> list[np.ndarray]:
    """The indices of the first ``count`` samples of each of ``classes`` (fewer where a
    class has fewer), read `_COPY_ROWS` labels at a time until each class has them."""
    found = [np.empty(0, dtype=np.intp) for _ in classes]
    for start in range(0, len(y), _COPY_ROWS):
        inverse = np.searchsorted(classes, y[start : start + _COPY_ROWS])
        for c in np.unique(inverse):
            if len(found[c]) < count:
                more = np.flatnonzero(inverse == c)[: count - len(found[c])] + start
                found[c] = np.concatenate([found[c], more])
        if min(map(len, found)) >= count:
            break
    return found


def _class_firsts(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The classes of ``y`` (sorted) and the index of each one's first sample, found
    ``_COPY_ROWS`` labels at a time: ``np.unique(y, return_index=True, return_inverse=True)``
    took three arrays of N int64s, more than the CSV loader's memory check allows for on a
    file of short rows."""
    classes, first = y[:0], np.empty(0, dtype=np.intp)
    for start in range(0, len(y), _COPY_ROWS):
        values, index = np.unique(y[start : start + _COPY_ROWS], return_index=True)
        new = ~np.isin(values, classes)
        classes = np.concatenate([classes, values[new]])
        first = np.concatenate([first, index[new] + start])
    order = np.argsort(classes, kind="stable")
    return classes[order], first[order]


def _marked_classes(values: np.ndarray) -> set[int]:
    """The class each column of ``values`` [C, M] (one value per class) marks: the one whose
    value no other class has."""
    marked = set()
    for column in values.T:
        kinds, counts = np.unique(column, return_counts=True)
        marked.add(int(np.flatnonzero(column == kinds[np.argmin(counts)])[0]))
    return marked


def warn_label_copies(x: np.ndarray, y: np.ndarray, *, source: str,
                      names: list[str] | None = None) -> tuple[str, ...]:
    """Say when a feature column copies the labels (a label leak): the models learn the
    label from it, and their accuracy and the attacks then measure the copy, not the data.
    Returns the columns copying them, exactly or nearly (`Dataset.label_copies`: by name,
    else ``column j``), for results.json: the log alone did not reach mia-report."""
    if x.ndim != 2:  # images: no pixel is a column of labels
        return ()
    copies = label_copies(x, y)
    if len(copies):
        log.warning(
            "%s: feature column %s determines the label (one value per class, another for each "
            "class, or one column per class marking it: a copy of the labels?); the models "
            "learn the label from it, and their accuracy and the attacks then measure that "
            "copy: drop the column", source, _shown_columns(copies, names),
        )
    near, shares = near_label_copies(x, y)
    if len(near):
        log.warning(
            "%s: feature column %s is nearly a copy of the labels: it takes one value per "
            "class, another for each class, in %s of each class's samples on average (at least "
            "%g%%: the labels with a few errors?); the models learn the label from it, and "
            "their accuracy and the attacks then measure that copy: drop the column", source,
            _shown_columns(near, names), ", ".join(f"{100 * s:.1f}%" for s in shares),
            100 * NEAR_COPY,
        )
    found = sorted({*copies.tolist(), *near.tolist()})
    return tuple(names[j] if names is not None else f"column {j}" for j in found)

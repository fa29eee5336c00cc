"""The label column of a CSV file as class indices (`class_indices`).

Integer labels are kept, text labels become classes in sorted order; missing, fractional,
NaN and mixed labels are refused, and text labels that mark missing values or spell one
class two ways are warned about.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from mia_defense.constraints import shown_path
from mia_defense.data.csv_columns import (
    rarest,
    rows_phrase,
    shown_text,
    shown_variants,
    spelling,
    variants,
)
from mia_defense.data.csv_numbers import (
    full_width_number,
    grouped_hint,
    refuse_full_width,
    refuse_grouped_labels,
    refuse_nul,
    refuse_python_only,
)
from mia_defense.errors import DataError

__all__ = ["class_indices"]

# one logger for all of the CSV loader's modules: the name logging settings give it
log = logging.getLogger("mia_defense.data.csv_file")


def class_indices(raw: list[str], *, lines: np.ndarray, path: Path, column: str,
                num_classes: int | None) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """Class indices from a label column: integers as they are, text as classes in sorted
    order (returned as the class labels). Missing, fractional, NaN, infinite or complex
    labels, and columns mixing numbers with text, are refused."""
    for value in dict.fromkeys(raw):  # (file order: a set's differs per process)
        if "\0" in value or (("_" in value or not value.isascii()) and _is_number(value)):
            where = f"line {lines[raw.index(value)]}, column {column!r}"
            refuse_nul(value, path=path, where=where)
            refuse_python_only(value, path=path, where=where)
        if not value.isascii() and full_width_number(value):  # ('１．０': a text class)
            refuse_full_width(value, path=path,
                              where=f"line {lines[raw.index(value)]}, column {column!r}")
    empty = [i for i, v in enumerate(raw) if not v]
    if empty:
        raise DataError(
            f"{shown_path(path)}: {len(empty)} samples have no label in column {column!r} (first "
            f"on line {lines[empty[0]]}); label or drop them"
        )
    if all(_is_int(v) for v in raw):
        try:
            y = np.array([int(v) for v in raw], dtype=np.int64)
        except OverflowError:
            raise DataError(
                f"{shown_path(path)}: column {column!r} holds a label too large for a class index "
                f"({max(raw, key=lambda v: abs(int(v)))})"
            ) from None
        _warn_zero_padded(raw, lines=lines, path=path, column=column)
        return y, None
    numeric = [_is_number(v) for v in raw]
    if any(numeric):
        return _numeric_labels(raw, numeric, lines=lines, path=path, column=column), None
    classes = sorted(set(raw))
    refuse_grouped_labels(classes, raw, lines=lines, path=path, column=column)
    if len(classes) < 2:
        raise DataError(
            f"{shown_path(path)}: every label in column {column!r} is {classes[0]!r}: a single "
            "class; a classifier and its membership-inference attacks need at least 2 classes"
        )
    if num_classes is not None and len(classes) != num_classes:
        raise DataError(
            f"{shown_path(path)}: column {column!r} has {len(classes)} distinct labels "
            f"{classes[:10]} but dataset.num_classes={num_classes}"
        )
    log.info("%s: text labels %s... become classes 0..%d in sorted order", path, classes[:5],
             len(classes) - 1)
    _warn_near_labels(classes, path=path, column=column)
    # a dict, not np.searchsorted on np.array(raw): that is one fixed-width string per row,
    # as wide as the longest label (one 100 KB label among 1M rows: 400 GB)
    index = {label: i for i, label in enumerate(classes)}
    y = np.fromiter((index[v] for v in raw), dtype=np.int64, count=len(raw))
    _warn_missing_marks(classes, y, lines=lines, path=path, column=column)
    _warn_label_variants(classes, y, lines=lines, path=path, column=column)
    return y, tuple(classes)


def _warn_zero_padded(raw: list[str], *, lines: np.ndarray, path: Path, column: str) -> None:
    """Say when integer labels write one number both with and without leading zeros ('01'
    and '1'): read as numbers, they are one class, where codes typed by hand or merged from
    two exports may mean two; labels padded alike ('01', '02') say nothing."""
    spellings: dict[int, list[str]] = {}
    for value in dict.fromkeys(raw):  # (file order)
        spellings.setdefault(int(value), []).append(value)
    for number, written in spellings.items():
        padded = [v for v in written if v.lstrip("+-").startswith("0") and v.strip("+-0")]
        if padded and len(written) > 1:
            other = next(v for v in written if v != padded[0])
            log.warning(
                "%s: column %r writes the label %d as %r (line %d) and as %r (line %d): read "
                "as numbers, one class; if they are codes whose leading zeros matter, they are "
                "two classes: write them as text (e.g. 'c%s')", path, column, number, padded[0],
                lines[raw.index(padded[0])], other, lines[raw.index(other)], padded[0],
            )
            return


# What pandas' read_csv reads as a missing value by default (its text ones), and UCI's '?'.
_MISSING_MARKS = frozenset({"#N/A", "#N/A N/A", "#NA", "<NA>", "N/A", "NA", "NULL", "None",
                            "n/a", "null", "?"})


def _warn_missing_marks(classes: list[str], y: np.ndarray, *, lines: np.ndarray, path: Path,
                        column: str) -> None:
    """Say when a text label is a mark of a missing value ('NA', 'N/A', 'null', '?'): pandas
    and R read those rows as unlabelled, here they became a class of their own, which the
    models learned and the attacks measured, without a word."""
    marks = [i for i, label in enumerate(classes) if label in _MISSING_MARKS]
    if not marks:
        return
    rows = np.flatnonzero(np.isin(y, marks))
    log.warning(
        "%s: %d samples have the label %s in column %r (first on line %d), a common mark of "
        "a missing value: they are a class of their own here; if those labels are unknown, "
        "drop those rows (or label them)", path, len(rows),
        " or ".join(repr(classes[i]) for i in marks), column, lines[rows[0]],
    )


def _warn_near_labels(classes: list[str], *, path: Path, column: str) -> None:
    """Say when two text labels differ only in case or a trailing '.': they become two
    classes (Adult's test file ends its labels with '.': '>50K.' and '>50K' pooled made a
    4-class task of a 2-class one, silently)."""
    seen: dict[str, str] = {}
    for label in classes:
        key = label.casefold().rstrip(".").strip()
        if key in seen and spelling(seen[key]) == spelling(label):
            continue  # case or spacing only: `_warn_label_variants` names those
        if key in seen:
            merged = len({name.casefold().rstrip(".").strip() for name in classes})
            log.warning(
                "%s: column %r holds the labels %r and %r, which differ only in case or a "
                "trailing '.', as two classes (the models learn a %d-class task where the file "
                "may mean %d classes, and the attacks are measured on it; UCI's adult.test "
                "ends its labels with '.', adult.data does not); if they are one class, write "
                "them alike", path, column, seen[key], label, len(classes), merged,
            )
            return
        seen[key] = label


def _warn_label_variants(classes: list[str], y: np.ndarray, *, lines: np.ndarray,
                         path: Path, column: str) -> None:
    """Say when text labels differ only in letter case or spacing ('yes', 'Yes'): each
    spelling is a class of its own, so the task the models learn and the attacks measure
    is not the file's (one class split in two, the models trained to tell its halves
    apart), which a feature's extra category is not; hence its own, louder warning."""
    groups = variants(classes)
    if not groups:
        return
    rare, count, line = rarest(groups[0], classes, y.astype(np.float64), lines)
    merged = len(classes) - sum(len(group) - 1 for group in groups)
    log.warning(
        "%s: the label column %r holds labels that differ only in letter case or spacing, "
        "or in characters that look alike (%s): each spelling is a class of its own, so the "
        "models learn a %d-class task where the file may mean %d classes, and the attacks "
        "are measured on it (%s: %s, first on line %d); if they are one class, write them "
        "alike in the file and rerun, as these results are of another task", path, column,
        shown_variants(groups), len(classes), merged, shown_text(rare), rows_phrase(count),
        line,
    )


def _numeric_labels(raw: list[str], numeric: list[bool], *, lines: np.ndarray, path: Path,
                    column: str) -> np.ndarray:
    """Labels written as numbers but not all as integers: integral ones (2.0) are kept."""
    if not all(numeric):
        first_number, first_text = numeric.index(True), numeric.index(False)
        raise DataError(
            f"{shown_path(path)}: column {column!r} mixes numbers ({raw[first_number]!r} on line "
            f"{lines[first_number]}) and text ({raw[first_text]!r} on line "
            f"{lines[first_text]}); use one kind of label"
            + grouped_hint(raw, lines=lines)
        )
    exact = {value: _integral(value) for value in set(raw)}
    for i, value in enumerate(raw):
        if exact[value] is None:
            raise DataError(
                f"{shown_path(path)}: column {column!r} must hold integer class indices or text "
                f"labels, found {value!r} on line {lines[i]}"
            )
    return np.array([exact[v] for v in raw], dtype=np.int64)


def _integral(text: str) -> int | None:
    """The integer a label such as ``2.0`` or ``1e2`` writes, read exactly (as a decimal, not
    a float: 1.0000000000000001 is no integer, though float() reads it as 1.0); ``None`` for
    a fraction, NaN, infinity, complex number, or one beyond int64."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value() \
            or number.adjusted() > 18 or abs(number) >= 2**63:  # int() of 1e999999999: slow
        return None
    return int(number)


def _is_number(text: str) -> bool:
    """True for anything Python reads as a real or complex number (``1.5``, ``nan``, ``2j``)."""
    try:
        complex(text.replace(" ", ""))
    except ValueError:
        return False
    return True


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True

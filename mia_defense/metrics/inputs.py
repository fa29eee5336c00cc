"""Checks of the arrays and settings the metrics are called with: refused with a message
naming the argument and the fix, never a raw numpy error or a silently wrong figure."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

# as_integer/as_fraction live with the settings' constraints, which data/ and models/ read
# without importing the metrics package; re-exported here for the metrics' callers
from mia_defense.constraints import as_fraction, as_integer, is_fraction, shown
from mia_defense.errors import ConfigError, DataError

__all__ = ["as_fprs", "as_fraction", "as_integer", "as_scores", "as_truth"]

_NUMERIC_KINDS = "biuf"  # bool, int, unsigned, float: complex, dates and text are no scores


def as_scores(scores: Any, *, where: str, name: str = "scores") -> np.ndarray:
    """``scores`` as float64 (any shape); a `DataError` naming ``where``'s ``name`` for text,
    complex numbers, dates or objects that are not numbers (numpy kept a complex score's
    real part with a warning only, and read datetime64 scores as their integers)."""
    try:
        given = np.asarray(scores)
        if given.dtype.kind == "O":  # numbers held as objects: converted, complex refused
            with warnings.catch_warnings():  # (numpy's complex scalars: a warning only)
                warnings.simplefilter("error", np.exceptions.ComplexWarning)
                given = given.astype(np.float64)
    # (RuntimeError: a torch tensor that requires grad, whose message says to detach it)
    except (TypeError, ValueError, RuntimeError, np.exceptions.ComplexWarning) as exc:
        raise DataError(f"{where}: {name}: not numbers ({str(exc)[:120]}); give real "
                        "membership scores, higher = member") from None  # fmt: skip
    if given.dtype.kind not in _NUMERIC_KINDS:
        raise DataError(f"{where}: {name}: dtype {given.dtype} holds no real scores; give real "
                        "membership scores (float, int or bool), higher = member")  # fmt: skip
    return given.astype(np.float64, copy=False)


def as_truth(is_member: Any, *, where: str, name: str = "is_member") -> np.ndarray:
    """``is_member`` as bool; a `DataError` naming it where it holds other values than 0/1
    or False/True (a label 2, -1, 0.5 or NaN was read as a member, and the text '0' too)."""
    try:
        given = np.asarray(is_member)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise DataError(f"{where}: {name}: not an array ({str(exc)[:120]}); give the "
                        "membership truth as bool, or as 0 and 1 (1 = member)") from None
    if given.dtype == bool:
        return given
    if given.dtype.kind == "O":  # (True, 0, 1.0 held as objects)
        try:
            given = given.astype(np.float64)
        except (TypeError, ValueError):
            pass
    if given.dtype.kind in "iuf":
        bad = (given != 0) & (given != 1)
        if not bad.any():
            return given.astype(bool)
        value = given[bad].ravel()[0].item()
        raise DataError(f"{where}: {name} holds {value!r} (dtype {given.dtype}); give the "
                        "membership truth as bool, or as 0 and 1 (1 = member)")  # fmt: skip
    raise DataError(f"{where}: {name} has dtype {given.dtype}; give the membership truth as "
                    "bool, or as 0 and 1 (1 = member)")  # fmt: skip


def as_fprs(fprs: Any, *, where: str) -> tuple[float, ...]:
    """``fprs`` as floats, each in (0, 1); a `ConfigError` naming ``where``'s ``fprs`` for a
    single number (not iterable), text, NaN or an FPR outside (0, 1)."""
    if isinstance(fprs, str | bytes) or not isinstance(fprs, Iterable):
        raise ConfigError(f"{where}: fprs={fprs!r}: give a sequence of FPRs in (0, 1), e.g. "
                          "(0.1, 0.01, 0.001)")  # fmt: skip
    out = []
    for f in fprs:
        # as_fraction's numbers (a Fraction(1, 100) was refused as "must be a number in
        # (0, 1)"), and in (0, 1) still as the float used (an FPR of 0 reads nothing)
        if not is_fraction(f) or not 0.0 < float(f) < 1.0:
            rounds = f" (it rounds to {float(f)!r} as a float)" if is_fraction(f) else ""
            raise ConfigError(f"{where}: fprs holds {shown(f)}{rounds}: each FPR must be a "
                              "number in (0, 1) (0.001 for 0.1%)")  # fmt: skip
        out.append(float(f))
    return tuple(out)

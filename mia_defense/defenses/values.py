"""Type checks of the defenses' and releases' settings, for callers without the config schema.

`mia_defense.config.check_config` refuses a string, a bool, NaN or a float where a setting
takes another kind before any defense is built; Python callers (``api.observe_models(...,
release=TopKRelease(k=...))``, a notebook's ``instantiate``) reach the constructors
directly, where such values failed in a comparison's ``TypeError``, or passed and changed
what ran while results.json recorded another value (``restore_best="false"`` kept the best
weights, ``TopKRelease(k=2.5)`` released 2 classes, ``EarlyStopping(min_delta=nan)``
never counted an improvement). Each check raises a `ConfigError` naming the key.
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any

import numpy as np

from mia_defense.constraints import show
from mia_defense.errors import ConfigError

__all__ = [
    "check_finite",
    "check_fits_float",
    "check_flag",
    "check_integer",
    "check_number",
]


def _given(value: Any) -> str:
    return f"{show(value)} ({type(value).__name__})"


def check_number(key: str, value: Any, *, nullable: bool = False) -> None:
    """``value`` must be a real number (``None`` too when ``nullable``), not a bool, a
    string or a list."""
    if value is None and nullable:
        return
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        also = " or null" if nullable else ""
        raise ConfigError(f"{key}={_given(value)}: must be a number{also}")


def check_fits_float(key: str, value: Any) -> None:
    """A number (`check_number`) must not be an integer beyond a float (10**400), which
    ``float()`` and ``:g`` formatting fail on with an OverflowError."""
    if isinstance(value, numbers.Integral) and abs(int(value)) > sys.float_info.max:
        raise ConfigError(f"{key}={show(value)}: too large for a float (at most about 1.8e308)")


def check_finite(key: str, value: Any) -> None:
    """A number (`check_number`) must be finite: no NaN, inf or -inf, and fit a float."""
    check_fits_float(key, value)
    if value is not None and not math.isfinite(value):
        raise ConfigError(f"{key}={show(value)}: must be a finite number (no nan or inf)")


def check_integer(key: str, value: Any, *, nullable: bool = False) -> None:
    """``value`` must be an integer (``None`` too when ``nullable``): not a bool, nor a
    float, which ``int()`` truncated (2.5 ran as 2) or failed on (NaN, inf)."""
    if value is None and nullable:
        return
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        also = " or null" if nullable else ""
        raise ConfigError(f"{key}={_given(value)}: must be an integer{also}")


def check_flag(key: str, value: Any) -> None:
    """``value`` must be true or false: ``bool("false")`` is True, ``bool(None)`` False."""
    if not isinstance(value, bool | np.bool_):
        raise ConfigError(f"{key}={_given(value)}: must be true or false")

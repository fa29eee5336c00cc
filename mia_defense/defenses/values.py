"""Type checks of the defenses' and releases' settings, for callers without the config schema.

`mia_defense.config.check_config` refuses a string, a bool, NaN or a float where a setting
takes another kind before any defense is built; Python callers (``api.observe_models(...,
release=TopKRelease(k=...))``, a notebook's ``instantiate``) reach the constructors
directly, where such values failed in a comparison's ``TypeError``, or passed and changed
what ran while results.json recorded another value (``restore_best="false"`` kept the best
weights, ``TopKRelease(k=2.5)`` released 2 classes, ``EarlyStopping(min_delta=nan)``
never counted an improvement). Each check raises a `ConfigError` naming the key.
`name_problem` says why a defense or release cannot go by its ``name`` in results.json.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

from mia_defense.constraints import show
from mia_defense.errors import ConfigError

__all__ = [
    "check_finite",
    "check_fits_float",
    "check_fits_float32",
    "check_flag",
    "check_integer",
    "check_number",
    "name_problem",
]


def _given(value: Any) -> str:
    return f"{show(value)} ({type(value).__name__})"


def _check_kind(key: str, value: Any, kind: type, word: str, nullable: bool) -> None:
    """``value`` must be an instance of ``kind`` (``None`` too when ``nullable``), never a
    bool (a subclass of int); the error says it must be ``word``."""
    if value is None and nullable:
        return
    if isinstance(value, bool | np.bool_) or not isinstance(value, kind):
        also = " or null" if nullable else ""
        raise ConfigError(f"{key}={_given(value)}: must be {word}{also}")


def check_number(key: str, value: Any, *, nullable: bool = False) -> None:
    """``value`` must be a real number (``None`` too when ``nullable``), not a bool, a
    string or a list."""
    _check_kind(key, value, numbers.Real, "a number", nullable)


def check_fits_float(key: str, value: Any) -> None:
    """A number (`check_number`) must not be an integer beyond a float (10**400), which
    ``float()`` and ``:g`` formatting fail on with an OverflowError."""
    if isinstance(value, numbers.Integral) and abs(int(value)) > sys.float_info.max:
        raise ConfigError(f"{key}={show(value)}: too large for a float (at most about 1.8e308)")


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_fits_float32(key: str, value: float, *, fix: str) -> None:
    """A finite number (`check_finite`) that a training loss multiplies or subtracts must
    lie within float32's range, where the models compute their loss: beyond it, it is inf
    there, and the run stopped on the first batch in a message for a defense of one's own
    ('its loss is NaN or inf ... look in its loss for a log of 0'), the key unnamed."""
    if abs(value) > _FLOAT32_MAX:
        raise ConfigError(
            f"{key}={value:g}: beyond float32's largest value ({_FLOAT32_MAX:.3g}), in which the "
            f"models compute their loss (it is inf there, the loss NaN or inf); {fix}"
        )


def check_finite(key: str, value: Any) -> None:
    """A number (`check_number`) must be finite: no NaN, inf or -inf, and fit a float."""
    check_fits_float(key, value)
    if value is not None and not math.isfinite(value):
        raise ConfigError(f"{key}={show(value)}: must be a finite number (no nan or inf)")


def check_integer(key: str, value: Any, *, nullable: bool = False) -> None:
    """``value`` must be an integer (``None`` too when ``nullable``): not a bool, nor a
    float, which ``int()`` truncated (2.5 ran as 2) or failed on (NaN, inf)."""
    _check_kind(key, value, numbers.Integral, "an integer", nullable)


def check_flag(key: str, value: Any) -> None:
    """``value`` must be true or false: ``bool("false")`` is True, ``bool(None)`` False."""
    if not isinstance(value, bool | np.bool_):
        raise ConfigError(f"{key}={_given(value)}: must be true or false")


# The longest name a defense or release may go by (mia-report shows a name to this many).
MAX_NAME_CHARS = 60


def name_problem(
    obj: Any, *, kind: str, base: type, built_in: Mapping[str, type]
) -> str | None:
    """Why ``obj`` (a training defense or a release) cannot go by its ``name``, or ``None``.

    results.json and mia-report name a run's defenses and release by it, so it must be a
    non-empty string, one printable line of at most `MAX_NAME_CHARS`; a class of one's own
    that sets none carries the base class's (``none``: no defense, ``full``: no output
    defense), and one that takes a built-in's name (``dp``) passes for that defense. A
    subclass of the built-in keeps its name.

    Args:
        kind: ``defense`` or ``release``.
        base: `TrainingDefense` or `Release`.
        built_in: each built-in name and the class that owns it (the base's own name
            too: ``none`` for `TrainingDefense`, ``full`` for `FullRelease`).
    """
    cls = type(obj)
    name = getattr(obj, "name", None)
    where = f"{kind} {cls.__module__}.{cls.__qualname__}"
    own = f"set a class attribute name = {_snake(cls.__name__)!r} (any name of its own)"
    if not isinstance(name, str) or not name.strip():
        return (f"{where}: its name {name!r} must be a non-empty string (results.json and "
                f"mia-report name the run's {kind} by it); {own}")  # fmt: skip
    if not name.isprintable() or len(name) > MAX_NAME_CHARS:
        # (a line break went into results.json and the log as given, forging a log line;
        # mia-report shows a name to MAX_NAME_CHARS)
        shown = show(name[:MAX_NAME_CHARS]) + ("..." if len(name) > MAX_NAME_CHARS else "")
        return (f"{where}: its name {shown} must be one printable line of at most "
                f"{MAX_NAME_CHARS} characters (no line break, tab or control character: "
                f"results.json, the logs and mia-report show it); {own}")  # fmt: skip
    if kind == "defense" and "+" in name:
        return (f"{where}: its name {name!r} holds '+', which joins the names of stacked "
                f"defenses in results.json; {own}")  # fmt: skip
    owner = built_in.get(name)
    if owner is None or cls is base or (isinstance(obj, owner) and owner is not base):
        return None
    if name == getattr(base, "name", None):  # a class of its own that set no name
        return (f"{where}: it has no name of its own, so results.json and mia-report would "
                f"call the run's {kind} {name!r}, as if it had none; {own}")  # fmt: skip
    return (f"{where}: its name {name!r} is mia-defense's {owner.__name__}'s, so results.json "
            f"and mia-report would take the run for one with that {kind}; {own}")  # fmt: skip


def _snake(name: str) -> str:
    """``ConfidencePenalty`` -> ``confidence_penalty``."""
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower()
                   for i, c in enumerate(name)).lstrip("_")  # fmt: skip

"""The errors a user can cause, each naming the key or file at fault and the fix, and
`counted` and `first_few`, the count and list wording their messages (and the tools' other
lines) share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "ConfigError",
    "DataError",
    "DivergedError",
    "MiaDefenseError",
    "UnsupportedModelError",
    "a_type",
    "closest",
    "closest_few",
    "counted",
    "first_few",
    "first_line",
    "out_of_memory",
]


class MiaDefenseError(Exception):
    """Base class of every error mia-defense raises on purpose."""


class ConfigError(MiaDefenseError, ValueError):
    """A configuration value is unknown, of the wrong type or out of range."""

    # The config keys (or nodes: 'defense.dp') of each problem the error lists, where the
    # raiser knows them all (`mia_defense.config.check_config`), so a caller can act on them
    # without parsing the message; None: not known.
    keys: tuple[str, ...] | None = None


class DataError(MiaDefenseError, ValueError):
    """A data, checkpoint or results file is missing, corrupt or inconsistent."""

    # Why, in a few words a caller can act on without parsing the message (a file that
    # could not be written: the system's reason, 'No space left on device'); None: not given.
    reason: str | None = None
    # The system's error number of that write (errno.ENOSPC), for `files.write_advice`, or
    # of a read (`tracking.artifacts.read_json`: errno.EACCES).
    errno: int | None = None


class UnsupportedModelError(MiaDefenseError, TypeError):
    """A model cannot be trained the way the config asks (e.g. BatchNorm under DP-SGD)."""


class DivergedError(MiaDefenseError, ArithmeticError):
    """Training or the release produced non-finite numbers: the run has no privacy verdict."""

    # The one setting the raiser knows made the numbers non-finite, as a config key
    # ('defense.advreg.attack_lr'), which the run's divergence hint then names before its
    # list of settings; None: not known.
    setting: str | None = None
    # The `ModelHistory` of each model trained so far, the diverged one's up to where it
    # diverged: the curves the run's TensorBoard shows; empty: none known.
    histories: Sequence[Any] = ()


def a_type(value: Any) -> str:
    """``value``'s type as a refusal names it after "is": 'an int', 'a str', 'None'."""
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeio' else 'a'} {name}"


def counted(n: int, noun: str) -> str:
    """``n`` and its regular ``noun``, for a message: ``1 run``, ``2 runs``, ``0 runs``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def closest(name: str, known: Sequence[str], *, cutoff: float = 0.6) -> str | None:
    """The one of ``known`` that ``name`` most likely misspells (difflib's closest at
    ``cutoff`` or above), for a message's 'did you mean ...?'; ``None`` where none is close."""
    close = closest_few(name, known, most=1, cutoff=cutoff)
    return close[0] if close else None


def closest_few(name: str, known: Sequence[str], *, most: int = 3, prefixes: bool = False,
                cutoff: float = 0.6) -> list[str]:
    """Up to ``most`` of ``known`` that ``name`` most likely misspells, the closest first
    (difflib's at ``cutoff`` or above), for a message's 'did you mean A or B?'; empty where
    none is close. With ``prefixes``, those that begin with ``name`` (in ``known``'s order)
    where any do: a name cut short is close to none of them by difflib's measure. The one
    rule of every suggestion (`closest`); difflib is imported here, when a message needs it,
    not at start-up."""
    if prefixes:
        begun = [key for key in known if key.startswith(name)][:most]
        if begun:
            return begun
    import difflib

    return difflib.get_close_matches(name, known, n=most, cutoff=cutoff)


def first_few(items: Sequence[Any], most: int, *, sep: str = ", ",
              each: Callable[[Any], str] = str, more: bool = False) -> str:
    """The first ``most`` of ``items`` (each as ``each`` writes it) joined by ``sep``, for a
    message; where more were left out, ``sep`` and '...' after them (``a, b, ...``), or with
    ``more``, how many (``a, b and 3 more``)."""
    shown = sep.join(map(each, items[:most]))
    left = len(items) - most
    if left <= 0:
        return shown
    return f"{shown} and {left} more" if more else f"{shown}{sep}..."


def first_line(exc: BaseException, default: str = "") -> str:
    """The first line of ``exc``'s message, stripped (a message of several lines, quoted in
    one line of ours), or ``default`` where it has none. A message that cannot be read (a
    user's exception whose ``__str__`` raises) is said so, where it crashed the tool."""
    try:
        text = str(exc).strip()
    except Exception as err:
        return f"(its message cannot be read: {type(err).__name__})"
    return text.splitlines()[0].strip() if text else default


_NO_MEMORY = ("out of memory", "can't allocate memory", "cannot allocate memory",
              "not enough memory")


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is a lack of memory: a MemoryError, torch's OutOfMemoryError (a
    RuntimeError) or a RuntimeError of torch's CPU allocator ('DefaultCPUAllocator: can't
    allocate memory', 'not enough memory'). No fault of the model's: a caller that reads a
    RuntimeError as 'torch.func cannot run it' asks this first (torch is not imported)."""
    if isinstance(exc, MemoryError) or any(
        kind.__name__ == "OutOfMemoryError" for kind in type(exc).__mro__
    ):
        return True
    return isinstance(exc, RuntimeError) and any(
        words in first_line(exc).lower() for words in _NO_MEMORY
    )

"""What every check of a results.json reads a value with: one-line text of what a file
holds, its type's name, whether it is a usable figure, a count, or its headline copy."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "PrintableLog", "count_too_large", "no_strongest", "one_line", "printable", "recorded_tprs",
    "same_figure", "strongest_at_zero", "strongest_attack",
]


_CONTROL = re.compile(r"\s+")


# Counts (models, scores) above this are no real run's, and lose their value as floats.
_MAX_COUNT = 2**53


_MISSING = object()


def count_too_large(key: str, value: Any) -> str | None:
    """Why the count ``value`` of ``key`` is too large for one (`_MAX_COUNT` or more: it
    enters float arithmetic, a Wilson interval on 10**16 test records hid the near-chance
    caveat), or ``None``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= _MAX_COUNT:
        return f"{key} is an integer of {len(str(value))} digits, too large for a count"
    return None


def printable(text: Any) -> str:
    """``text`` with control characters (a terminal's escape codes, line breaks) as spaces:
    names and reasons read from files are shown in logs, terminals and tables. A byte of a
    name that is not UTF-8 (os.fsdecode's lone surrogate) is shown ``\\xNN``: a space
    named another folder (mia-report $'/tmp/\\xff\\xfe/r' said '/tmp/ /r: not a directory')."""
    return "".join(c if c.isprintable() else f"\\x{ord(c) - 0xDC00:02x}" if
                   "\udc80" <= c <= "\udcff" else " " for c in str(text))  # fmt: skip


def one_line(text: Any, *, limit: int = 200) -> str:
    """``text`` on one line (whitespace and control characters collapsed), at most ``limit``
    characters: reasons and values copied from a file end up in one-line messages."""
    flat = _CONTROL.sub(" ", printable(text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class PrintableLog(logging.Filter):
    """A log filter making each message one printable line: warnings quote run folders
    and reasons read from files, and a folder named ``x\\nWARNING ...`` or holding a
    terminal's escape codes would forge a log line or clear the screen."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        shown = printable(message)
        if shown != message:
            record.msg, record.args = shown, ()
        return True


def _show(value: Any) -> str:
    return one_line(repr(value), limit=60)


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number"}  # fmt: skip
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _bounded(key: str) -> bool:
    """Whether a metric is a fraction: accuracies, AUC, TPRs and their confidence bounds,
    the FPRs the TPRs were read at (``fpr_read@...``)."""
    return key.endswith("accuracy") or key.startswith(("auc", "tpr@", "fpr_read@"))


def _number_problem(
    where: str, value: Any, *, fraction: bool = False, nullable: bool = True
) -> str | None:
    """Why ``value`` is not a usable figure: a finite number (in [0, 1] for a ``fraction``),
    or null where ``nullable``."""
    if value is None:
        return None if nullable else f"{where} is null (NaN when written)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{where} is {_type_name(value)} {_show(value)}, not a number"
    try:
        number = float(value)
    except OverflowError:
        return f"{where} is an integer of {len(str(abs(value)))} digits, too large for a float"
    if not math.isfinite(number):
        return f"{where} is {number}, not a finite number (strict JSON has no NaN or Infinity)"
    if fraction and not 0.0 <= number <= 1.0:
        return f"{where} is {number:g}, outside [0, 1]"
    return None


def _numbers(*values: Any) -> bool:
    """Whether every one of ``values`` is a finite number (not a boolean, not null)."""
    return all(_number_problem("", v, nullable=False) is None for v in values)


def same_figure(value: Any, copy: Any) -> bool:
    """Whether a figure equals a copy of it (its ``headline`` copy, a repeat's): the same
    value, or the same finite number up to float rounding."""
    return value == copy or (
        _numbers(value, copy) and math.isclose(value, copy, rel_tol=1e-9, abs_tol=1e-12))


def _counts(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values)


def strongest_attack(payload: Mapping[str, Any]) -> tuple[Any, Mapping[str, Any] | None]:
    """results.json's ``strongest_attack`` and its figures (``attacks.<name>``), the figures
    ``None`` where the name is no string or names no attack's object."""
    name, attacks = payload.get("strongest_attack"), payload.get("attacks")
    attack = attacks.get(name) if isinstance(attacks, Mapping) and isinstance(name, str) else None
    return name, attack if isinstance(attack, Mapping) else None


def no_strongest(name: str, *, kind: str = "black-box", where: str = "there", ci: str = "",
                 short: bool = False) -> str:
    """How a run's strongest attack ``name`` is named where its TPR at the lowest FPR is 0,
    so every ``kind`` attack's is: `mia_defense.attacks.runner.strongest` still picks one
    (the headline's figures, results.json's ``strongest_attack``), but crowning it read as
    a verdict, the pick among the tied as arbitrary. The run table's words and mia-report's
    (its tables; ``short``: a ROC curve's legend), in this one place; ``where``: the FPR."""
    if short:
        return f"none at TPR 0: {name}'s figures"
    return (f"none, every {kind} attack's TPR {where} is 0.0000{ci}; its figures are {name}'s, "
            "the first of the tied by the TPR at the next FPR, then the AUC")


_TPR_KEY = re.compile(r"tpr@([0-9]+(?:\.[0-9]+)?)%fpr")  # (not "1.2.3": no number)


def recorded_tprs(attack: Mapping[str, Any]) -> dict[float, Any]:
    """``{fpr: value}`` of an attack's figures ``tpr@<f>%fpr`` in results.json, as written."""
    return {float(m.group(1)) / 100: attack[key] for key in attack
            if isinstance(key, str) and (m := _TPR_KEY.fullmatch(key))}  # fmt: skip


def strongest_at_zero(payload: Mapping[str, Any]) -> float | None:
    """The lowest FPR results.json's ``strongest_attack`` records a TPR at, where that TPR
    is 0 (so every black-box attack's there is: `no_strongest`), else ``None``."""
    _, attack = strongest_attack(payload)
    if attack is None:
        return None
    recorded = recorded_tprs(attack)
    if not recorded:
        return None
    lowest = min(recorded)
    tpr = recorded[lowest]
    return lowest if _numbers(tpr) and tpr == 0 else None

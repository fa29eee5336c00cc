"""Named figures of a run's results.json: what sweepers optimise and reports plot."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from mia_defense.attacks.base import BLACK_BOX, DEFAULT_ACCESS
from mia_defense.errors import ConfigError

__all__ = ["DEFAULT_OBJECTIVE", "check_objective_names", "objective", "objectives"]

# The run's headline privacy figure: the strongest black-box attack's TPR at 0.1% FPR (lower
# is better).
DEFAULT_OBJECTIVE = "max_attack.tpr@0.1%fpr"
_SECTIONS = ("utility", "privacy", "max_attack")


def check_objective_names(names: Sequence[str]) -> None:
    """Fail before any training when an objective name is malformed (see `objective`)."""
    for name in names:
        section, _, key = str(name).partition(".")
        if section not in _SECTIONS or not key:
            raise ConfigError(
                f"objectives: unknown objective {name!r}; use SECTION.KEY with SECTION one of "
                f"{', '.join(_SECTIONS)} (e.g. utility.test_accuracy, max_attack.tpr@1%fpr)"
            )


def _number(value: Any) -> float:
    """A results.json number as float; null (a NaN or infinity when written) becomes NaN."""
    return float("nan") if value is None else float(value)


def objective(payload: Mapping[str, Any], name: str) -> float:
    """The figure ``name`` of a run, read from its results.json ``payload``.

    Names are ``SECTION.KEY``:
    ``utility.KEY`` (e.g. ``utility.test_accuracy``, ``utility.generalization_gap``),
    ``privacy.KEY`` (accountant figures, e.g. ``privacy.epsilon``; NaN when absent),
    ``max_attack.METRIC``: the largest value over the run's black-box attacks of ``METRIC``
    (``auc``, ``advantage``, ``tpr@1%fpr``, ``tpr@0.1%fpr``...), i.e. the strongest attack
    the release allows. Attacks whose results.json ``access`` is ``weights`` (white box)
    never count: no release lets the weights out; an attack without ``access`` (older
    results, a user's attack) reads the released outputs.

    Raises:
        ConfigError: an unknown section or key (a typo in ``objectives``).
    """
    check_objective_names([name])
    section, _, key = name.partition(".")
    if section == "privacy":
        return _number(payload.get("privacy", {}).get(key))
    if section == "utility":
        utility = payload.get("utility", {})
        if key not in utility:
            raise ConfigError(
                f"objectives: {name!r} is not in results.json; choose from "
                f"{', '.join('utility.' + k for k in utility)}"
            )
        return _number(utility[key])
    attacks = [
        m for m in payload.get("attacks", {}).values()
        if m.get("access", DEFAULT_ACCESS) in BLACK_BOX
    ]
    values = [_number(m[key]) for m in attacks if key in m]
    if not values:
        known = sorted({k for m in attacks for k in m if k not in ("seconds", "access")})
        raise ConfigError(
            f"objectives: no attack reports {key!r}; choose max_attack.METRIC with METRIC one "
            f"of {', '.join(known)}"
        )
    finite = [v for v in values if not math.isnan(v)]
    return max(finite) if finite else float("nan")


def objectives(payload: Mapping[str, Any], names: Sequence[str]) -> list[float]:
    """Each of ``names`` (see `objective`), in order: what mia-train returns to a sweeper.

    A ``max_attack`` figure of a run without a privacy verdict (``utility_below_chance``:
    a model that learned nothing leaks nothing) or without any value (NaN, which a
    sweeper cannot take) is returned as the worst there is, 1 for a fraction (AUC, TPR,
    advantage) and infinity else, so a search minimising leakage never converges on a
    useless model. results.json keeps the measured figures.
    """
    no_verdict = payload.get("utility_below_chance") is True
    values = []
    for name in names:
        value = objective(payload, name)
        if name.startswith("max_attack.") and (no_verdict or math.isnan(value)):
            value = 1.0 if _is_fraction(name.partition(".")[2]) else math.inf
        values.append(value)
    return values


def _is_fraction(metric: str) -> bool:
    return metric.startswith(("auc", "tpr@", "advantage"))

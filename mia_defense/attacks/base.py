"""What every attack shares: the access it declares and the scores it returns.

An attack is a function ``(observations, targets) -> scores [T, N]``. It declares what it
reads of a model (`requires_access`): ``label`` (the predicted label only), ``outputs``
(the released outputs) or ``weights`` (the parameters: white box). Black-box attacks
(``label``, ``outputs``) only see `Observations`, i.e. what the release lets out, so they
are within the threat model of every release; a ``weights`` attack ignores the release, so
it never decides a run's black-box verdict (headline, strongest attack, Pareto front).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "ACCESS",
    "BLACK_BOX",
    "DEFAULT_ACCESS",
    "WHITE_BOX",
    "Scores",
    "access_of",
    "chooses",
    "first_bad",
    "requires_access",
    "stack_scores",
]

# What an attack reads of a model, from least to most.
ACCESS = ("label", "outputs", "weights")
# The access levels every release allows: a black-box attack only sees released outputs.
BLACK_BOX = ("label", "outputs")
WHITE_BOX = ("weights",)
# A user's `_target_` attack that declares nothing reads the released outputs.
DEFAULT_ACCESS = "outputs"

_F = TypeVar("_F", bound=Callable[..., Any])


def requires_access(access: str) -> Callable[[_F], _F]:
    """Declare what an attack reads (``label``, ``outputs`` or ``weights``).

    Sets ``fn.access`` and returns ``fn`` itself, so registries keyed on the function and
    Hydra ``_partial_`` nodes keep working; a user's attack may set the attribute directly.
    """
    if access not in ACCESS:
        raise ValueError(f"unexpected access {access!r}, choose from {ACCESS}")

    def mark(fn: _F) -> _F:
        fn.access = access  # type: ignore[attr-defined]
        return fn

    return mark


def chooses(*settings: str, unless: str | None = None) -> Callable[[_F], _F]:
    """Declare the settings an attack may choose per target on its reference models (the
    keys of its `Scores.chosen`: RMIA's ``a``), which results.json's entry of it holds, each
    with ``_min`` and ``_max``, and a search's objectives may name (``max_attack.a``): sets
    ``fn.chooses``; ``unless``: the name of its keyword that, set true, makes it choose none
    (RMIA's ``online``), as ``fn.chooses_unless``. A sweep refuses before training a
    ``max_attack`` objective that is no figure and no setting its attacks choose
    (`mia_defense.cli.objective_checks.attack_settings`)."""

    def mark(fn: _F) -> _F:
        fn.chooses = settings  # type: ignore[attr-defined]
        fn.chooses_unless = unless  # type: ignore[attr-defined]
        return fn

    return mark


def access_of(attack: Callable[..., Any]) -> str:
    """The access an attack declared: its own ``access`` attribute, else that of the
    function it wraps (``functools.partial``, ``functools.wraps``), else ``outputs``."""
    seen: set[int] = set()
    node: Any = attack
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        access = getattr(node, "access", None)
        if access is not None:
            if access not in ACCESS:
                raise ValueError(f"attack declares access {access!r}, choose from {ACCESS}")
            return str(access)
        node = node.func if isinstance(node, functools.partial) else getattr(
            node, "__wrapped__", None
        )
    return DEFAULT_ACCESS


def first_bad(values: np.ndarray, bad: np.ndarray) -> tuple[Any, list[int]]:
    """The first of ``values`` where ``bad`` (the same shape) is True, and its index as a
    list ([k, n, c]), for a refusal naming the entry; ``bad`` holds at least one True."""
    at = [int(i) for i in np.unravel_index(int(np.argmax(bad)), bad.shape)]
    return values[tuple(at)], at


@dataclass(frozen=True)
class Scores:
    """Scores [T, N] and the settings an attack chose on its reference models.

    Behaves as the [T, N] array for numpy (``np.asarray(scores)``, ``scores[0]``,
    ``scores.shape``), so callers that only want the scores need not know it.

    Attributes:
        values: [T, N] float scores, higher = member.
        chosen: setting name -> [T] the value chosen for each target (e.g. RMIA's ``a``).
    """

    values: np.ndarray
    chosen: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return np.asarray(self.values, dtype=dtype)

    def __getitem__(self, index: Any) -> np.ndarray:
        return self.values[index]

    def __len__(self) -> int:
        return len(self.values)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)


def stack_scores(rows: Sequence[Any]) -> Scores:
    """One `Scores` [T, N] from per-target results ([1, N] arrays or `Scores` each)."""
    values = np.concatenate([np.asarray(row, dtype=np.float64) for row in rows])
    names = {name for row in rows for name in getattr(row, "chosen", {})}
    chosen = {
        name: np.concatenate([np.asarray(row.chosen[name], dtype=np.float64) for row in rows])
        for name in sorted(names)
        if all(name in getattr(row, "chosen", {}) for row in rows)
    }
    return Scores(values, chosen)

"""Whether a run's training has begun: an error from its first batch on is a failure of
the run (recorded ``failed``), one before it a refusal of its config (nothing recorded)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["TrainingStart", "training_begins", "training_refused", "watching_training_start"]


@dataclass
class TrainingStart:
    """Set once any model of the watched run took (or tried) its first training batch."""

    begun: bool = False


_WATCHED: ContextVar[TrainingStart | None] = ContextVar("training_start", default=None)


@contextmanager
def watching_training_start(start: TrainingStart) -> Iterator[None]:
    """Let `training_begins` set ``start`` within the block (a run's pipeline)."""
    token = _WATCHED.set(start)
    try:
        yield
    finally:
        _WATCHED.reset(token)


def training_begins() -> None:
    """Say that training takes its first batch now (outside a watched run: nothing)."""
    start = _WATCHED.get()
    if start is not None:
        start.begun = True


def training_refused() -> None:
    """Say that the first batch was refused, not trained on (a model neither engine can step,
    `mia_defense.models.build.sparse_step_refusal`): a refusal of the config, as one before it."""
    start = _WATCHED.get()
    if start is not None:
        start.begun = False

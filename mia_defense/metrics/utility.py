"""Readings of a run's utility figures that the run itself (`mia_defense.pipeline.evaluate`)
and mia-report (`mia_defense.report.checks`) both make, kept in one place so that the
warning and the report's caveat cannot disagree on which runs they concern."""

from __future__ import annotations

from typing import Any

__all__ = ["some_models_at_chance"]


def some_models_at_chance(count: Any, num_models: Any) -> bool:
    """Whether some, but not all, of the run's models' test accuracy is not above chance:
    ``count`` (``utility.test_accuracy_models_at_chance``) and ``num_models`` are both
    integers (not booleans: a hand-edited results.json may hold anything) and
    ``0 < count < num_models``. All of them at chance is the run's own verdict (below
    chance), not a caveat; an absent count (runs of earlier versions) is none."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (count, num_models)):
        return False
    return 0 < count < num_models

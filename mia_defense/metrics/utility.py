"""Readings of a run's utility figures that the run itself (`mia_defense.pipeline.evaluate`)
and mia-report (`mia_defense.report.checks`) both make, kept in one place so that the
warning and the report's caveat cannot disagree on which runs they concern."""

from __future__ import annotations

from typing import Any

__all__ = ["release_took_accuracy", "some_models_at_chance"]


def some_models_at_chance(count: Any, num_models: Any) -> bool:
    """Whether some, but not all, of the run's models' test accuracy is not above chance:
    ``count`` (``utility.test_accuracy_models_at_chance``) and ``num_models`` are both
    integers (not booleans: a hand-edited results.json may hold anything) and
    ``0 < count < num_models``. All of them at chance is the run's own verdict (below
    chance), not a caveat; an absent count (runs of earlier versions) is none."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (count, num_models)):
        return False
    return 0 < count < num_models


def release_took_accuracy(utility: Any) -> str | None:
    """Where the release lowered the models' test accuracy (``utility.test_accuracy_before_release``
    above the released ``test_accuracy``: release=noise on breast_cancer at scale 1.5, 0.953
    before and 0.646 released, 4 of 16 models at chance though every model had learned),
    words that say so for the models-at-chance notes, which otherwise blame the training;
    ``None`` where the release changed no answer (a full, top-k or rounded release) or a
    figure is missing or not a number."""
    if not hasattr(utility, "get"):
        return None
    before, released = utility.get("test_accuracy_before_release"), utility.get("test_accuracy")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (before, released)):
        return None
    if not before > released + 1e-6:  # (NaN: no test set; float rounding: the same answers)
        return None
    return (f"the release took their accuracy, or their training failed: the models' own test "
            f"accuracy before the release averages {before:.3f}, {released:.3f} released")

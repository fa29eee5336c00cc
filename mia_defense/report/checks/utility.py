"""Checks of a run's ``utility`` figures against the lattice they are computed on: whole
hits of ``num_models`` models on ``test_size`` records, a chance accuracy that is a class's
share of them and at least 1/``num_classes``."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from mia_defense.report.checks._values import (
    _bounded,
    _counts,
    _number_problem,
    _numbers,
    _show,
    _type_name,
)
from mia_defense.report.checks.provenance import _test_size

__all__ = ["test_records_problem"]


# Utility figures the report reads; accuracies are fractions.
_UTILITY = ("test_accuracy", "train_accuracy", "generalization_gap")
# Fractions a run's validity is judged by (`rank_problem`), null where unknown.
_JUDGED_BY = ("chance_accuracy", "test_accuracy_median")
# The largest std (ddof 0, as mia-train's np.std) of accuracies in [0, 1]: half at 0, half
# at 1. One above it (1e100) was ranked with a test-accuracy interval of [0.000, 1.000], and
# one of 1e300 overflowed the spread check (_spread_problem) into a traceback.
_MAX_STD = 0.5


def _without_test_set(payload: Mapping[str, Any]) -> bool:
    """Whether the run is mia-attack's on observations that may lack test outputs: then its
    ``utility.test_accuracy`` is null, a fact, not a NaN (mia-train always has a test set).
    That is a file's (``source.kind`` observations) or, attacked again from that run's
    folder (``run_directory``), one that records ``test_size`` 0: the same observations
    were "not ranked" from the file and "skipped" as a broken figure from its run folder."""
    source = payload.get("source")
    kind = source.get("kind") if isinstance(source, Mapping) else None
    return kind == "observations" or (kind == "run_directory" and payload.get("test_size") == 0)


def test_records_problem(payload: Mapping[str, Any], held: int | None) -> str | None:
    """How ``test_size`` differs from the ``held`` test records whose dataset indices the
    run's observations.npz keeps (``test_idx``, as mia-train writes it; ``None``: not
    kept), or ``None``: a count raised by hand where no plan setting or utility figure
    bounds it (digits' 797 to 797000), or deleted, hid the small-test and near-chance
    caveats (every run that keeps ``test_idx`` records it). A mia-attack run of a file
    without test outputs records 0 beside the file's indices."""
    size = payload.get("test_size")
    if held is None or size == held or _without_test_set(payload):
        return None
    if size is None:
        return (f"test_size is missing, but the run's observations.npz holds the indices of "
                f"{held} test records (test_idx): the file was edited; rerun the run")
    if not _counts(size):
        return None
    return (f"test_size is {_show(size)}, but the run's observations.npz holds the indices of "
            f"{held} test records (test_idx): the file was edited; rerun the run")


def _utility_problem(payload: Mapping[str, Any]) -> str | None:
    utility = payload["utility"]
    if "test_accuracy" not in utility:
        return "no utility.test_accuracy"
    for key in _UTILITY:
        if key in utility:
            nullable = key != _UTILITY[0] or _without_test_set(payload)
            problem = _number_problem(
                f"utility.{key}", utility[key], fraction=_bounded(key), nullable=nullable
            )
            if problem:
                return problem
    test, train, gap = (utility.get(k) for k in _UTILITY)
    if _numbers(test, train, gap) and abs(gap - (train - test)) > 1e-6:
        # (every run writes it so: a test accuracy raised by hand moved the run up the front)
        return (f"utility.generalization_gap is {gap:g}, but train_accuracy - test_accuracy is "
                f"{train:g} - {test:g}: a figure was changed after the run; rerun it")
    std = utility.get("test_accuracy_std")
    problem = _number_problem("utility.test_accuracy_std", std)
    if problem or (std is not None and std < 0):
        return problem or f"utility.test_accuracy_std is {std:g}, negative"
    if std is not None and std > _MAX_STD:
        return (f"utility.test_accuracy_std is {std!r}, above {_MAX_STD:g}, the most "
                "accuracies in [0, 1] spread (their std over the models): a figure was "
                "changed after the run; rerun it")
    problem = _spread_problem(payload)
    if problem:
        return problem
    flag = payload.get("utility_below_chance", False)
    if not isinstance(flag, bool):
        return f"utility_below_chance is {_type_name(flag)} {_show(flag)}, not true or false"
    for key in _JUDGED_BY:  # (the median model's: a string "0.05" was ranked, 0.05 not)
        problem = _number_problem(f"utility.{key}", utility.get(key), fraction=True)
        if problem:
            return problem
    return _chance_floor_problem(payload) or _chance_share_problem(payload)


def _chance_floor_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``utility.chance_accuracy`` is below 1/``num_classes``, the least the majority
    class of any test set scores, or ``None``: a chance lowered by hand put a model that
    learned nothing above it, ranked with a verdict."""
    chance, uniform = payload["utility"].get("chance_accuracy"), _uniform_chance(payload)
    if not _numbers(chance) or uniform is None or chance >= uniform - 1e-9:
        return None
    return (f"utility.chance_accuracy is {chance:g}, below 1/num_classes = {uniform:.4g}, "
            "the least the majority class of any test set scores: a figure was changed "
            "after the run; rerun it")


def _chance_share_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``utility.chance_accuracy``, the majority class's share of the ``test_size`` test
    records, is no such share (``test_size`` x it not a whole number), or ``None``: lowered
    by hand (0.112 to 0.05, num_classes deleted) a model that learned nothing was ranked
    above it."""
    size, chance = _test_size(payload), payload["utility"].get("chance_accuracy")
    if not _counts(size) or not size or not _numbers(chance) or _without_test_set(payload):
        return None
    whole = _whole(size * chance)
    if whole is None:  # (too large for the tolerance: the one division, exactly)
        whole = _float_share(chance, size)
    if whole:
        return None
    return (f"utility.chance_accuracy is {chance!r}, which is no share of its {size} test "
            f"records (test_size x chance_accuracy = {size * chance:.6f}, not a whole "
            "number): a figure was changed after the run; rerun it")


def _float_share(share: float, count: int) -> bool:
    """Whether ``share`` is the float of ``a / count`` for a whole ``a`` in [0, count], as
    the one division a run computes it with gives it: a ``count`` raised by hand beyond
    `_WHOLE_LIMIT` (797 to 10**12) matches it about once in 10**5."""
    near = round(Fraction(share) * count)
    return any(0 <= a <= count and a / count == share for a in (near - 1, near, near + 1))


# Beyond this a whole number and its float neighbours are not told apart reliably.
_WHOLE_LIMIT = 1e9


def _whole(value: float) -> bool | None:
    """Whether ``value`` is a whole number up to float error; ``None`` when too large to
    tell."""
    if abs(value) > _WHOLE_LIMIT:
        return None
    return abs(value - round(value)) <= 1e-6 + 1e-9 * abs(value)


def _spread_problem(payload: Mapping[str, Any]) -> str | None:
    """How ``utility.test_accuracy`` and its ``test_accuracy_std`` contradict what they are
    computed from, or ``None``: each of the ``num_models`` K models is right on a whole
    number h_k of the ``test_size`` n test records, so K n x mean (the hits summed) and
    K² n² x std² (K Σh² - (Σh)², std over the models with ddof 0) are whole numbers, the
    latter plus (Σh)² a multiple of K, and no
    K accuracies have a std below the distance of their mean to their median (a median,
    2n x median a whole number, the mean's for K = 2, decides the flag). A std
    narrowed by hand (the report's interval over the K models rests on it: no headline
    copy holds it) breaks them; every run's figures keep them."""
    utility = payload["utility"]
    models, size = payload.get("num_models"), _test_size(payload)
    mean, std = utility.get("test_accuracy"), utility.get("test_accuracy_std")
    if not _counts(models, size) or not models or not size or not _numbers(mean):
        return None
    what = f"the hits of its {models} models on its {size} test records"
    if _whole(models * size * mean) is False:
        return (f"utility.test_accuracy is {mean!r}, which is no mean of {what} "
                f"(num_models x test_size x test_accuracy = {models * size * mean:.6f}, not a "
                "whole number): a figure was changed after the run; rerun it")
    if not _numbers(std):
        return None
    spread, hits = (models * size * std) ** 2, round(models * size * mean)
    if _whole(spread) is False or (_whole(spread) and (round(spread) + hits**2) % models):
        return (f"utility.test_accuracy_std is {std!r}, which {what} cannot give ((num_models x "
                f"test_size x test_accuracy_std)² = {spread:.6f}, not K Σh² - (Σh)² of whole "
                "hits h): a figure was changed after the run; rerun it")
    median = utility.get("test_accuracy_median")
    if _numbers(median) and (_whole(2 * size * median) is False or (
            models == 2 and abs(median - mean) > 1e-9)):  # fmt: skip
        # (the median of K hits over n: a hit count, or halfway between two; of 2: the mean)
        return (f"utility.test_accuracy_median is {median!r}, which is no median of {what}: "
                "a figure was changed after the run; rerun it")
    if _numbers(median) and abs(mean - median) > std + 1e-9:
        return (f"utility.test_accuracy_std is {std:g}, below |test_accuracy - "
                f"test_accuracy_median| = {abs(mean - median):g}, which no accuracies allow "
                "(their std is at least their mean's distance to their median): a figure was "
                "changed after the run; rerun it")
    return None


def _uniform_chance(payload: Mapping[str, Any]) -> float | None:
    """1 / ``num_classes``, the least the majority class scores (the ``chance_accuracy`` a
    run records is at least that), or ``None`` without a class count of 2 or more."""
    classes = payload.get("num_classes")
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        return None
    return 1.0 / classes

"""The membership plan: which population sample trains which of the K models."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from mia_defense.data.dataset import Dataset
from mia_defense.errors import ConfigError
from mia_defense.seeding import numpy_rng

__all__ = ["MembershipPlan", "make_plan"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MembershipPlan:
    """Indices of each split into the dataset and the membership masks.

    Attributes:
        population_idx: [N] dataset indices of the membership population.
        test_idx: [M] dataset indices no model ever trains on (utility).
        reference_idx: [R] dataset indices of a disjoint public/reference split (may be empty).
        masks: [K, N] bool; ``masks[k, n]`` means population sample n trains model k.
            Every sample is a member of exactly K/2 models (Carlini et al. 2022).
    """

    population_idx: np.ndarray
    test_idx: np.ndarray
    reference_idx: np.ndarray
    masks: np.ndarray

    @property
    def num_models(self) -> int:
        return int(self.masks.shape[0])

    @property
    def population_size(self) -> int:
        return int(self.masks.shape[1])


def _balanced_masks(num_models: int, population_size: int, rng: np.random.Generator) -> np.ndarray:
    """[K, N] masks where each column has exactly K/2 True entries at random rows."""
    ranks = rng.random((population_size, num_models)).argsort(axis=1)
    return (ranks < num_models // 2).T.copy()


def _fit_population(population_size: int, available: int, dataset: Dataset) -> int:
    """``population_size``, or half of ``available`` when it would leave no test sample.

    The default (1000) suits the bundled digits; on a smaller dataset (breast_cancer: 569)
    the population and the test set then share what is left, rather than the run failing
    on a negative test size. Only applies when ``plan.test_size`` is null.
    """
    if population_size < available or available < 3:
        return population_size
    fitted = available // 2
    log.warning(
        "plan.population_size=%d: %s has only %d samples for the population and the test "
        "set; using a population of %d and a test set of %d (set plan.population_size or "
        "plan.test_size to choose)",
        population_size, dataset.description, available, fitted, available - fitted,
    )
    return fitted


def make_plan(
    dataset: Dataset,
    *,
    num_models: int,
    population_size: int | None,
    test_size: int | None,
    reference_size: int = 0,
    seed: int,
) -> MembershipPlan:
    """Split ``dataset`` into population / test / reference and draw balanced masks.

    Args:
        dataset: the data to split.
        num_models: K, an even number of models (each sample trains K/2 of them).
        population_size: N; ``None`` takes what is left after test and reference. With
            ``test_size=None`` it is an upper bound: a dataset too small for it (no test
            sample would be left) gets half of what is left, with a warning.
        test_size: held-out test samples; ``None`` takes what is left after the population.
        reference_size: samples kept apart for reference/public use.
        seed: the run's seed.
    """
    if num_models < 2 or num_models % 2:
        raise ConfigError(
            f"plan.num_models={num_models}: must be an even number >= 2 "
            "(every sample is a member of exactly half of the models)"
        )
    total = len(dataset)
    if reference_size < 0:
        raise ConfigError(f"plan.reference_size={reference_size}: must be >= 0")
    if population_size is None and test_size is None:
        raise ConfigError("plan.population_size and plan.test_size cannot both be null")
    available = total - reference_size
    if population_size is None:
        population_size = available - int(test_size)  # type: ignore[arg-type]
    if test_size is None:
        population_size = _fit_population(population_size, available, dataset)
        test_size = available - population_size
    if population_size < 2 or test_size < 1 or population_size + test_size > available:
        raise ConfigError(
            f"plan.population_size={population_size}, plan.test_size={test_size}, "
            f"plan.reference_size={reference_size}: too few samples for the plan; need "
            f"population >= 2, test >= 1 and population + test + reference <= the {total} "
            f"samples in {dataset.description}; lower the plan sizes or use more data"
        )
    order = numpy_rng(seed, "split").permutation(total)
    population_idx = np.sort(order[:population_size])
    test_idx = np.sort(order[population_size : population_size + test_size])
    reference_idx = np.sort(order[available : available + reference_size])
    masks = _balanced_masks(num_models, population_size, numpy_rng(seed, "masks"))
    return MembershipPlan(
        population_idx=population_idx,
        test_idx=test_idx,
        reference_idx=reference_idx,
        masks=masks,
    )

"""Canaries (Aerni et al. 2024): mislabeled copies or outliers added to the population.

They measure the privacy of the most vulnerable records, not only the average one. The
canaries are appended to the dataset and to the population with masks of their own, so
every other split and mask of the plan stays exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mia_defense.data.dataset import Dataset
from mia_defense.errors import ConfigError
from mia_defense.plan import MembershipPlan, _balanced_masks
from mia_defense.seeding import numpy_rng

__all__ = ["CANARY_KINDS", "CanaryInsertion", "insert_canaries"]

CANARY_KINDS = ("mislabeled", "outlier")


@dataclass(frozen=True)
class CanaryInsertion:
    """The dataset and plan with canaries, and which population records are canaries.

    Attributes:
        dataset: the original samples followed by the canaries.
        plan: the original plan with the canaries appended to the population and masks.
        is_canary: [N + num] bool over the new population.
    """

    dataset: Dataset
    plan: MembershipPlan
    is_canary: np.ndarray


def _canary_inputs(
    dataset: Dataset, plan: MembershipPlan, num: int, kind: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, dataset.num_classes, num)
    pop = dataset.x[plan.population_idx]
    if kind == "mislabeled":
        source = rng.choice(plan.population_idx, num, replace=len(plan.population_idx) < num)
        true = dataset.y[source]
        # a label drawn among the other classes
        labels = (true + rng.integers(1, dataset.num_classes, num)) % dataset.num_classes
        return dataset.x[source].copy(), labels
    # outliers: features far from the data, 3 standard deviations out in a random direction
    mean, std = pop.mean(axis=0), pop.std(axis=0) + 1e-6
    direction = rng.standard_normal((num, *pop.shape[1:]))
    rms = np.sqrt((direction**2).reshape(num, -1).mean(axis=1))
    direction /= rms.reshape(-1, *[1] * (pop.ndim - 1))
    return (mean + 3.0 * std * direction).astype(dataset.x.dtype), labels


def insert_canaries(
    dataset: Dataset, plan: MembershipPlan, *, num: int, kind: str = "mislabeled", seed: int
) -> CanaryInsertion:
    """Append ``num`` canaries to the population, each a member of exactly K/2 models.

    Args:
        dataset: the data the plan indexes.
        plan: the membership plan to extend.
        num: how many canaries.
        kind: ``mislabeled`` (copies of population records with another label) or
            ``outlier`` (inputs 3 standard deviations from the mean, random labels).
        seed: the run's seed (canaries draw from their own stream).
    """
    if kind not in CANARY_KINDS:
        raise ConfigError(f"attack.canaries.kind={kind!r}: choose from {CANARY_KINDS}")
    if num < 0:
        raise ConfigError(f"attack.canaries.num={num}: must be >= 0")
    rng = numpy_rng(seed, "canaries")
    x, y = _canary_inputs(dataset, plan, num, kind, rng)
    new_idx = np.arange(len(dataset), len(dataset) + num)
    extended = replace(
        dataset,
        x=np.concatenate([dataset.x, x]),
        y=np.concatenate([dataset.y, y]).astype(dataset.y.dtype),
    )
    masks = np.concatenate([plan.masks, _balanced_masks(plan.num_models, num, rng)], axis=1)
    new_plan = MembershipPlan(
        population_idx=np.concatenate([plan.population_idx, new_idx]),
        test_idx=plan.test_idx,
        reference_idx=plan.reference_idx,
        masks=masks,
    )
    is_canary = np.zeros(new_plan.population_size, dtype=bool)
    is_canary[plan.population_size :] = True
    return CanaryInsertion(extended, new_plan, is_canary)

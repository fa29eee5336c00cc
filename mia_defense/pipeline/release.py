"""Stage 3: what the trained models release to a querier on the population and the test
set, checked for numbers no release may let out (NaN, +inf, a row withholding every class)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from mia_defense.defenses.release import check_released
from mia_defense.errors import UnsupportedModelError
from mia_defense.observations import GRAD_NORMS_SKIPPED, Observations
from mia_defense.observe import gradient_norms, observe, observe_augmented
from mia_defense.pipeline.data import TrainingData
from mia_defense.seeding import global_torch_seeded, torch_generator

if TYPE_CHECKING:
    from mia_defense.pipeline.spec import Experiment

__all__ = ["release_members_once", "release_population", "release_test"]


def release_population(
    experiment: Experiment,
    data: TrainingData,
    models: Sequence[nn.Module],
    *,
    generator: torch.Generator,
    stage: str,
    progress: bool = False,
) -> Observations:
    """What ``models`` release on the population, with the augmented queries and gradient
    norms the configured attacks need (targets and undefended shadows alike); ``progress``:
    a bar over the augmented queries where they take long. A model's own draws in its
    forward (dropout left on in eval mode) come from the run's seed (`_forward_seeded`)."""
    x, y = data.split(data.plan.population_idx)

    def population() -> np.ndarray:
        log_probs = observe(models, x, release=experiment.release, generator=generator,
                            repeats=experiment.queries.repeats)
        check_released(log_probs, what="population", release=experiment.release)
        return log_probs

    # The perturbed copies before the population (each has its own generator): a copy's
    # [K, N, C] outputs and the population's are then never held at once (the population
    # first held both: 1.28 GB more at 50,000 records, K=64, 100 classes, as bench --large).
    augmented_logits = augmented_predictions = None
    with _forward_seeded(experiment, models, stage):
        if experiment.queries.num_augmented:
            augmented_logits, augmented_predictions = observe_augmented(
                models, x, y, release=experiment.release, queries=experiment.queries,
                seed=experiment.seed,
                generator=torch_generator(experiment.seed, f"{stage}_augmented"),
                check=lambda released: _check_perturbed(released, models, experiment,
                                                         population),
                progress=progress,
            )
        log_probs = population()
        grad_norms = gradient_norms(models, x, y) if experiment.white_box else None
    return Observations(
        log_probs=log_probs,
        labels=y,
        masks=data.plan.masks,
        augmented_logits=augmented_logits,
        augmented_predictions=augmented_predictions,
        grad_norms=grad_norms,
        # (asked for and not computed: the gradient attack's skip says so, not "set it")
        metadata={GRAD_NORMS_SKIPPED: True} if experiment.white_box and grad_norms is None
        else {},
    )


def _forward_seeded(
    experiment: Experiment, models: Sequence[nn.Module], stage: str
) -> AbstractContextManager[None]:
    """torch's global generators seeded from the run's seed for ``stage``'s queries."""
    devices = [p.device for p in models[0].parameters()][:1] if models else []
    return global_torch_seeded(experiment.seed, f"{stage}/forward", devices=devices)


def _check_perturbed(released: np.ndarray, models: Sequence[nn.Module],
                     experiment: Experiment, population: Callable[[], object]) -> None:
    """`check_released` of the outputs released on a perturbed copy. NaN or +inf there
    first releases and checks the population itself (``population``: a divergence is
    refused as such); where those are finite, it comes from the models' forward (or the
    release) on inputs beyond the data (a sqrt or log of a feature the noise made
    negative), not from a training that diverged, whose advice (lower the learning rate)
    sent the user after the wrong setting."""
    if np.isnan(released).any() or np.isposinf(released).any():
        population()
        model = type(models[0])
        queries = experiment.queries
        raise UnsupportedModelError(
            "the released outputs on the perturbed queries contain NaN or +inf, while those "
            f"on the population itself are finite: model {model.__module__}."
            f"{model.__qualname__} (or release={experiment.release.name}) breaks on the "
            f"perturbed copies of the records (attack.queries: noise of {queries.noise_std:g} "
            "feature standard deviations, or shifts and flips of images), e.g. a sqrt or log "
            "of a feature the noise made negative; not a diverged training: make its forward "
            "defined for such inputs, or set attack.queries.num_augmented=0 (the attacks "
            "that need them are then skipped)"
        )
    check_released(released, what="perturbed queries", release=experiment.release, logits=True)


def release_test(
    experiment: Experiment,
    data: TrainingData,
    models: Sequence[nn.Module],
    *,
    generator: torch.Generator,
) -> np.ndarray:
    """Released log-probabilities [K, T, C] on the test set (utility)."""
    x_test, _ = data.split(data.plan.test_idx)
    with _forward_seeded(experiment, models, "release_test"):
        log_probs = observe(models, x_test, release=experiment.release, generator=generator,
                            check_batch=False)  # checked on the population
    check_released(log_probs, what="test set", release=experiment.release)
    return log_probs


def release_members_once(
    experiment: Experiment, data: TrainingData, models: Sequence[nn.Module]
) -> np.ndarray | None:
    """Released log-probabilities [K, N, C] on the population, each query asked once, as
    the test set's are: the members' accuracy beside the test accuracy (a randomized release
    whose attacker averages ``attack.queries.repeats`` answers had its train accuracy taken
    from the averages, 0.935 against a one-query test accuracy of 0.682: a gap of 0.25 that
    was the noise's, not the model's). ``None`` when one query is what the population got."""
    if not experiment.release.randomized or experiment.queries.repeats <= 1:
        return None
    x, _ = data.split(data.plan.population_idx)
    generator = torch_generator(experiment.seed, "release_members_once")
    with _forward_seeded(experiment, models, "release_members_once"):
        log_probs = observe(models, x, release=experiment.release, generator=generator,
                            check_batch=False)  # checked by release_population
    check_released(log_probs, what="population", release=experiment.release)
    return log_probs

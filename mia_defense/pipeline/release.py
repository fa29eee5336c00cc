"""Stage 3: what the trained models release to a querier on the population and the test
set, checked for numbers no release may let out (NaN, +inf, a row withholding every class)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from mia_defense.defenses.release import Release
from mia_defense.errors import ConfigError, DivergedError
from mia_defense.observations import Observations
from mia_defense.observe import gradient_norms, observe, observe_augmented
from mia_defense.pipeline.data import TrainingData
from mia_defense.seeding import torch_generator

if TYPE_CHECKING:
    from mia_defense.pipeline.spec import Experiment

__all__ = ["check_released", "probe_release", "release_population", "release_test"]

# Above 0 by more than float32's rounding of log(1): no log-probability.
_ABOVE_ZERO = 1e-5


def release_population(
    experiment: Experiment,
    data: TrainingData,
    models: Sequence[nn.Module],
    *,
    generator: torch.Generator,
    stage: str,
) -> Observations:
    """What ``models`` release on the population, with the augmented queries and gradient
    norms the configured attacks need (targets and undefended shadows alike)."""
    x, y = data.split(data.plan.population_idx)
    augmented_logits = augmented_predictions = None
    if experiment.queries.num_augmented:
        augmented_logits, augmented_predictions = observe_augmented(
            models, x, y, release=experiment.release, queries=experiment.queries,
            seed=experiment.seed, generator=torch_generator(experiment.seed, f"{stage}_augmented"),
            check=lambda released: check_released(
                released, what="perturbed queries", release=experiment.release, logits=True
            ),
        )
    log_probs = observe(models, x, release=experiment.release, generator=generator,
                        repeats=experiment.queries.repeats)
    check_released(log_probs, what="population", release=experiment.release)
    return Observations(
        log_probs=log_probs,
        labels=y,
        masks=data.plan.masks,
        augmented_logits=augmented_logits,
        augmented_predictions=augmented_predictions,
        grad_norms=gradient_norms(models, x, y) if experiment.white_box else None,
    )


def release_test(
    experiment: Experiment,
    data: TrainingData,
    models: Sequence[nn.Module],
    *,
    generator: torch.Generator,
) -> np.ndarray:
    """Released log-probabilities [K, T, C] on the test set (utility)."""
    x_test, _ = data.split(data.plan.test_idx)
    log_probs = observe(models, x_test, release=experiment.release, generator=generator)
    check_released(log_probs, what="test set", release=experiment.release)
    return log_probs


def check_released(
    log_probs: np.ndarray, *, what: str, release: Release | None = None, logits: bool = False
) -> None:
    """Released log-probabilities must be finite or -inf (a withheld value), never NaN/+inf,
    and every row must release at least one finite value (the packaged releases always
    let a class through, so such a row comes from the models' numbers or from ``release``);
    none may lie above 0, which no log-probability does (a release of your own that returns
    probabilities or logits: the attacks read them as log-probabilities). ``logits``: the
    values are the true-class logits of perturbed queries, of any sign."""
    name = f"release={release.name}" if release is not None else "the release"
    if np.isnan(log_probs).any() or np.isposinf(log_probs).any():
        raise DivergedError(f"the released outputs on the {what} contain NaN or +inf")
    if not np.isfinite(log_probs).any(axis=-1).all():
        raise DivergedError(
            f"a released output on the {what} withholds every class ({name} must let at "
            "least one class through to every query)"
        )
    if not logits and log_probs.size and float(log_probs.max()) > _ABOVE_ZERO:
        kind = "" if release is None else f" ({type(release).__qualname__})"
        raise ConfigError(
            f"{name}{kind}: its outputs on the {what} hold values above 0 (up to "
            f"{float(log_probs.max()):.3g}), which no log-probability is: a release must "
            "return log-probabilities (log_softmax of the logits, -inf where it withholds "
            "a class), not probabilities or logits"
        )


def probe_release(release: Release, *, num_classes: int) -> None:
    """`check_released` on what ``release`` makes of a few random logits, before training:
    a release of one's own that returns probabilities is refused before the models train,
    not after."""
    generator = torch.Generator().manual_seed(0)
    logits = 3 * torch.randn(8, num_classes, generator=generator)
    with torch.no_grad():
        released = release(logits, generator).detach().cpu().numpy()
    check_released(released, what="random logits before training", release=release)

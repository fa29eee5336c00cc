"""LiRA, the likelihood-ratio attack of Carlini et al. (2022), online and offline."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from mia_defense.attacks.base import first_bad, requires_access
from mia_defense.attacks.references import (
    check_kinds,
    checked_targets,
    scored_against_references,
)
from mia_defense.attacks.signals import SIGNAL_CLIP, per_model, true_class_logit
from mia_defense.budget import Work, augmented_attack_bytes, augmented_copies_work
from mia_defense.errors import ConfigError, DataError
from mia_defense.observations import Observations, queries_fix

__all__ = ["augmented_attacks", "budget_work", "lira"]

_MIN_STD = 1e-3


def _masked_moments(
    values: np.ndarray, weights: np.ndarray, *, fixed: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean [Q, N] and standard deviation of ``values`` [R, Q, N] over rows where
    ``weights`` is 1: per column, or one per query [Q, 1] for all samples when ``fixed``
    (residuals around each mean); at least ``_MIN_STD``. The weighted values and squared
    residuals are formed once: only the standard deviation asked for is summed."""
    count = weights.sum(axis=0)
    weighted = values * weights
    mean = weighted.sum(axis=0) / np.maximum(count, 1)
    # A sample no reference of this kind saw (only with very few references) gets the
    # mean over all samples: a fixed 0 would single out exactly those samples.
    overall = weighted.sum(axis=(0, 2)) / max(weights.sum(), 1)
    mean = np.where(count > 0, mean, overall[:, None])
    squares = ((values - mean) ** 2) * weights
    if fixed:
        dof = np.maximum(weights.sum(axis=(0, 2)) - np.count_nonzero(count, axis=-1), 1)
        std = np.sqrt(squares.sum(axis=(0, 2)) / dof)[:, None]
    else:
        std = np.sqrt(squares.sum(axis=0) / np.maximum(count - 1, 1))
    return mean, np.maximum(std, _MIN_STD)


def _log_normal(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    return -0.5 * ((x - mean) / std) ** 2 - np.log(std)


def _check_per_example_references(masks: np.ndarray, targets: np.ndarray) -> None:
    """Per-example variances need 2 IN and 2 OUT references of every sample, per target."""
    fewest = masks.shape[0]
    for t in targets:
        refs = np.delete(masks, t, axis=0)
        fewest = min(fewest, int(refs.sum(axis=0).min()), int((~refs).sum(axis=0).min()))
    if fewest < 2:
        raise ConfigError(few_references_message(masks.shape[0], fewest))


def few_references_message(num_models: int, fewest: int) -> str:
    """`lira` fixed_variance=false's refusal of ``num_models`` models that leave a sample
    ``fewest`` IN or OUT references; also given by `mia_defense.config.check_config` for a
    plan of 4 models or fewer (each record trains half of them: it leaves K/2 - 1), before
    the run directory is made."""
    return (
        f"lira fixed_variance=false needs at least 2 IN and 2 OUT reference models of "
        f"every sample, but plan.num_models={num_models} leaves {fewest}; raise "
        "plan.num_models (>= 6) or set fixed_variance: null"
    )


@requires_access("outputs")
def lira(
    obs: Observations,
    targets: np.ndarray,
    *,
    online: bool = True,
    fixed_variance: bool | None = None,
    augmented: bool = False,
    seed: int = 0,
) -> np.ndarray:
    """LiRA scores [T, N]: each target is attacked with the other K-1 models as references.

    For every sample the reference models that trained on it (IN) and did not (OUT)
    give Gaussians over the logit-scaled confidence of the true class. Both use the same
    number of references per sample (`balanced_references`): with each sample in half of
    the models, the target's own membership would otherwise decide which Gaussian is
    estimated from one model fewer, and that alone biases the ratio (AUC 0.41 at K=4 on
    outputs without any membership signal). Where samples keep different numbers of
    references (a user's unbalanced masks) the scores are ranked among the samples that
    keep as many (`ranked_within_strata`).

    Args:
        obs: released outputs of all K models.
        targets: indices of the target models.
        online: use IN and OUT models (likelihood ratio); offline uses only OUT models and
            scores how far above the OUT distribution the target's confidence lies.
        fixed_variance: one pooled variance for all samples instead of per-example ones;
            ``None`` picks it when fewer than 64 reference models are available, as
            Carlini et al. recommend.
        augmented: also use the queries on perturbed copies (``obs.augmented_logits``,
            when the run made them): one Gaussian per query, the log-likelihood ratios
            summed (online) or the z-scores averaged (offline), as Carlini et al. do.
            Without them the attack is skipped (`MissingObservationError`), never silently
            run on the plain query alone.
        seed: drives `ranked_within_strata`'s draws (with target t's index: [t, seed],
            which seed 0 draws as t alone did).
    """
    check_kinds("lira", online=online, fixed_variance=fixed_variance, augmented=augmented,
                seed=seed)
    targets = checked_targets(targets, obs.num_models, where="lira")
    signal = per_model(true_class_logit, obs.log_probs, obs.labels)[:, None]  # [K, 1, N]
    if augmented:
        extra = obs.require(
            "augmented_logits", attack="lira (augmented=true)",
            fix=queries_fix(),
        )  # [K, A, N]
        _check_finite_queries(extra)
        signal = np.concatenate([signal, extra], axis=1)
    if fixed_variance is None:
        fixed_variance = obs.num_models - 1 < 64
    if online and not fixed_variance:
        _check_per_example_references(obs.masks, targets)
    score = functools.partial(_ratio, online=online, fixed_variance=fixed_variance)
    return scored_against_references(signal, obs.masks, targets, seed=seed, score=score)


def _check_finite_queries(logits: np.ndarray) -> None:
    """A `DataError` naming the first augmented logit that is NaN, infinite or beyond
    +-`SIGNAL_CLIP` (where mia-train clips them): Observations built directly were never
    checked, and one NaN made 701 of 800 scores NaN (the pooled variance), reported as AUC
    0.51; two of 1e6 among 1,600 widened their query's pooled variance, AUC 0.816 -> 0.701,
    silently (`observations_from_arrays` refuses them, 6d17a6bf)."""
    bad = ~(np.abs(logits) <= SIGNAL_CLIP)
    if bad.any():
        value, at = first_bad(logits, bad)
        raise DataError(
            f"lira: observations.augmented_logits holds {value:g} at {at}; these true-class "
            f"logits log(p_y / (1 - p_y)) must be finite and within +-{SIGNAL_CLIP:g}: clip "
            f"them to +-{SIGNAL_CLIP:g} as mia-train does (api.observations_from_arrays "
            "checks them)"
        )


def _ratio(
    target: np.ndarray, ref_signal: np.ndarray, ref_in: np.ndarray, ref_out: np.ndarray,
    *, online: bool, fixed_variance: bool,
) -> np.ndarray:  # fmt: skip
    """[N] LiRA score of a target's ``target`` [Q, N] against ``ref_signal`` [R, Q, N]
    with the IN and OUT weights [R, N]: the likelihood ratio online, the z-score offline."""
    ref_in, ref_out = ref_in[:, None], ref_out[:, None]
    mean_out, std_out = _masked_moments(ref_signal, ref_out, fixed=fixed_variance)
    if not online:
        return ((target - mean_out) / std_out).mean(axis=0)
    mean_in, std_in = _masked_moments(ref_signal, ref_in, fixed=fixed_variance)
    ratio = _log_normal(target, mean_in, std_in) - _log_normal(target, mean_out, std_out)
    return ratio.sum(axis=0)


def augmented_attacks(attacks: Mapping[str, Any]) -> list[str]:
    """The names of ``attacks`` that are `lira` with ``augmented=true`` (its _target_, under
    any name): those that make working copies of the augmented queries (`budget_work`; and
    mia-train's estimate, `mia_defense.budget.estimate`'s ``augmented_attack``: without one,
    '~attack.attacks.lira_online_augmented' was refused for copies no attack makes, h498)."""
    return [name for name, attack in attacks.items()
            if getattr(attack, "func", None) is lira
            and bool({**(lira.__kwdefaults__ or {}), **attack.keywords}["augmented"])]


def budget_work(attacks: Mapping[str, Any], *, num_models: int, num_augmented: int,
                num_records: int) -> list[Work]:
    """What each of ``attacks`` that is `lira` with ``augmented=true`` (its _target_, under
    any name) holds beside observations of ``num_augmented`` queries on each of
    ``num_records`` records of ``num_models`` models: the working copies mia-train's
    estimate counts of them (`mia_defense.budget.augmented_attack_bytes`), for mia-attack's
    up-front check (`mia_defense.budget.check_attack_budget`), where the observations fix
    the queries; none without them (the attack is then skipped). mia-attack of saved
    observations of 10**6 queries a record started LiRA's 60 GB with no check (h495)."""
    return augmented_copies_work(
        augmented_attacks(attacks), copies_of="the observations' augmented queries",
        memory=augmented_attack_bytes(num_models, num_augmented, num_records),
        queries=("the observations fix their queries: attack.queries.num_augmented="
                 f"{num_augmented} here"),
        num_models=num_models, num_augmented=num_augmented, num_records=num_records,
    )  # fmt: skip

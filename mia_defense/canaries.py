"""Canaries (Aerni et al. 2024): mislabeled records or outliers added to the population.

They measure the privacy of the most vulnerable records, not only the average one. The
canaries are appended to the dataset and to the population with masks of their own, so
every other split and mask of the plan stays as it was.

A mislabeled canary is a record no model otherwise trains on, under another label: its
features come from a dataset row outside every split of the plan (population, test,
reference), else from the test set, which then loses that row (the one change to another
split), and never from a row with an exact copy in the data. A copy of a population record
(as they were once drawn) left its twin, under the true label, in half of the models
whatever the canary's membership: its leak measured at a third of what it is (digits, 8
models of 500 records, 200 canaries: LiRA online's TPR at 0.1% FPR 0.32, and 0.89 with
rows no model trains on).

The one-run audit (``attack.audit=one_run``, `mia_defense.audit`) appends canaries of its
own after them, each in each model independently with probability 1/2 (``bernoulli``), as
Steinke et al. 2023's bound needs (``balanced`` canaries, in exactly K/2 models each, tie
one model's inclusion bits to the others').
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from mia_defense.constraints import as_integer, is_integer, shown
from mia_defense.data.dataset import Dataset
from mia_defense.data.guards import gib, memory_budget
from mia_defense.errors import ConfigError
from mia_defense.plan import MembershipPlan, balanced_masks
from mia_defense.seeding import numpy_rng

log = logging.getLogger(__name__)

__all__ = [
    "AUDIT_KINDS",
    "CANARY_KINDS",
    "INCLUSIONS",
    "SMALL_TEST_SET",
    "CanaryInsertion",
    "canaries_reason",
    "insert_canaries",
]

CANARY_KINDS = ("mislabeled", "outlier")
# ``attack.audit``: none, or the one-run audit (Steinke et al. 2023) of `mia_defense.audit`.
AUDIT_KINDS = ("none", "one_run")
# How canaries join the models: each in exactly K/2 of them, or each in each model
# independently with probability 1/2.
INCLUSIONS = ("balanced", "bernoulli")
# Below this many records the test accuracy rests on a few (pipeline.data's
# warn_small_test_set, as mia_defense.report.checks.SMALL_TEST_SET): mislabeled canaries take
# no row of the test set that would leave it smaller.
SMALL_TEST_SET = 100


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


def _canary_sources(
    dataset: Dataset, plan: MembershipPlan, num: int, rng: np.random.Generator, key: str,
    fallback: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``num`` dataset rows whose features mislabeled canaries take (drawn without
    replacement), and the plan's test set without those of them it held.

    The rows no model trains on and no metric reads come first: outside every split of the
    plan; then rows of the test set, down to `SMALL_TEST_SET` records (or what it held).
    No row with an exact copy elsewhere in the data: a copy in the population trains half
    of the models under the true label whatever the canary's membership (and the rows
    earlier canaries took copy those canaries); one in the test or reference split is read
    as no member. When too few rows are left: the rest from the rows ``fallback`` (the
    one-run audit's: population records, whose twins loosen its ε bound, which stays valid:
    inclusion is drawn alone), else a `ConfigError` naming ``key``."""
    every = np.arange(len(dataset))
    leaders = plan.row_leaders(dataset.x)  # (make_plan's hashes of every row)
    alone = np.bincount(leaders, minlength=len(every))[leaders] == 1
    splits = np.concatenate([plan.population_idx, plan.test_idx, plan.reference_idx])
    outside = np.setdiff1d(every[alone], splits)
    test = plan.test_idx[alone[plan.test_idx]]
    keep = min(len(plan.test_idx), SMALL_TEST_SET)
    spare = min(len(test), len(plan.test_idx) - keep)
    short = num - len(outside) - spare
    if short > 0 and fallback is None:
        raise _too_few_rows(plan, alone, key=key, num=num, outside=len(outside), spare=spare)
    source = rng.permutation(outside)[:num]
    taken = rng.permutation(test)[: min(num - len(source), spare)]
    if len(taken):
        log.info(
            "%s=%d: %d of the canaries take their features from rows of the test set, which "
            "leave it (%d records left); %d from rows outside the plan's splits",
            key, num, len(taken), len(plan.test_idx) - len(taken), len(source),
        )
    twins = np.empty(0, dtype=np.intp)
    if short > 0:
        twins = rng.choice(fallback, short, replace=len(fallback) < short)
        log.warning("%s=%d: %d of the canaries copy population records' features (too few "
                    "rows outside the population): the audit's ε bound is looser (still a lower "
                    "bound) and the canaries' TPR understated; to avoid it use %s",
                    key, num, short, _fewer_rows_advice(plan, alone, len(outside), spare))
    return np.concatenate([source, taken, twins]), np.setdiff1d(plan.test_idx, taken)


def _too_few_rows(
    plan: MembershipPlan, alone: np.ndarray, *, key: str, num: int, outside: int, spare: int
) -> ConfigError:
    """`_canary_sources`' refusal of ``num`` canaries where ``outside`` rows outside the
    splits and ``spare`` of the test set's are all the rows with no copy (``alone``) left,
    with `_fewer_rows_advice`."""
    keep = min(len(plan.test_idx), SMALL_TEST_SET)
    return ConfigError(
        f"{key}={num}: mislabeled canaries take the features of rows no model trains on, "
        f"with no copy in the data: {outside} such rows lie outside the plan's splits and the "
        f"test set ({len(plan.test_idx)} records, kept at {keep} or more) can spare {spare}; "
        f"use {_fewer_rows_advice(plan, alone, outside, spare)}"
    )


def _fewer_rows_advice(plan: MembershipPlan, alone: np.ndarray, outside: int, spare: int) -> str:
    """What fits the rows `_too_few_rows` counts: the most canaries there are rows for (none
    where there are none: 'at most 0 canaries' was advised), a smaller population where that
    frees rows, or outlier canaries."""
    # A smaller population frees rows: outside the splits under a fixed test_size (rows lie
    # outside: a null one takes all but copies), and where a null one takes them, those
    # beyond the SMALL_TEST_SET it keeps
    mine = np.concatenate([plan.population_idx, plan.test_idx])
    frees = (outside and alone[plan.population_idx].any()) or (
        np.count_nonzero(alone[mine]) - SMALL_TEST_SET > spare)
    most = outside + spare
    advice = [f"at most {most} {'canary' if most == 1 else 'canaries'}"] if most else []
    advice += ["a smaller plan.population_size"] if frees else []
    advice.append("attack.canaries.kind=outlier")
    *first, last = advice
    return f"{', '.join(first)}{',' if len(first) > 1 else ''} or {last}" if first else last


def _canary_inputs(
    dataset: Dataset, pool: np.ndarray, num: int, kind: str, rng: np.random.Generator,
    source: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Canary features and labels: mislabeled ones the features of the dataset rows
    ``source`` (`_canary_sources`); outliers placed by the rows ``pool`` (the regular
    records)."""
    labels = rng.integers(0, dataset.num_classes, num)
    if kind == "mislabeled":
        source = np.empty(0, dtype=np.intp) if source is None else source
        true = dataset.y[source]
        # a label drawn among the other classes
        labels = (true + rng.integers(1, dataset.num_classes, num)) % dataset.num_classes
        return dataset.x[source].copy(), labels
    pop = dataset.x[pool]
    # outliers: features far from the data, 3 standard deviations out in a random direction
    mean, std = pop.mean(axis=0), pop.std(axis=0) + 1e-6
    direction = rng.standard_normal((num, *pop.shape[1:]))
    rms = np.sqrt((direction**2).reshape(num, -1).mean(axis=1))
    direction /= rms.reshape(-1, *[1] * (pop.ndim - 1))
    return (mean + 3.0 * std * direction).astype(dataset.x.dtype), labels


def canaries_reason(*, kind: str, num: int, audit: int = 0) -> str | None:
    """Why DP-SGD's ε is no guarantee when outlier canaries train the models, or ``None``:
    they are placed at the population's mean plus 3 standard deviations, statistics of every
    record, members included (`_canary_inputs`), so one member's record moves every
    canary, and the canaries are members too: a data-dependent step outside the accounting,
    as ``dataset.standardize`` is. ``num``: ``attack.canaries.num``; ``audit``: the one-run
    audit's input canaries (``attack.audit_canaries``, of the same kind). Mislabeled
    canaries take one row's features each (under another label), a row outside the
    population: no statistic of it."""
    if kind != "outlier" or num + audit <= 0:
        return None
    counts = [f"attack.canaries.num={num}"] if num else []
    counts += [f"attack.audit_canaries={audit} of the one-run audit"] if audit else []
    return (
        f"attack.canaries.kind=outlier: the {num + audit} canaries ({', '.join(counts)}) that "
        "train the models were placed at the population's mean plus 3 standard deviations, "
        "statistics of every record, members included, a data-dependent step outside DP-SGD's "
        "accounting (one member's record moves every canary); set "
        "attack.canaries.kind=mislabeled (each takes the features of one row outside the "
        "population under another label: no statistic of it), or train without canaries"
    )


def insert_canaries(
    dataset: Dataset,
    plan: MembershipPlan,
    *,
    num: int,
    kind: str = "mislabeled",
    seed: int,
    inclusion: str = "balanced",
    is_canary: np.ndarray | None = None,
) -> CanaryInsertion:
    """Append ``num`` canaries to the population.

    Args:
        dataset: the data the plan indexes.
        plan: the membership plan to extend.
        num: how many canaries.
        kind: ``mislabeled`` (the features of rows no model trains on, under another
            label: rows outside the plan's splits, then rows that leave the test set;
            `_canary_sources`) or ``outlier`` (inputs 3 standard deviations from the
            mean, random labels).
        seed: the run's seed (canaries draw from their own stream, one per ``inclusion``).
        inclusion: ``balanced`` (each a member of exactly K/2 models) or ``bernoulli``
            (each a member of each model independently with probability 1/2: the one-run
            audit's canaries).
        is_canary: [N] the canaries already in the population (kept as canaries).
    """
    if kind not in CANARY_KINDS:
        raise ConfigError(f"attack.canaries.kind={kind!r}: choose from {CANARY_KINDS}")
    if inclusion not in INCLUSIONS:
        raise ValueError(f"unexpected inclusion {inclusion!r}, choose from {INCLUSIONS}")
    key = "attack.canaries.num" if inclusion == "balanced" else "attack.audit_canaries"
    if not is_integer(num):
        raise ConfigError(f"{key}={num!r}: must be an integer >= 0")
    as_integer(seed, key="insert_canaries: seed", low=0, note="the run's seed")
    if num < 0:
        raise ConfigError(f"{key}={shown(num)}: must be >= 0")
    if is_canary is not None:  # (0/1 integers indexed ~flags as -1 and -2: one record copied)
        flags = np.asarray(is_canary)
        if flags.dtype != np.bool_ or flags.shape != (plan.population_size,):
            raise ValueError(
                f"is_canary: must be [N] bool over the plan's {plan.population_size} "
                f"population records, got shape {flags.shape} and dtype {flags.dtype}"
            )
    # The canaries' features (drawn, then copied into the extended dataset) and masks must
    # fit before they are drawn: a typo of 10^9 would otherwise swap the machine to a halt.
    need, budget = 2 * num * dataset.x[:1].nbytes + plan.num_models * num, memory_budget()
    if need > budget:
        raise ConfigError(
            f"{key}={num}: the canaries alone would need {gib(need)} of memory, more than "
            f"the {gib(budget)} this machine can spare; use fewer (the population "
            f"has {plan.population_size} records)"
        )
    rng = numpy_rng(seed, "canaries" if inclusion == "balanced" else "audit_canaries")
    pool = plan.population_idx if is_canary is None else plan.population_idx[~is_canary]
    if num and not len(pool):
        raise ValueError(f"{key}={num}: every population record is a canary (is_canary), so "
                         "no regular record is left to copy or to place canaries by")
    test_idx, source = plan.test_idx, None
    if kind == "mislabeled" and num:
        source, test_idx = _canary_sources(dataset, plan, num, rng, key,
                                           pool if inclusion == "bernoulli" else None)
    x, y = _canary_inputs(dataset, pool, num, kind, rng, source)
    new_idx = np.arange(len(dataset), len(dataset) + num)
    extended = replace(
        dataset,
        x=np.concatenate([dataset.x, x]),
        y=np.concatenate([dataset.y, y]).astype(dataset.y.dtype),
    )
    if inclusion == "balanced":
        new_masks = balanced_masks(plan.num_models, num, rng)
    else:
        new_masks = rng.random((plan.num_models, num)) < 0.5
    masks = np.concatenate([plan.masks, new_masks], axis=1)
    new_plan = MembershipPlan(
        population_idx=np.concatenate([plan.population_idx, new_idx]),
        test_idx=test_idx,
        reference_idx=plan.reference_idx,
        masks=masks,
        copy_leaders=None if plan.copy_leaders is None else np.concatenate(
            [plan.copy_leaders, np.arange(plan.population_size, masks.shape[1], dtype=np.intp)]
        ),  # a canary is no copy of anything (mislabeled ones take rows with no copy)
    )
    flags = np.zeros(new_plan.population_size, dtype=bool)
    if is_canary is not None:
        flags[: plan.population_size] = is_canary
    flags[plan.population_size :] = True
    return CanaryInsertion(extended, new_plan, flags)

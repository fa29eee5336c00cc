"""Stage 1: the arrays a run uses: the membership plan drawn, canaries appended, the
settings checked against them before any model trains."""

from __future__ import annotations

import hashlib
import inspect
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from mia_defense.attacks.base import access_of
from mia_defense.attacks.label_only import budget_work as label_only_work
from mia_defense.attacks.lira import augmented_attacks
from mia_defense.attacks.references import target_models
from mia_defense.attacks.runner import (
    Attack,
    check_attacks,
)
from mia_defense.attacks.shadow import SHADOW_RECIPES, trains_undefended_shadows
from mia_defense.attacks.shokri import budget_work
from mia_defense.audit import warn_delta_terms, with_audit_canaries
from mia_defense.budget import (
    BOUNDED_BYTES,
    Work,
    WorkShape,
    check_budget,
    defense_work,
    earliest_stop,
)
from mia_defense.canaries import SMALL_TEST_SET, canaries_reason, insert_canaries
from mia_defense.data.checks import (
    check_classes_repeat,
    check_squares_fit,
    copied_rows,
    row_groups,
)
from mia_defense.data.dataset import Dataset
from mia_defense.defenses.compose import (
    check_defenses,
    warn_dropout_twice,
    warn_inactive_defenses,
    warn_meaningless_clip_norm,
    warn_unaccounted_beside_dp,
)
from mia_defense.defenses.dp import (
    CLIP_RANGE,
    DPSGD,
    initial_grad_norms,
    warn_seeded_noise_tail,
    warn_unused_physical_batches,
)
from mia_defense.defenses.release import probe_release
from mia_defense.errors import ConfigError, counted
from mia_defense.metrics.inputs import as_fraction
from mia_defense.models.build import ModelBuilder
from mia_defense.observations import labels_only
from mia_defense.plan import MembershipPlan, make_plan
from mia_defense.run_fingerprint import TARGETS_STAGE
from mia_defense.seeding import global_torch_seeded
from mia_defense.training.config import (
    CHUNK_SIZE,
    TrainConfig,
    optimizer_class,
    optimizer_options,
    resolve_device,
)
from mia_defense.training.ensemble import choose_engine, stack_width
from mia_defense.user_fit import check_user_fit

if TYPE_CHECKING:
    from pathlib import Path

    from mia_defense.defenses.base import TrainingDefense
    from mia_defense.pipeline.spec import Experiment

__all__ = [
    "TrainingData",
    "prepare_data",
    "warn_duplicates",
    "warn_label_release_without_label_attack",
    "warn_one_class_test_set",
    "warn_planned_noise",
    "warn_small_reference_split",
    "warn_small_test_set",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingData:
    """The arrays a run trains, queries and tests on: fixed by the config and the dataset.

    Attributes:
        dataset: the data after canaries were appended.
        plan: the membership plan (indices into ``dataset``, masks [K, N]).
        is_canary: [N] which population records are canaries.
        fingerprint: a content hash of the population, masks, test and reference arrays:
            checkpoints and finished runs are reused only on exactly these arrays.
        dataset_digest: a content hash of the whole dataset as loaded (features and
            labels, before the plan and canaries): the same for every seed, so runs of
            several seeds on one data file can be told from runs on an edited one.
        duplicates: how many of the samples the plan uses have an exact copy among them
            (`warn_duplicates`; results.json's ``data_duplicates``).
    """

    dataset: Dataset
    plan: MembershipPlan
    is_canary: np.ndarray
    fingerprint: str
    dataset_digest: str
    duplicates: int = 0

    def split(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Features and labels of the dataset rows ``idx``."""
        return self.dataset.x[idx], self.dataset.y[idx]


def _content_hash(*arrays: np.ndarray) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.data)
    return digest.hexdigest()


def prepare_data(experiment: Experiment, *, planned_noise: bool = True,
                 disk_dir: Path | None = None) -> TrainingData:
    """Draw the plan, append the canaries and check the settings against them (no training).
    ``planned_noise``: warn here of what DP-SGD's planned noise leaves ε
    (`warn_planned_noise`, a σ search); `claimed_run` passes false and warns once it knows
    the run is to train (a finished run, which a sweep skips, plans no σ). ``disk_dir``: the
    run's directory, whose free disk the budget check counts the run's files against."""
    data = experiment.dataset
    dataset_digest = _content_hash(data.x, data.y)
    check_classes_repeat(data.y, source=data.description)
    check_squares_fit(data.x, source=data.description)
    plan = make_plan(
        data,
        num_models=experiment.plan.num_models,
        population_size=experiment.plan.population_size,
        test_size=experiment.plan.test_size,
        reference_size=experiment.plan.reference_size,
        seed=experiment.seed,
    )
    duplicates = warn_duplicates(data, plan)
    # the population's distinct records (exact copies share their models): counted where the
    # data holds copies, for _check's word on a model the copies left without a member
    distinct = ((len(np.unique(plan.leaders(data.x))),
                 plan.population_size) if duplicates else None)
    warn_label_release_without_label_attack(
        experiment.release, experiment.attacks, num_classes=data.num_classes
    )
    is_canary = np.zeros(plan.population_size, dtype=bool)
    if experiment.num_canaries:
        _check_canary_minority(experiment.num_canaries, plan)
        inserted = insert_canaries(
            data, plan, num=experiment.num_canaries, kind=experiment.canary_kind,
            seed=experiment.seed,
        )
        data, plan, is_canary = inserted.dataset, inserted.plan, inserted.is_canary
    warn_audit_canary_majority(experiment.audit.input_canaries, experiment.num_canaries,
                               population=int((~is_canary).sum()))  # fmt: skip
    audited = with_audit_canaries(  # the one-run audit's input canaries (none without it)
        experiment.audit, data, plan, is_canary, kind=experiment.canary_kind,
        seed=experiment.seed,
    )
    data, plan, is_canary = audited.dataset, audited.plan, audited.is_canary
    warn_one_class_test_set(data, plan)  # (after the canaries: mislabeled ones take test rows)
    warn_small_test_set(plan)
    first = plan.population_idx[:_CLIP_PROBE_SAMPLES]  # (C is judged against their norms)
    _check(experiment, plan, num_classes=data.num_classes, sample=(data.x[first], data.y[first]),
           reference_labels=data.y[plan.reference_idx], distinct=distinct,
           rows=(len(data), data.description), planned_noise=planned_noise,
           disk_dir=disk_dir)
    splits = [data.x[plan.population_idx], data.y[plan.population_idx], plan.masks]
    for idx in (plan.test_idx, plan.reference_idx):
        splits += [data.x[idx], data.y[idx]]
    return TrainingData(
        dataset=data, plan=plan, is_canary=is_canary, fingerprint=_content_hash(*splits),
        dataset_digest=dataset_digest, duplicates=duplicates,
    )


def _check_canary_minority(num: int, plan: MembershipPlan) -> None:
    """Refuse canaries that outnumber the regular records. check_config refuses them when
    plan.population_size is given; a population the splits leave (plan.test_size set, or the
    default on a small dataset) is only known once the plan is drawn."""
    if num > plan.population_size // 2:
        raise ConfigError(
            f"attack.canaries.num={num}: more than half of the population's "
            f"{plan.population_size} records (what the plan's splits leave); canaries must "
            f"stay a minority of the population (at most {plan.population_size // 2}): lower "
            "attack.canaries.num or raise plan.population_size"
        )


def warn_audit_canary_majority(audit: int, canaries: int, *, population: int) -> None:
    """Say before training when the one-run audit's input canaries (``audit``, with the
    ``canaries`` of attack.canaries.num) outnumber half of the ``population``'s regular
    records, the bound attack.canaries.num is held to (`_check_canary_minority`): the
    models then train mostly on canaries. Warned, not refused: the audit's bound holds for
    any number of canaries, but the run's utility and attack figures are no longer the
    defense's on the data (digits, 100 records, DP-SGD ε 50, 30 epochs: test accuracy 0.33
    with 40 audit canaries, 0.08, below chance, with 1000)."""
    if not audit or audit + canaries <= population // 2:
        return
    both = f" and attack.canaries.num={canaries}" if canaries else ""
    log.warning(
        "attack.audit_canaries=%d%s: %d canaries train beside the population's %d regular "
        "records, more than half of them (attack.canaries.num is held to at most %d, a "
        "minority): the models train mostly on canaries, so the run's utility and attack "
        "figures are those of models of canaries, not of the defense on the data (the "
        "one-run audit's bound still holds); for a point on the tradeoff keep the canaries "
        "to at most %d in all, or raise plan.population_size",
        audit, both, audit + canaries, population, population // 2, population // 2,
    )  # fmt: skip


def warn_one_class_test_set(data: Dataset, plan: MembershipPlan) -> None:
    """Say before training when the test set holds one class: its majority share is 1, no
    model can beat that chance, so the run can give no privacy verdict (plan.test_size=1
    ended in "UTILITY BELOW CHANCE ... the model learned nothing" after a perfect score)."""
    classes = np.unique(data.y[plan.test_idx])
    if len(classes) == 1 and data.num_classes > 1:
        log.warning(
            "the test set (%s) holds class %s alone: no model can beat chance on it "
            "(the majority share is 1.0), so this run will give no privacy verdict; raise "
            "plan.test_size", counted(len(plan.test_idx), "record"), classes[0],
        )


def warn_small_test_set(plan: MembershipPlan) -> None:
    """Say before training when the test set is small: its accuracy figure, and whether the
    models beat chance, then rest on a few records (plan.test_size=5: "test accuracy 0.800
    ... chance 0.400", where 4 of 5 records give a 95% interval of [0.376, 0.964]), and the
    run printed it as exact; mia-report lists such runs under its caveats
    (`mia_defense.report.checks.small_test_set_note`)."""
    size = len(plan.test_idx)
    if not 0 < size < SMALL_TEST_SET:
        return
    log.warning(
        "the test set holds %s: the test accuracy is measured to about +-%.2f (95%%), "
        "and whether the models beat chance may not be established; raise plan.test_size "
        "to %d or more", counted(size, "record"), 1.96 * (0.25 / size) ** 0.5, SMALL_TEST_SET,
    )


# Below this many records a reference split gives a defense that trains or validates on it
# (advreg's non-members, early_stopping's validation, distillation's students) too little to
# act on: its figures would be those of a defense that did not work, not of the defense.
SMALL_REFERENCE_SPLIT = 10


def warn_small_reference_split(
    defenses: Sequence[TrainingDefense], labels: np.ndarray, *, num_classes: int
) -> None:
    """Say before training when a defense that needs the reference split
    (``plan.reference_size``) gets one too small to act on: fewer than
    `SMALL_REFERENCE_SPLIT` records, or not every class (``plan.reference_size=1`` with
    ``defense=advreg``: its inference model played against one non-member; with
    ``distillation``, students learned 2 records). The run trained and was recorded as
    that defense without a word."""
    needy = [d.name for d in defenses if d.needs_reference]
    size = len(labels)
    if not needy or size == 0:  # (none: refused by check_defenses)
        return
    missing = num_classes - len(np.unique(labels))
    if size >= SMALL_REFERENCE_SPLIT and missing <= 0:
        return
    lacks = (f", and {missing} of the {num_classes} classes {'is' if missing == 1 else 'are'} "
             "not in it" if missing > 0 else "")
    log.warning(
        "plan.reference_size=%d: the reference split holds %s%s: too little for %s; raise "
        "plan.reference_size (e.g. plan.reference_size=300)",
        size, counted(size, "record"), lacks, "; and for ".join(map(_reference_use, needy)),
    )


def _reference_use(name: str) -> str:
    """What a defense that needs the reference split does with too few records in it
    (`warn_small_reference_split`): distillation's students, trained on them alone, took
    the models to chance (plan.reference_size=1: accuracy 0.138, 7 of 16 models at chance),
    which "a defense that barely acted" did not say."""
    return {
        "distillation": "defense.distillation: its students train on those records alone and "
                        "learn little of the task, so the models' accuracy may fall to chance "
                        "and the privacy figures are those of models that learned nothing",
        "advreg": "defense.advreg: its inference model plays against those non-members alone, "
                  "so the defense barely acts",
        "early_stopping": "defense.early_stopping: it validates on those records alone, so "
                          "when it stops is chance",
    }.get(name, f"defense.{name}, which trains or validates on them, to work")


def warn_label_release_without_label_attack(
    release: object, attacks: Mapping[str, Attack], *, num_classes: int = 10
) -> None:
    """Say before training when a release of labels only (``release=label_only``, or one
    that answers one-hot: `_releases_labels_only`) meets no attack that reads labels:
    the others then threshold the label alone, a correct/incorrect split at best (the
    default run, attacked by loss alone: AUC 0.522 and TPR 0 at 0.1%, 1% and 10% FPR,
    where the label-only attack finds TPR 0.017 at 0.1%), so the verdict reads as private."""
    if not attacks or not _releases_labels_only(release, num_classes):
        return
    access = {}
    for name, attack in attacks.items():
        try:
            access[name] = access_of(attack)
        except ValueError:  # refused with its message by check_attacks
            return
    if "label" in access.values():
        return
    log.warning(
        "release=%s lets out the predicted label only, and none of the attacks "
        "(%s) reads labels (access label): they see the label alone and understate the leak "
        "(a score threshold on them is a correct/incorrect split at best: loss alone reads "
        "TPR 0 at 10%% FPR on the default run, where label_only finds 0.165); keep "
        "attack.attacks.label_only (a label-only attacker's perturbation queries)",
        getattr(release, "name", type(release).__name__), ", ".join(attacks),
    )


def _releases_labels_only(release: object, num_classes: int = 10) -> bool:
    """Whether ``release`` lets out the predicted label alone: ``label_only``, or an answer
    to random logits that is one output per predicted label (`labels_only`: ``topk`` at k=1
    renormalised, ``rounding`` at 0 decimals, a smoothed one-hot of one's own)."""
    if getattr(release, "name", None) == "label_only":
        return True
    if getattr(release, "randomized", False) or not callable(release):
        return False
    generator = torch.Generator().manual_seed(0)
    logits = 3 * torch.randn(64, num_classes, generator=generator)
    try:
        with torch.no_grad():
            out = torch.as_tensor(release(logits, generator)).detach().cpu()
    except Exception:  # a release of one's own: probe_release says what is wrong with it
        return False
    if out.shape != logits.shape:
        return False
    return labels_only(out.float().numpy())


def warn_duplicates(data: Dataset, plan: MembershipPlan) -> int:
    """Say when samples the run uses have exact copies among them. The plan gives copies in
    the population the same memberships (`mia_defense.plan.copy_leaders`: a copy outside a
    model that trained on its twin read as a non-member, and the attacks understated the
    leak) and draws the test set and the reference split from rows that copy no population
    record first (a copy of a member overstated test accuracy, and put a member's features
    in the defenses that train on the reference split), but each copy counts once more in
    the attacks' figures. Returns how many have one."""
    used = np.concatenate([plan.population_idx, plan.test_idx, plan.reference_idx])
    groups = row_groups(data.x[used], overwrite=True)  # indexing made a copy
    copies = int(copied_rows(groups).sum())
    if copies:
        log.warning(
            "%s: %d of the %d samples this run uses have an exact copy among them (the same "
            "features); the plan makes copies in the population members of the same models "
            "and keeps copies of population records out of the test set and the reference "
            "split while other rows are left, but each copy counts again in the attacks' "
            "figures: deduplicate the data%s%s", data.description, copies, len(used),
            _copied_test_records(groups, plan), _copied_reference_records(groups, plan),
        )
    return copies


def _copied_test_records(groups: np.ndarray, plan: MembershipPlan) -> str:
    """What `warn_duplicates` adds when the test set holds copies of population records (too
    few other rows, or plan.test_size set; ``groups``: `row_groups` of the population, test
    and reference rows): each trained half of the models, so the test accuracy is overstated
    (10 distinct rows 120 times each: 0.736 on 300 test rows that all copy members of half
    the models), and nothing said the test set held any."""
    population = plan.population_size
    test = groups[population : population + len(plan.test_idx)]
    copied = int(np.isin(test, groups[:population]).sum())
    if not copied:
        return ""
    return (f"; and {copied} of the {len(plan.test_idx)} test records copy a population "
            "record (no other rows were left), each trained on by half of the models, so the "
            "test accuracy is overstated (or lower plan.test_size)")


def _copied_reference_records(groups: np.ndarray, plan: MembershipPlan) -> str:
    """What `warn_duplicates` adds when the reference split holds copies of population
    records (too few other rows were left; ``groups`` as `_copied_test_records`'): the
    defenses that train on it (distillation's students, advreg's non-members, early
    stopping's validation) then see members' features."""
    population = plan.population_size
    reference = groups[population + len(plan.test_idx):]
    copied = int(np.isin(reference, groups[:population]).sum())
    if not copied:
        return ""
    return (f"; and {copied} of the {len(plan.reference_idx)} reference records copy a "
            "population record (too few other rows were left beside the test set's), so the "
            "defenses that train on the reference split see members' features (or lower "
            "plan.reference_size or plan.test_size)")


def _grow_population(
    plan: MembershipPlan, rows: tuple[int, str] | None, *, population: int | None,
    test: int | None,
) -> tuple[str, str]:
    """What lets the population grow, and where the plan takes every sample of the data
    (``rows``: their count and the data's description) why plain 'raise
    plan.population_size' cannot (``population``, ``test``: the plan sizes given, ``None``
    for what is left): a 3-row CSV at train.batch_size=1 was told to raise it, and only the
    plan's refusal of the larger size said 'use more data'."""
    tests, reference = len(plan.test_idx), len(plan.reference_idx)
    spare = (rows[0] if rows else 0) - plan.population_size - tests - reference
    if rows is None or spare > 0 or (test is None and tests > 1):
        return "raise plan.population_size", ""
    splits = f"{plan.population_size} population, {tests} test" + (
        f", {reference} reference" if reference else "")
    taken = f" (the plan takes all {rows[0]} samples in {rows[1]}: {splits})"
    lower = " or ".join(key for key, left in (("plan.test_size", tests - 1),
                                              ("plan.reference_size", reference)) if left > 0)
    if not lower:
        return "use more data", taken
    return (f"lower {lower}" if population is None
            else f"raise plan.population_size and lower {lower}"), taken


def _check(
    experiment: Experiment, plan: MembershipPlan, *, num_classes: int,
    sample: tuple[np.ndarray, np.ndarray], reference_labels: np.ndarray | None = None,
    distinct: tuple[int, int] | None = None, rows: tuple[int, str] | None = None,
    planned_noise: bool = True, disk_dir: Path | None = None,
) -> None:
    """Stop a run whose settings cannot work before any model is trained (``sample``: a few
    population records, which DP-SGD's clipping norm is judged against; ``reference_labels``:
    the reference split's, which the defenses that train or validate on it are judged by;
    ``distinct``: where the population holds exact copies, how many distinct records it
    holds, and how many records before any canary; ``rows``: the data's samples and
    description, for `_grow_population`; ``planned_noise``: `prepare_data`'s)."""
    members = int(plan.masks.sum(axis=1).min())
    unique, records = distinct or (0, 0)
    if members == 0 and unique < records:
        # copies train the same models (the plan gives them one mask column): a population
        # of a few distinct rows leaves models without a member, whatever the batch size
        raise ConfigError(
            f"plan.population_size={records}, plan.num_models={plan.num_models}: a model of "
            f"the plan has no member, as the population's {records} records are exact copies "
            f"of {counted(unique, 'distinct one')} (the same features) and copies are members "
            "of the same models: deduplicate the data (check that its feature columns were "
            "read and not dropped, dataset.drop_columns), or raise plan.population_size where "
            "the data holds more distinct rows"
        )
    if experiment.train.batch_size > members:
        grow, taken = _grow_population(plan, rows, population=experiment.plan.population_size,
                                       test=experiment.plan.test_size)
        raise ConfigError(
            f"train.batch_size={experiment.train.batch_size} is larger than the smallest "
            f"member set ({counted(members, 'sample')}); lower it or {grow}"
            + ("; a model without members cannot train at any batch size: at "
               f"plan.population_size={plan.masks.shape[1]} and plan.num_models="
               f"{plan.num_models} the draw left one without a record, so {grow}"
               if members == 0 else "") + taken
        )
    if experiment.num_targets is not None and not 1 <= experiment.num_targets <= plan.num_models:
        raise ConfigError(
            f"attack.num_targets={experiment.num_targets}: must lie in [1, {plan.num_models}] "
            "(plan.num_models)"
        )
    for fpr in experiment.fprs:
        if not 0.0 < fpr < 1.0:
            raise ConfigError(f"attack.fprs contains {fpr}: every FPR must lie in (0, 1)")
    if not experiment.attacks:
        raise ConfigError("attack.attacks is empty: name at least one attack")
    if experiment.bootstrap < 0:
        raise ConfigError(f"attack.bootstrap={experiment.bootstrap}: must be >= 0 (0 = no CIs)")
    as_fraction(experiment.confidence, key="attack.confidence", note="e.g. 0.95")
    probe_release(experiment.release, num_classes=num_classes)  # (its check first)
    check_attacks(
        experiment.attacks,
        num_models=plan.num_models,
        num_classes=num_classes,
        targets=target_models(plan.num_models, experiment.num_targets),
    )
    if experiment.shadow_recipe not in SHADOW_RECIPES:
        raise ConfigError(
            f"attack.shadow_recipe={experiment.shadow_recipe!r}: choose from {SHADOW_RECIPES}"
        )
    defenses = list(experiment.build_defenses())  # one stack for the three checks
    check_defenses(defenses, reference_size=len(plan.reference_idx))
    if reference_labels is not None:
        warn_small_reference_split(defenses, reference_labels, num_classes=num_classes)
    warn_inactive_defenses(defenses, num_classes=num_classes)
    warn_dropout_twice(defenses, model=experiment.config.get("model") or {})
    warn_unused_physical_batches(defenses, engine=experiment.train.engine)
    warn_unaccounted_beside_dp(defenses, experiment.config.get("dataset") or {},
                               one_hot_columns=experiment.dataset.one_hot_columns)
    canaries = canaries_reason(kind=experiment.canary_kind, num=experiment.num_canaries,
                               audit=experiment.audit.input_canaries)  # fmt: skip
    if canaries is not None and any(isinstance(d, DPSGD) for d in defenses):
        log.warning("defense.dp: ε will not be a guarantee (privacy.epsilon_valid: false): %s",
                    canaries)  # fmt: skip
    check_user_fit(experiment.train, defenses=defenses)
    probe = _check_budget(experiment, plan, num_classes=num_classes, defenses=defenses,
                          disk_dir=disk_dir)
    sizes = [int(n) for n in plan.masks.sum(axis=1)]
    _refuse_frozen_weights(experiment, defenses, probe, sizes)
    _warn_clip_norm(experiment, defenses, probe, sample)
    if planned_noise:
        warn_planned_noise(experiment, plan, defenses)
    if experiment.audit.enabled:
        dp = next((d for d in defenses if isinstance(d, DPSGD)), None)
        warn_delta_terms(experiment.audit, models=plan.num_models, delta=None if dp is None
                         else max((dp.resolve_delta(n) for n in sizes if n > 0), default=None),
                         riding=experiment.audit.riding_canaries(
                             engine=experiment.train.engine, dp_sgd=dp is not None),
                         default_delta=dp is not None and dp.delta is None)


def warn_planned_noise(
    experiment: Experiment, plan: MembershipPlan, defenses: list | None = None
) -> None:
    """`warn_seeded_noise_tail` of the run's defenses (``defenses``: a stack built for the
    checks, else a new one) on ``plan``'s member counts: σ planned as training plans it,
    searched once and kept. None with train.fit, which trains without them."""
    if experiment.train.fit is not None:
        return
    warn_seeded_noise_tail(
        list(experiment.build_defenses()) if defenses is None else defenses,
        sizes=[int(n) for n in plan.masks.sum(axis=1)],
        batch_size=experiment.train.batch_size, epochs=experiment.train.epochs,
    )


# The records whose per-sample gradient norms DP-SGD's clipping norm is judged against.
_CLIP_PROBE_SAMPLES = 16


def _refuse_frozen_weights(
    experiment: Experiment, defenses: list, probe: torch.nn.Module, sizes: list[int]
) -> None:
    """Refuse a DP-SGD clipping norm so small that no weight of ``probe`` (target model 0
    at its initial weights; ``sizes``: the plan's member counts) can move
    (`DPSGD.frozen_weights_problem`): else mia-train defense=dp defense.dp.max_grad_norm=1e-30
    trains every model, then stops as a run of untrained models (exit 2). Only where
    the bound holds: DP-SGD alone, without train.fit, under Adam, AdamW or SGD without
    weight decay (which moves the weights itself)."""
    dp = defenses[0] if len(defenses) == 1 else None
    if (not isinstance(dp, DPSGD) or type(dp).__module__ != DPSGD.__module__
            or dp.max_grad_norm >= CLIP_RANGE[0] or experiment.train.fit is not None):
        return
    scale = _step_scale(experiment.train)
    if scale is None:
        return
    problem = dp.frozen_weights_problem(
        probe, sizes=sizes, extra=experiment.audit.gradient_canaries,
        batch_size=experiment.train.batch_size, epochs=experiment.train.epochs,
        step_scale=scale[0], under=scale[1],
    )
    if problem is not None:
        raise ConfigError(problem)


def _step_scale(train: TrainConfig) -> tuple[float, str] | None:
    """The most train.optimizer moves a weight in one step per unit of the gradient's
    largest coordinate, with its words, or ``None`` where that is not bounded so: Adam and
    AdamW, lr/eps (|m̂| is at most the largest gradient seen, √v̂ at least 0); SGD,
    lr/(1 - momentum) (its velocity sums the gradients geometrically, Nesterov's too); not
    with weight decay, nor another optimiser."""
    cls = optimizer_class(train.optimizer)
    given = optimizer_options(train.optimizer)
    try:
        lr = float(given.get("lr", train.lr))
        if float(given.get("weight_decay", train.weight_decay)) != 0 or not lr > 0:
            return None
        if cls in (torch.optim.Adam, torch.optim.AdamW):
            eps = float(given.get("eps", inspect.signature(cls).parameters["eps"].default))
            return (lr / eps, f"under {cls.__name__}: lr {lr:g} divided by its eps {eps:g}"
                    ) if eps > 0 else None  # fmt: skip
        if cls is torch.optim.SGD:
            momentum = float(given.get("momentum", train.momentum))
            if float(given.get("dampening", 0.0)) < 0 or not 0 <= momentum < 1:
                return None
            return (lr / (1 - momentum),
                    f"under SGD: lr {lr:g} divided by 1 - momentum {momentum:g}")
    except (TypeError, ValueError):
        return None
    return None


def _warn_clip_norm(
    experiment: Experiment, defenses: list, probe: torch.nn.Module,
    sample: tuple[np.ndarray, np.ndarray],
) -> None:
    """`warn_meaningless_clip_norm` with the per-sample gradient norms of ``probe`` (a
    model as built for the run, at its initial weights) on ``sample``; without them (a
    model whose loss cannot be taken on its own: the training says why) the fixed range."""
    norms: list[float] = []
    if any(isinstance(d, DPSGD) for d in defenses):
        x, y = (torch.as_tensor(a) for a in sample)
        try:
            norms = initial_grad_norms(probe, x, y.long())
        except Exception:
            norms = []
    warn_meaningless_clip_norm(defenses, norms=[n for n in norms if math.isfinite(n)],
                               optimizer=experiment.train.optimizer,
                               batch_size=experiment.train.batch_size)  # fmt: skip


def _check_budget(
    experiment: Experiment, plan: MembershipPlan, *, num_classes: int, defenses: list,
    disk_dir: Path | None = None,
) -> torch.nn.Module:
    """Refuse a plan whose memory or training time could never fit (e.g. K=100000, or
    defense.advreg.attack_steps=10**30: the defenses' own training counts too). A model
    too large is refused before it is built, by its count on the meta device
    (`ModelBuilder.meta_parameter_count`); the real build (its checks) then counts. The
    build, returned for `_warn_clip_norm`, has target model 0's initial weights (as
    `start_models` seeds it): a function of the run's seed, neither read from nor drawn
    out of torch's global random state."""
    build = experiment.build_model
    shape = experiment.dataset.input_shape
    counted = (build.meta_parameter_count(input_shape=shape, num_classes=num_classes)
               if isinstance(build, ModelBuilder) else None)  # fmt: skip
    if counted is not None:  # a model too large is refused before it is built
        _check_budget_of(experiment, plan, num_classes=num_classes, defenses=defenses,
                         num_params=counted, disk_dir=disk_dir)  # fmt: skip
    with global_torch_seeded(experiment.seed, TARGETS_STAGE, 0):  # target model 0's start
        probe = build(input_shape=shape, num_classes=num_classes)
    num_params = sum(p.numel() for p in probe.parameters())
    # again with the build's activations (`floats_per_row`: one forward of two rows, with hooks):
    # the CNN on 8x8 digits peaked 963 MB where its weights and outputs came to 50 MB; and
    # with the attacks' own memory, here only, so that it is refused beside the run's own
    _check_budget_of(experiment, plan, num_classes=num_classes, defenses=defenses,
                     num_params=num_params, probe=probe,
                     attack_memory=_attack_memory(experiment, plan, num_classes=num_classes),
                     disk_dir=disk_dir)
    return probe


def _check_budget_of(
    experiment: Experiment, plan: MembershipPlan, *, num_classes: int, defenses: list,
    num_params: int, probe: torch.nn.Module | None = None, attack_memory: Sequence[Work] = (),
    disk_dir: Path | None = None,
) -> None:
    """`_check_budget` for models of ``num_params`` parameters, counting the optimizer state
    of ``train.chunk_size`` models (null: 32) trained at once; where that is refused, of as
    many as the training will stack (`stack_width`: one at a time on a CPU for a large model
    under null, opacus, a model that cannot be stacked), asked of ``probe`` (``None``, before
    the build: one; the check is made again with the model)."""
    nominal = experiment.train.chunk_size or CHUNK_SIZE
    floats = 0 if probe is None else _probe_row_floats(experiment, probe)
    try:
        _check_budget_at(experiment, plan, num_classes=num_classes, defenses=defenses,
                         num_params=num_params, chunk_size=nominal, row_floats=floats,
                         attack_memory=attack_memory, disk_dir=disk_dir)  # fmt: skip
        return
    except ConfigError:
        width = 1 if probe is None else _stacked_width(experiment, probe)
        if width >= nominal:
            raise
    _check_budget_at(experiment, plan, num_classes=num_classes, defenses=defenses,
                     num_params=num_params, chunk_size=width, row_floats=floats,
                     attack_memory=attack_memory, disk_dir=disk_dir)  # fmt: skip


def _attack_memory(experiment: Experiment, plan: MembershipPlan, *, num_classes: int
                   ) -> list[Work]:
    """What the run's Shokri attacks hold at once once the models are trained (their
    float64 features, `feature_bytes`, by the plan's masks and each one's folds and
    max_train_samples): mia-train dataset=texas_like dataset.num_samples=6000
    dataset.num_features=100 dataset.num_classes=3000 plan.population_size=3000
    plan.test_size=100 model=logistic passed the check at 1.6 GB (the run's peak: 1.56 GB),
    trained every model, then needed 1.08 GB of features beside 615 MB of outputs and
    models (and gradient boosting some 4 times the features) in the attack stage. And the
    time of each one's largest fit (`fit_seconds`: at 5000 classes 189 s of a 214 s run).
    (`shokri.budget_work`: mia-attack counts the same of its observations.)"""
    targets = target_models(plan.num_models, experiment.num_targets)
    # and the label-only attack's copies of the queries' predictions (`label_only.
    # budget_work`, as mia-attack's): with '~attack.attacks.lira_online_augmented' none of
    # the augmented queries' working copies was counted (h500)
    return [*budget_work(experiment.attacks, plan.masks, targets, num_classes=num_classes,
                         planned=True),
            *label_only_work(experiment.attacks, num_models=plan.num_models,
                             num_augmented=experiment.queries.num_augmented,
                             num_records=plan.population_size)]  # fmt: skip


def _probe_row_floats(experiment: Experiment, probe: torch.nn.Module) -> int:
    """Floats one input row takes in ``probe``'s forward (`mia_defense.observe.floats_per_row`,
    on two rows of zeros of the dataset's input shape; 0 where it cannot say: an odd input,
    token ids, leaves the activations uncounted)."""
    from mia_defense.observe import floats_per_row  # (not at start-up: the check's alone)

    return floats_per_row(probe, torch.zeros((2, *experiment.dataset.input_shape)))


def _stacked_width(experiment: Experiment, probe: torch.nn.Module) -> int:
    """How many models like ``probe`` the training stacks at once (`stack_width` of the
    engine `choose_engine` picks for them on the run's device)."""
    config = experiment.train
    device = resolve_device(config.device)
    engine, fallback, _ = choose_engine(config, [probe], experiment.dataset.input_shape, device)
    return stack_width(config, engine, fallback)


def _check_budget_at(
    experiment: Experiment, plan: MembershipPlan, *, num_classes: int, defenses: list,
    num_params: int, chunk_size: int, row_floats: int = 0, attack_memory: Sequence[Work] = (),
    disk_dir: Path | None = None,
) -> None:
    """`check_budget` of the run, ``chunk_size`` models training at once, ``row_floats`` per
    input row in one model's forward (0: not known), ``attack_memory`` the attacks'
    (`_attack_memory`)."""
    # (K more models, only where trained: `attacks_for_recipe`'s own question)
    undefended = trains_undefended_shadows(experiment.shadow_recipe, defenses)
    # early stopping may end sooner (the undefended shadow models train every epoch)
    trained = None if undefended else earliest_stop(defenses, experiment.train.epochs)
    extra = defense_work(defenses, WorkShape(
        num_models=plan.num_models,
        members=int(plan.masks.sum(axis=1).min()),
        reference_size=len(plan.reference_idx),
        num_classes=num_classes,
        num_params=num_params,
        epochs=experiment.train.epochs,
        batch_size=experiment.train.batch_size,
        chunk_size=chunk_size,
        trained_epochs=trained,
    ))  # fmt: skip
    dp = any(isinstance(d, DPSGD) for d in defenses)
    batch = experiment.train.batch_size
    if dp and experiment.train.engine != "opacus":
        # the stacked engine's per-sample gradients of a chunk's batch, formed a bounded share
        # at a time: 8 MLPs of 4.3M parameters peaked 311 MB over the same run without DP
        extra = [*extra, Work(
            key="train.batch_size", value=batch, flops=0, steps=0,
            what="DP-SGD's per-sample gradients (train.engine=stacked)",
            memory=min(BOUNDED_BYTES, 4 * min(plan.num_models, chunk_size) * batch * num_params),
        )]  # fmt: skip
    check_budget(
        num_models=plan.num_models * (2 if undefended else 1),
        population_size=plan.population_size,
        test_size=len(plan.test_idx),
        num_classes=num_classes,
        num_params=num_params,
        num_augmented=experiment.queries.num_augmented,
        epochs=experiment.train.epochs,
        batch_size=experiment.train.batch_size,
        chunk_size=chunk_size,
        device=resolve_device(experiment.train.device).type,
        extra=extra,
        trained_epochs=trained,
        eval_every=experiment.train.eval_every,
        # two float32 copies (Opacus' grad_sample and its scaled one; Poisson batches run
        # over the mean): 8 MLPs of 4.3M parameters at 64 peaked 2.2 copies over the rest
        per_sample_bytes=2 * 4 * num_params * batch if experiment.train.engine == "opacus" and dp
        else 0,
        row_floats=row_floats,
        attack_memory=attack_memory,
        # LiRA's working copies of the augmented queries, where an attack makes them: the
        # queries alone (made for the observations) refused '~attack.attacks.lira_online_
        # augmented' for the copies' 60 bytes a cell at K=2 beside their own 10 (h498)
        augmented_attack=bool(augmented_attacks(experiment.attacks)),
        disk_dir=disk_dir,
        # the attacks' copy of those shadows' outputs, per target (h505)
        shadow_models=plan.num_models if undefended else 0,
        white_box=experiment.white_box,  # (their gradient norms and the copy's, h514)
    )

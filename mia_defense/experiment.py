"""The one pipeline: plan, train, release, observe, attack, evaluate, record."""

from __future__ import annotations

import hashlib
import logging
import math
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from mia_defense.attacks.base import WHITE_BOX
from mia_defense.attacks.references import target_models
from mia_defense.attacks.runner import (
    Attack,
    AttackResult,
    EvaluationConfig,
    check_attacks,
    run_attacks,
    strongest,
)
from mia_defense.attacks.shadow import SHADOW_RECIPES, with_shadow_observations
from mia_defense.audit import AuditConfig, audit_report, audit_training, with_audit_canaries
from mia_defense.budget import check_budget
from mia_defense.canaries import insert_canaries
from mia_defense.code_digest import code_digest
from mia_defense.data.checks import check_classes_repeat, duplicate_count
from mia_defense.data.dataset import Dataset
from mia_defense.defenses.base import TrainingDefense
from mia_defense.defenses.compose import check_defenses, prepare_model
from mia_defense.defenses.release import FullRelease, Release
from mia_defense.errors import ConfigError, DivergedError
from mia_defense.metrics.epsilon import empirical_epsilon
from mia_defense.metrics.records import record_vulnerability, slice_metrics
from mia_defense.metrics.roc import DEFAULT_FPRS
from mia_defense.observations import Observations, QueryConfig
from mia_defense.observe import gradient_norms, observe, observe_augmented
from mia_defense.plan import MembershipPlan, make_plan
from mia_defense.run_fingerprint import config_fingerprint
from mia_defense.seeding import torch_generator
from mia_defense.store import ModelStore, store_key
from mia_defense.timing import Stopwatch
from mia_defense.tracking.artifacts import SCHEMA_VERSION, write_json, write_npz
from mia_defense.tracking.run_dir import mark_run
from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.checkpoints import (
    CHECKPOINTS,
    UNDEFENDED_CHECKPOINTS,
    check_checkpoint_dir,
)
from mia_defense.training.config import CHUNK_SIZE, TrainConfig
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.loop import Ensemble, ModelHistory
from mia_defense.user_fit import check_user_fit, train_with_user_fit

__all__ = [
    "Experiment",
    "PlanConfig",
    "RunFacts",
    "RunResult",
    "TrainingData",
    "attack_observations",
    "prepare_data",
    "record_run",
    "released_accuracy",
    "run_experiment",
]

log = logging.getLogger(__name__)



@dataclass
class PlanConfig:
    """Sizes of the splits and the number of models K."""

    num_models: int = 16
    population_size: int | None = 1000
    test_size: int | None = None
    reference_size: int = 0


@dataclass
class Experiment:
    """Everything one run needs, already built from the config (no DictConfig below here).

    Attributes:
        dataset: the data.
        build_model: ``build_model(input_shape=..., num_classes=...)`` returns a fresh module.
        train: training settings.
        plan: split sizes and K.
        attacks: name -> attack function ``(observations, targets) -> scores [T, N]``.
        seed: the one seed of the run.
        build_defenses: returns fresh training-time defenses for one model.
        release: the output mechanism the attacks and the utility metrics see.
        num_targets: how many models to attack (``None``: all K, at most 16).
        fprs: FPRs at which TPR is reported.
        hparams: flat hyperparameters for TensorBoard's HParams tab.
        config: the resolved config, stored in results.json.
        shadow_recipe: ``same`` (shadow/reference models carry the target's training-time
            defenses: an adaptive attacker) or ``undefended`` (K more models are trained on
            the same masks without them and serve as every target's shadows).
        bootstrap: resamples for the confidence intervals (0 = none).
        confidence: level of the intervals and of the empirical ε lower bound.
        queries: queries on perturbed copies (label-only attack, LiRA augmented).
        white_box: compute per-sample gradient norms (the gradient_norm attack).
        num_canaries: canaries appended to the population (0 = none).
        canary_kind: ``mislabeled`` or ``outlier``.
        cache_dir: the model store shared by runs (`mia_defense.store`): trained
            ensembles are taken from it instead of trained again; ``None``: off.
        audit: the one-run audit (``attack.audit``, `mia_defense.audit`).
    """

    dataset: Dataset
    build_model: Callable[..., nn.Module]
    train: TrainConfig
    plan: PlanConfig
    attacks: Mapping[str, Attack]
    seed: int = 0
    build_defenses: Callable[[], Sequence[TrainingDefense]] = tuple
    release: Release = field(default_factory=FullRelease)
    num_targets: int | None = None
    fprs: Sequence[float] = DEFAULT_FPRS
    hparams: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    shadow_recipe: str = "same"
    bootstrap: int = 200
    confidence: float = 0.95
    queries: QueryConfig = field(default_factory=QueryConfig)
    white_box: bool = False
    num_canaries: int = 0
    canary_kind: str = "mislabeled"
    cache_dir: Path | None = None
    audit: AuditConfig = field(default_factory=AuditConfig)


@dataclass
class RunResult:
    """What a run measured; written to results.json.

    Attributes:
        utility: mean over models of train/test accuracy and loss, and the gap.
        attacks: name -> {access, auc, tpr@fpr..., advantage, seconds, chosen settings}.
        strongest_attack: the black-box attack (label or released-output access) with the
            highest TPR at the lowest FPR: the run's verdict; ``None`` when none ran.
        defense: the training-time defenses' and release's settings.
        privacy: accountant figures reported by the defenses (e.g. ``epsilon``).
        wall_seconds: the run's wall time.
        timings: seconds per pipeline stage (data, training, observation, attacker's
            models, attacks and bootstrap, scores.npz, tensorboard).
        training: the engine that trained the target models (``stacked`` or ``opacus``)
            and, when they could not train stacked, ``fallback_reason``; ``reused``: the
            models taken from the model store, and ``store``: its directory and keys.
        strongest_white_box_attack: the strongest attack that reads the weights, reported
            apart (no release lets weights out); ``None`` when none ran.
        nonmember_scores: how many non-member scores the metrics pool (targets x records
            out of each target's training set, canaries aside): an FPR below 1 / this count
            is not resolved (`unresolved_fprs`).
        epsilon_evidence: ``(lower bound on ε, what found it)`` that may refute a DP claim
            (`_check_claim`): the attacks' highest bound, corrected for their number.
    """

    utility: dict[str, float]
    attacks: dict[str, dict[str, Any]]
    strongest_attack: str | None
    defense: dict[str, Any]
    privacy: dict[str, Any]
    wall_seconds: float
    strongest_white_box_attack: str | None = None
    attack_results: dict[str, AttackResult] = field(repr=False, default_factory=dict)
    slices: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    most_vulnerable: list[dict[str, Any]] = field(default_factory=list)
    training: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    nonmember_scores: int | None = None
    epsilon_evidence: list[tuple[float, str]] = field(default_factory=list, repr=False)

    @property
    def utility_below_chance(self) -> bool:
        """Accuracy not above the majority class's: such a run gets no privacy verdict. The
        test accuracy, or the members' own for observations without a test set (outputs that
        do not predict even their training labels: a model that learned nothing, or labels
        that do not belong to the outputs)."""
        _, accuracy = judged_accuracy(self.utility)
        return bool(accuracy <= self.utility["chance_accuracy"])

    def headline(self, fpr: float) -> float:
        """The strongest black-box attack's TPR at ``fpr``: the run's privacy figure (NaN
        when no black-box attack ran)."""
        if self.strongest_attack is None:
            return float("nan")
        return self.attacks[self.strongest_attack][fpr_key(fpr)]


def fpr_key(fpr: float) -> str:
    """The results.json key of the TPR at ``fpr``, e.g. ``tpr@0.1%fpr``."""
    return f"tpr@{fpr * 100:g}%fpr"


def _check(experiment: Experiment, plan: MembershipPlan, *, num_classes: int) -> None:
    """Stop a run whose settings cannot work before any model is trained."""
    members = int(plan.masks.sum(axis=1).min())
    if experiment.train.batch_size > members:
        raise ConfigError(
            f"train.batch_size={experiment.train.batch_size} is larger than the smallest "
            f"member set ({members} samples); lower it or raise plan.population_size"
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
    if not 0.0 < experiment.confidence < 1.0:
        raise ConfigError(f"attack.confidence={experiment.confidence}: must lie in (0, 1)")
    experiment.release.check(num_classes=num_classes)
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
    check_defenses(experiment.build_defenses(), reference_size=len(plan.reference_idx))
    check_user_fit(experiment.train, defenses=list(experiment.build_defenses()))
    _check_budget(experiment, plan, num_classes=num_classes)


def _check_budget(experiment: Experiment, plan: MembershipPlan, *, num_classes: int) -> None:
    """Refuse a plan whose memory or training time could never fit (e.g. K=100000)."""
    with torch.random.fork_rng(devices=[]):
        probe = experiment.build_model(input_shape=experiment.dataset.input_shape,
                                       num_classes=num_classes)
    undefended = experiment.shadow_recipe == "undefended"
    check_budget(
        num_models=plan.num_models * (2 if undefended else 1),
        population_size=plan.population_size,
        test_size=len(plan.test_idx),
        num_classes=num_classes,
        num_params=sum(p.numel() for p in probe.parameters()),
        num_augmented=experiment.queries.num_augmented,
        epochs=experiment.train.epochs,
        batch_size=experiment.train.batch_size,
        chunk_size=experiment.train.chunk_size or CHUNK_SIZE,
        device=experiment.train.device,
    )


def judged_accuracy(utility: Mapping[str, Any]) -> tuple[str, float]:
    """The accuracy held against chance: ``("test", ...)``, or ``("member", ...)`` when
    there is no test set."""
    test = utility.get("test_accuracy")
    if test is None or math.isnan(test):
        return "member", float(utility["train_accuracy"])
    return "test", float(test)


def released_accuracy(
    obs: Observations, log_probs_test: np.ndarray | None, y_test: np.ndarray | None
) -> dict[str, float]:
    """Accuracy on the released outputs: members vs held-out test set, averaged over models;
    ``chance_accuracy`` is what always answering the majority class scores, on the test set
    (on the population without one; the test figures are then NaN)."""
    train_acc = [
        float((obs.log_probs[k, obs.masks[k]].argmax(-1) == obs.labels[obs.masks[k]]).mean())
        for k in range(obs.num_models)
    ]
    if log_probs_test is None or y_test is None or not len(y_test):
        test_acc = np.array([np.nan])
        chance = float(np.bincount(obs.labels).max() / len(obs.labels))
    else:
        test_acc = (log_probs_test.argmax(-1) == y_test[None]).mean(axis=1)
        counts = np.bincount(y_test, minlength=obs.num_classes)
        chance = float(counts.max() / len(y_test))
    return {
        "train_accuracy": float(np.mean(train_acc)),
        "test_accuracy": float(np.mean(test_acc)),
        "test_accuracy_std": float(np.std(test_acc)),
        "generalization_gap": float(np.mean(train_acc) - np.mean(test_acc)),
        "chance_accuracy": chance,
    }


def _utility(
    ensemble: Ensemble, log_probs_test: np.ndarray, y_test: np.ndarray, obs: Observations
) -> dict[str, float]:
    """`released_accuracy`, with the losses and epochs of the models' training histories."""
    accuracy = released_accuracy(obs, log_probs_test, y_test)
    finals = [h.final for h in ensemble.histories]
    return {
        **{k: accuracy[k] for k in ("train_accuracy", "test_accuracy", "test_accuracy_std",
                                    "generalization_gap")},
        "train_loss": float(np.mean([r.train_loss for r in finals])),
        "test_loss": float(np.mean([r.test_loss for r in finals])),
        "epochs_trained": float(np.mean([len(h.epoch_stats) for h in ensemble.histories])),
        "chance_accuracy": accuracy["chance_accuracy"],
    }


def _attack_summary(result: AttackResult, fprs: Sequence[float]) -> dict[str, Any]:
    """Flat figures of one attack: its access, AUC and TPR@FPR each with its CI, advantage,
    ε bound, and each setting it chose on its references (mean, min, max over targets)."""
    summary: dict[str, Any] = {"access": result.access, "auc": result.metrics.auc}
    ci = result.intervals
    if ci is not None:
        summary.update({"auc_ci_low": ci.auc[0], "auc_ci_high": ci.auc[1]})
    for f in fprs:
        summary[fpr_key(f)] = result.metrics.tpr_at_fpr[f]
        if ci is not None:
            summary[f"{fpr_key(f)}_ci_low"], summary[f"{fpr_key(f)}_ci_high"] = ci.tpr_at_fpr[f]
    summary["advantage"] = result.metrics.advantage
    summary["empirical_epsilon"] = result.epsilon_lower_bound
    summary["seconds"] = result.seconds
    for key, values in result.chosen.items():
        summary[key] = float(np.mean(values))
        summary[f"{key}_min"], summary[f"{key}_max"] = float(np.min(values)), float(np.max(values))
    return summary


def _record_views(
    results: Mapping[str, AttackResult],
    obs: Observations,
    *,
    is_canary: np.ndarray,
    population_idx: np.ndarray,
    fprs: Sequence[float],
    strongest_name: str,
    top: int = 10,
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, dict[str, float]]], list[dict[str, Any]]]:
    """Per-record vulnerability [N] per attack, per-slice metrics, the most vulnerable records."""
    vulnerability, slices = {}, {}
    regular = ~is_canary
    groups = {f"class_{c}": regular & (obs.labels == c) for c in np.unique(obs.labels)}
    if is_canary.any():
        groups["canaries"] = is_canary
    for name, r in results.items():
        truth = obs.masks[r.targets]
        vulnerability[name] = record_vulnerability(r.scores, truth)
        slices[name] = slice_metrics(r.scores, truth, groups, fprs=fprs)
    record_auc = vulnerability[strongest_name]
    order = [int(n) for n in np.argsort(-np.nan_to_num(record_auc, nan=-1.0))[:top]]
    worst = [
        {
            "record": n,
            "dataset_index": int(population_idx[n]),
            "label": int(obs.labels[n]),
            "canary": bool(is_canary[n]),
            "record_auc": float(record_auc[n]),
        }
        for n in order
    ]
    return vulnerability, slices, worst


@dataclass(frozen=True)
class TrainingData:
    """The arrays a run trains, queries and tests on: fixed by the config and the dataset.

    Attributes:
        dataset: the data after canaries were appended.
        plan: the membership plan (indices into ``dataset``, masks [K, N]).
        is_canary: [N] which population records are canaries.
        fingerprint: a content hash of the population, masks, test and reference arrays:
            checkpoints and finished runs are reused only on exactly these arrays.
    """

    dataset: Dataset
    plan: MembershipPlan
    is_canary: np.ndarray
    fingerprint: str

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


def prepare_data(experiment: Experiment) -> TrainingData:
    """Draw the plan, append the canaries and check the settings against them (no training)."""
    data = experiment.dataset
    check_classes_repeat(data.y, source=data.description)
    plan = make_plan(
        data,
        num_models=experiment.plan.num_models,
        population_size=experiment.plan.population_size,
        test_size=experiment.plan.test_size,
        reference_size=experiment.plan.reference_size,
        seed=experiment.seed,
    )
    _warn_duplicates(data, plan)
    is_canary = np.zeros(plan.population_size, dtype=bool)
    if experiment.num_canaries:
        inserted = insert_canaries(
            data, plan, num=experiment.num_canaries, kind=experiment.canary_kind,
            seed=experiment.seed,
        )
        data, plan, is_canary = inserted.dataset, inserted.plan, inserted.is_canary
    audited = with_audit_canaries(  # the one-run audit's input canaries (none without it)
        experiment.audit, data, plan, is_canary, kind=experiment.canary_kind,
        seed=experiment.seed,
    )
    data, plan, is_canary = audited.dataset, audited.plan, audited.is_canary
    _check(experiment, plan, num_classes=data.num_classes)
    splits = [data.x[plan.population_idx], data.y[plan.population_idx], plan.masks]
    for idx in (plan.test_idx, plan.reference_idx):
        splits += [data.x[idx], data.y[idx]]
    return TrainingData(
        dataset=data, plan=plan, is_canary=is_canary, fingerprint=_content_hash(*splits)
    )


def _warn_duplicates(data: Dataset, plan: MembershipPlan) -> None:
    """Say when samples the run uses have exact copies among them: a copy on the other side
    of a model's membership reads as a member, so the attacks understate the leak (and a
    copy of a member in the test set overstates test accuracy)."""
    used = np.concatenate([plan.population_idx, plan.test_idx, plan.reference_idx])
    copies = duplicate_count(data.x[used])
    if copies:
        log.warning(
            "%s: %d of the %d samples this run uses have an exact copy among them (the same "
            "features); copies on both sides of a model's membership make the attacks "
            "understate the leak and test accuracy overstate utility: deduplicate the data",
            data.description, copies, len(used),
        )


def _divergence_hint(experiment: Experiment) -> str:
    """The settings that most often make training diverge, with this run's values."""
    train = experiment.train
    causes = [f"train.lr={train.lr:g}"]
    if train.weight_decay:
        causes.append(f"train.weight_decay={train.weight_decay:g}")
    if train.optimizer == "sgd":
        causes.append(f"train.momentum={train.momentum:g}")
    for name, value in _defense_hparams(experiment).items():
        if name.endswith(("max_grad_norm", "noise_multiplier", "temperature", "alpha")):
            causes.append(f"{'' if name.startswith('release.') else 'defense.'}{name}={value}")
    return "likely cause: " + ", ".join(causes) + " (lower the learning rate first)"


def _check_released(
    log_probs: np.ndarray, *, what: str, release: Release | None = None
) -> None:
    """Released log-probabilities must be finite or -inf (a withheld value), never NaN/+inf,
    and every row must release at least one finite value (the packaged releases always
    let a class through, so such a row comes from the models' numbers or from ``release``)."""
    if np.isnan(log_probs).any() or np.isposinf(log_probs).any():
        raise DivergedError(f"the released outputs on the {what} contain NaN or +inf")
    if not np.isfinite(log_probs).any(axis=-1).all():
        name = f"release={release.name}" if release is not None else "the release"
        raise DivergedError(
            f"a released output on the {what} withholds every class ({name} must let at "
            "least one class through to every query)"
        )


def run_experiment(
    experiment: Experiment,
    run_dir: Path,
    *,
    data: TrainingData | None = None,
    progress: bool = True,
) -> RunResult:
    """Run the whole pipeline and write results.json, observations.npz, scores.npz, tb/.

    The caller owns ``run_dir`` (`mia_defense.tracking.run_dir.claim_run_dir`). results.json
    says ``running`` from the start, ``interrupted`` after Ctrl-C, ``diverged`` (and the run
    stops with a `DivergedError`) when training or the release gave non-finite numbers.
    """
    start = time.perf_counter()
    run_dir = Path(run_dir)
    stopwatch = Stopwatch()
    with stopwatch.stage("data"):
        data = data or prepare_data(experiment)
    fingerprint = config_fingerprint(
        experiment.config, data=data.fingerprint, code=code_digest(experiment.config)
    )
    for folder in (CHECKPOINTS, UNDEFENDED_CHECKPOINTS):  # refused before anything is written
        check_checkpoint_dir(run_dir / folder, fingerprint=fingerprint)
    mark = {"config": experiment.config, "data_fingerprint": data.fingerprint}
    mark_run(run_dir, status="running", **mark)
    try:
        return _run_pipeline(
            experiment, run_dir, data, fingerprint=fingerprint, progress=progress, start=start,
            stopwatch=stopwatch,
        )
    except DivergedError as exc:
        reason = f"{exc}; {_divergence_hint(experiment)}"
        mark_run(run_dir, status="diverged", diverged={"reason": reason}, **mark)
        raise DivergedError(f"training diverged: {reason}") from None
    except KeyboardInterrupt:
        mark_run(run_dir, status="interrupted", **mark)
        raise


def _run_pipeline(
    experiment: Experiment,
    run_dir: Path,
    data: TrainingData,
    *,
    fingerprint: str | None,
    progress: bool,
    start: float,
    stopwatch: Stopwatch,
) -> RunResult:
    """The stages in order: train, release, attack, summarise, record (each one timed)."""
    store = _model_store(experiment)
    with (
        stopwatch.stage("training"),
        audit_training(experiment.audit, seed=experiment.seed) as gradient_canaries,
    ):
        ensemble = _train(
            experiment, data, run_dir / CHECKPOINTS, stage="model", defended=True,
            fingerprint=fingerprint, progress=progress, store=store,
        )
    with stopwatch.stage("observation"):
        generator = torch_generator(experiment.seed, "release")  # population, then test set
        obs = _release(experiment, data, ensemble.models, generator=generator, stage="release")
        test_log_probs = _release_test(experiment, data, ensemble.models, generator=generator)
        obs.save(
            run_dir / "observations.npz",
            is_canary=data.is_canary,
            population_idx=data.plan.population_idx,
            test_idx=data.plan.test_idx,
        )
    with stopwatch.stage("attacker's models"):
        attacks = _attacks_for(
            experiment, data, run_dir, fingerprint=fingerprint, progress=progress, store=store
        )
    with stopwatch.stage("attacks and bootstrap"):
        result, vulnerability = _attack(experiment, data, ensemble, obs, test_log_probs, attacks)
    result.training.update(store.summary() if store else {"reused": 0, "store": None})
    if experiment.audit.enabled:  # the one-run audit's bounds beside the accountant's ε
        result.privacy["audit"] = audit_report(
            experiment.audit, obs=obs, white_box=gradient_canaries, privacy=result.privacy,
            confidence=experiment.confidence, run_dir=run_dir,
        )
        _check_claim(result.privacy, [*result.epsilon_evidence, *_audit_evidence(result.privacy)])
    record_run(
        run_dir, result, vulnerability, obs, facts=_run_facts(experiment, data),
        targets=_targets(experiment, data), is_canary=data.is_canary,
        histories=ensemble.histories, stopwatch=stopwatch, start=start,
    )
    return result


def _train(
    experiment: Experiment,
    data: TrainingData,
    checkpoint_dir: Path,
    *,
    stage: str,
    defended: bool,
    fingerprint: str | None,
    progress: bool,
    store: ModelStore | None = None,
) -> Ensemble:
    """Train the K models of the plan: with the recipe's defenses (``defended``; the
    targets and an adaptive attacker's shadows) or without (a naive attacker's shadows);
    through the model ``store`` when there is one (then trained once per sweep)."""
    plan = data.plan
    x_pop, y_pop = data.split(plan.population_idx)
    x_test, y_test = data.split(plan.test_idx)
    x_ref, y_ref = data.split(plan.reference_idx)

    def build_model() -> nn.Module:
        model = experiment.build_model(
            input_shape=data.dataset.input_shape, num_classes=data.dataset.num_classes
        )
        return prepare_model(model, experiment.build_defenses()) if defended else model

    def train() -> Ensemble:
        common = dict(
            build_model=build_model, x=x_pop, y=y_pop, masks=plan.masks, x_test=x_test,
            y_test=y_test, num_classes=data.dataset.num_classes, config=experiment.train,
            seed=experiment.seed, checkpoint_dir=checkpoint_dir, stage=stage,
            progress=progress, fingerprint=fingerprint,
        )  # fmt: skip
        if experiment.train.fit is not None:  # the user's own training replaces the engine
            return train_with_user_fit(**common)
        return train_ensemble(
            **common, build_defenses=experiment.build_defenses if defended else tuple,
            x_reference=x_ref, y_reference=y_ref,
        )

    if store is None:
        return train()
    key = store_key(experiment.config, data=data.fingerprint, stage=stage, defended=defended)
    return store.train_once(
        key, train, checkpoint_dir=checkpoint_dir, fingerprint=fingerprint,
        num_models=plan.num_models, stage=stage,
    )


def _model_store(experiment: Experiment) -> ModelStore | None:
    """The model store of ``cache_dir``; ``None`` when it is off, or when the one-run
    audit's gradient canaries ride on training (observed, and added, as the models train:
    models from the store would carry none)."""
    if experiment.cache_dir is None:
        return None
    if experiment.audit.dirac_canaries:
        log.info("model store not used: the one-run audit's gradient canaries need training")
        return None
    return ModelStore(Path(experiment.cache_dir))


def _release(
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
            check=lambda released: _check_released(
                released, what="perturbed queries", release=experiment.release
            ),
        )
    log_probs = observe(models, x, release=experiment.release, generator=generator,
                        repeats=experiment.queries.repeats)
    _check_released(log_probs, what="population", release=experiment.release)
    return Observations(
        log_probs=log_probs,
        labels=y,
        masks=data.plan.masks,
        augmented_logits=augmented_logits,
        augmented_predictions=augmented_predictions,
        grad_norms=gradient_norms(models, x, y) if experiment.white_box else None,
    )


def _release_test(
    experiment: Experiment,
    data: TrainingData,
    models: Sequence[nn.Module],
    *,
    generator: torch.Generator,
) -> np.ndarray:
    """Released log-probabilities [K, T, C] on the test set (utility)."""
    x_test, _ = data.split(data.plan.test_idx)
    log_probs = observe(models, x_test, release=experiment.release, generator=generator)
    _check_released(log_probs, what="test set", release=experiment.release)
    return log_probs


def _attacks_for(
    experiment: Experiment,
    data: TrainingData,
    run_dir: Path,
    *,
    fingerprint: str | None,
    progress: bool,
    store: ModelStore | None = None,
) -> Mapping[str, Attack]:
    """The configured attacks; a naive attacker's (``shadow_recipe=undefended``) read the
    outputs of K more models trained on the same masks without the defenses."""
    if experiment.shadow_recipe != "undefended" or not list(experiment.build_defenses()):
        return experiment.attacks
    shadows = _train(
        experiment, data, run_dir / UNDEFENDED_CHECKPOINTS, stage="undefended", defended=False,
        fingerprint=fingerprint, progress=progress, store=store,
    )
    stage = "release_undefended"
    shadow_obs = _release(
        experiment, data, shadows.models, generator=torch_generator(experiment.seed, stage),
        stage=stage,
    )
    return with_shadow_observations(experiment.attacks, shadow_obs)


def _targets(experiment: Experiment, data: TrainingData) -> np.ndarray:
    return target_models(data.plan.num_models, experiment.num_targets)


def _attack(
    experiment: Experiment,
    data: TrainingData,
    ensemble: Ensemble,
    obs: Observations,
    test_log_probs: np.ndarray,
    attacks: Mapping[str, Attack],
) -> tuple[RunResult, dict[str, np.ndarray]]:
    """mia-train's attack stage: `attack_observations` beside the trained models' utility,
    privacy accounting and engine."""
    privacy = _privacy(experiment, ensemble)
    _, y_test = data.split(data.plan.test_idx)
    return attack_observations(
        obs, attacks, targets=_targets(experiment, data),
        evaluation=EvaluationConfig(
            fprs=experiment.fprs, bootstrap=experiment.bootstrap,
            confidence=experiment.confidence, seed=experiment.seed,
        ),
        is_canary=data.is_canary, population_idx=data.plan.population_idx,
        utility=_utility(ensemble, test_log_probs, y_test, obs), privacy=privacy,
        defense=_defense_hparams(experiment),
        training={"engine": ensemble.engine, "fallback_reason": ensemble.fallback_reason},
    )  # fmt: skip


def attack_observations(
    obs: Observations,
    attacks: Mapping[str, Attack],
    *,
    targets: np.ndarray,
    evaluation: EvaluationConfig,
    is_canary: np.ndarray,
    population_idx: np.ndarray,
    utility: dict[str, float],
    privacy: dict[str, Any],
    defense: dict[str, Any],
    training: dict[str, Any],
) -> tuple[RunResult, dict[str, np.ndarray]]:
    """Run every attack on the targets [T] and summarise them beside the given utility,
    privacy (the accountant's figures, to which the empirical ε bound is added), defense
    and training facts; also the per-record vulnerability [N] of each attack.

    The one attack stage: mia-train calls it after training, mia-attack and
    `mia_defense.api` on observations alone. The bound's δ is the accountant's
    (``privacy["delta"]``) when there is one, else ``evaluation.delta``.
    """
    fprs = sorted(evaluation.fprs)
    evaluation = replace(evaluation, delta=privacy.get("delta") or evaluation.delta)
    attack_results = run_attacks(
        obs, attacks, targets=targets, evaluation=evaluation, records=~is_canary
    )
    if not attack_results:
        raise ConfigError(
            f"attack.attacks: none of {', '.join(attacks)} could run on these observations "
            "(see the warnings above for what each needs); add an attack that reads the "
            "released outputs, e.g. loss"
        )
    strongest_name = strongest(attack_results, fprs[0])
    white_box_name = strongest(attack_results, fprs[0], access=WHITE_BOX)
    vulnerability, slices, worst = _record_views(
        attack_results, obs, is_canary=is_canary, population_idx=population_idx,
        fprs=fprs, strongest_name=strongest_name or white_box_name or next(iter(attack_results)),
    )
    bounds = {name: r.epsilon_lower_bound for name, r in attack_results.items()}
    best_bound = _highest_bound(bounds)
    privacy = {**privacy, "empirical_epsilon": bounds[best_bound],
               "empirical_epsilon_delta": evaluation.delta}  # fmt: skip
    evidence = _attack_evidence(attack_results[best_bound], obs.masks[targets][:, ~is_canary],
                                evaluation, attacks=len(attack_results))
    _check_claim(privacy, evidence)  # the one-run audit, if any, checks again
    result = RunResult(
        utility=utility,
        attacks={name: _attack_summary(r, fprs) for name, r in attack_results.items()},
        strongest_attack=strongest_name,
        strongest_white_box_attack=white_box_name,
        defense=defense,
        privacy=privacy,
        wall_seconds=0.0,
        attack_results=attack_results,
        slices=slices,
        most_vulnerable=worst,
        training=dict(training),
        nonmember_scores=int((~obs.masks[targets][:, ~is_canary]).sum()),
        epsilon_evidence=evidence,
    )
    return result, vulnerability


def _highest_bound(bounds: Mapping[str, float]) -> str:
    """The attack with the highest empirical ε bound (NaN bounds last)."""
    return max(bounds, key=lambda n: np.nan_to_num(bounds[n], nan=-1.0))


def _attack_evidence(
    best: AttackResult, truth: np.ndarray, evaluation: EvaluationConfig, *, attacks: int
) -> list[tuple[float, str]]:
    """The highest attack bound on ε, recomputed at the confidence that holds for the best
    of ``attacks`` bounds at once (Bonferroni): the largest of several 95% bounds is not a
    95% bound, and a refutation must not come from picking the luckiest attack."""
    confidence = 1.0 - (1.0 - evaluation.confidence) / max(attacks, 1)
    bound = empirical_epsilon(
        best.metrics.fpr, best.metrics.tpr, num_members=int(truth.sum()),
        num_nonmembers=int((~truth).sum()), delta=evaluation.delta, confidence=confidence,
    )  # fmt: skip
    what = f"attack {best.name}, {evaluation.confidence:.0%} over all {attacks} attacks"
    return [(bound, what)] if math.isfinite(bound) else []


def _audit_evidence(privacy: Mapping[str, Any]) -> list[tuple[float, str]]:
    """The one-run audit's lower bounds on ε (each one test at its own confidence)."""
    audit = privacy.get("audit")
    if not isinstance(audit, Mapping):
        return []
    found = [(audit.get(side, {}).get("epsilon"), f"one-run audit, {side}")
             for side in ("white_box", "black_box")]  # fmt: skip
    return [(float(v), what) for v, what in found
            if isinstance(v, int | float) and math.isfinite(v)]  # fmt: skip


def _check_claim(privacy: dict[str, Any], evidence: Sequence[tuple[float, str]]) -> None:
    """Set ``epsilon_refuted`` when a measured lower bound on ε in ``evidence`` exceeds the
    accountant's ε: the DP claim then fails at the bound's confidence, and the run says so
    loudly (``epsilon_refuted_by``, ``epsilon_refuted_reason``, a warning) instead of
    printing both figures side by side. No-op without a finite accountant ε."""
    claimed = privacy.get("epsilon")
    if not isinstance(claimed, int | float) or not math.isfinite(claimed):
        return
    above = [(bound, what) for bound, what in evidence if bound > claimed]
    privacy["epsilon_refuted"] = bool(above)
    privacy.pop("epsilon_refuted_by", None)
    privacy.pop("epsilon_refuted_reason", None)
    if not above:
        return
    bound, what = max(above)
    privacy["epsilon_refuted_by"] = what
    privacy["epsilon_refuted_reason"] = (
        f"measured ε >= {bound:.3g} ({what}; a lower bound) exceeds the accountant's ε "
        f"{claimed:.3g}: the DP claim does not hold for this run; look for data-dependent "
        "preprocessing, a defense that breaks per-record sensitivity, or a bug"
    )
    log.warning("DP CLAIM REFUTED: %s", privacy["epsilon_refuted_reason"])


@dataclass(frozen=True)
class RunFacts:
    """What results.json states about the data and the run beside what the run measured:
    mia-train takes it from its experiment, mia-attack from the run or file it attacks.

    Attributes:
        source: what mia-attack attacked (path, kind, hash); ``None`` for a mia-train run.
        (the others: the results.json fields of the same names, docs/run_directory.md)
    """

    dataset: str
    data_fingerprint: str | None
    class_labels: list[Any] | None
    input_shape: list[int] | None
    num_classes: int
    seed: int
    num_models: int
    population_size: int
    test_size: int
    canaries: int
    hparams: Mapping[str, Any]
    config: Mapping[str, Any]
    source: Mapping[str, Any] | None = None


def _run_facts(experiment: Experiment, data: TrainingData) -> RunFacts:
    return RunFacts(
        dataset=experiment.dataset.name,
        data_fingerprint=data.fingerprint,
        class_labels=_class_labels(experiment.dataset),
        input_shape=list(data.dataset.input_shape),
        num_classes=int(data.dataset.num_classes),
        seed=experiment.seed,
        num_models=data.plan.num_models,
        population_size=data.plan.population_size,
        test_size=len(data.plan.test_idx),
        canaries=int(experiment.num_canaries),
        hparams=dict(experiment.hparams),
        config=dict(experiment.config),
    )


def record_run(
    run_dir: Path,
    result: RunResult,
    vulnerability: Mapping[str, np.ndarray],
    obs: Observations,
    *,
    facts: RunFacts,
    targets: np.ndarray,
    is_canary: np.ndarray,
    histories: Sequence[ModelHistory],
    stopwatch: Stopwatch,
    start: float,
) -> None:
    """scores.npz, TensorBoard events, then results.json (last: its ``complete`` marks a
    finished run); ``histories`` give the training curves (none when nothing was trained)."""
    with stopwatch.stage("scores.npz"):
        write_npz(
            run_dir / "scores.npz",
            targets=targets,
            is_canary=is_canary,
            **{f"scores/{name}": r.scores for name, r in result.attack_results.items()},
            **{f"vulnerability/{name}": v for name, v in vulnerability.items()},
        )
    headline = _headline_scalars(result)
    with stopwatch.stage("tensorboard"):
        log_run(
            run_dir / "tb",
            histories=histories,
            attacks=result.attack_results,
            scalars=headline,
            hparams={**facts.hparams, **result.defense},
            title=f"{facts.dataset}: {result.defense.get('defense', 'none')}",
            masks=obs.masks,
            slices=result.slices,
        )
    result.timings = dict(stopwatch.seconds)
    result.wall_seconds = time.perf_counter() - start
    write_json(run_dir / "results.json", _results_payload(facts, result, headline))


def _privacy(experiment: Experiment, ensemble: Ensemble) -> dict[str, Any]:
    """results.json's ``privacy``: the accountant's figures reported by a defense (DP-SGD:
    ε as the maximum over the K models, each model's ε, σ, q, steps, δ and accountant, the
    noise source, whether ε holds, what preprocessing it leaves out); empty without one."""
    from mia_defense.defenses.dp import preprocessing_note

    stats = [h.stats for h in ensemble.histories]
    for defense in experiment.build_defenses():
        report = getattr(defense, "privacy_report", None)
        if callable(report):
            dataset = experiment.config.get("dataset") or {}
            return report(stats, preprocessing=preprocessing_note(dataset))
    return {}


def _defense_hparams(experiment: Experiment) -> dict[str, Any]:
    defenses = list(experiment.build_defenses())
    out: dict[str, Any] = {
        "defense": "+".join(d.name for d in defenses) or "none",
        "release": experiment.release.name,
        "shadow_recipe": experiment.shadow_recipe,
    }
    for d in defenses:
        out.update({f"{d.name}.{key}": value for key, value in d.hparams().items()})
    out.update({f"release.{key}": value for key, value in experiment.release.hparams().items()})
    return out


def _headline_scalars(result: RunResult) -> dict[str, float]:
    scalars = {
        "utility/test_accuracy": result.utility["test_accuracy"],
        "utility/train_accuracy": result.utility["train_accuracy"],
        "utility/generalization_gap": result.utility["generalization_gap"],
    }
    for name, summary in result.attacks.items():
        for key, value in summary.items():
            if key != "seconds" and not isinstance(value, str):  # not its access
                scalars[f"attack/{name}/{key}"] = value
    # the verdict's figures (not the settings an attack chose, such as RMIA's a)
    verdict = ("auc", "tpr@", "advantage", "empirical_epsilon")
    for prefix, name in (("strongest", result.strongest_attack),
                         ("strongest_white_box", result.strongest_white_box_attack)):
        for key, value in result.attacks.get(name, {}).items():
            if key.startswith(verdict):
                scalars[f"privacy/{prefix}_{key}"] = value
    for key, value in result.privacy.items():
        if isinstance(value, (int, float)):  # not per_model, noise_source, ...
            scalars[f"privacy/{key}"] = value
    return scalars


def _class_labels(dataset: Dataset) -> list[Any] | None:
    """The original label of each class index when the loader remapped them, else None."""
    labels = getattr(dataset, "class_labels", None)
    return None if labels is None else [_plain_label(v) for v in labels]


def _plain_label(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _results_payload(
    facts: RunFacts, result: RunResult, headline: Mapping[str, float]
) -> dict[str, Any]:
    payload = {
        "schema_version": SCHEMA_VERSION,
        "status": "complete",
        "utility_below_chance": result.utility_below_chance,
        "dataset": facts.dataset,
        "data_fingerprint": facts.data_fingerprint,
        "class_labels": facts.class_labels,
        "input_shape": facts.input_shape,
        "num_classes": facts.num_classes,
        "seed": facts.seed,
        "num_models": facts.num_models,
        "population_size": facts.population_size,
        "test_size": facts.test_size,
        "utility": result.utility,
        "attacks": result.attacks,
        "strongest_attack": result.strongest_attack,
        "strongest_white_box_attack": result.strongest_white_box_attack,
        "nonmember_scores": result.nonmember_scores,
        "slices": result.slices,
        "most_vulnerable": result.most_vulnerable,
        "canaries": facts.canaries,
        "defense": result.defense,
        "privacy": result.privacy,
        "headline": dict(headline),
        "hparams": dict(facts.hparams),
        "wall_seconds": result.wall_seconds,
        "timings": result.timings,
        "training": result.training,
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "opacus": package_version("opacus"),
            "numpy": np.__version__,
            "scikit-learn": package_version("scikit-learn"),
            "hydra-core": package_version("hydra-core"),
            "code": code_digest(facts.config),
        },
        "config": dict(facts.config),
    }
    if facts.source is not None:
        payload["source"] = dict(facts.source)
    return payload

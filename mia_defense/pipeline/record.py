"""Stage 5: what a run leaves behind: scores.npz, TensorBoard events and results.json
(last: its ``complete`` marks a finished run)."""

from __future__ import annotations

import json
import logging
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from mia_defense.code_digest import code_digest
from mia_defense.errors import ConfigError, MiaDefenseError
from mia_defense.metrics.epsilon import wilson_interval
from mia_defense.pipeline.evaluate import RunResult
from mia_defense.run_fingerprint import training_parts
from mia_defense.tracking.artifacts import (
    SCHEMA_VERSION,
    json_text,
    run_sha256,
    write_json,
    write_npz,
)
from mia_defense.tracking.hparams import RUN_NAMES, run_caveats, run_columns
from mia_defense.tracking.tensorboard import log_run, run_title

if TYPE_CHECKING:
    from mia_defense.data.dataset import Dataset
    from mia_defense.observations import Observations
    from mia_defense.pipeline.data import TrainingData
    from mia_defense.pipeline.spec import Experiment
    from mia_defense.timing import Stopwatch
    from mia_defense.training.loop import ModelHistory

__all__ = [
    "RunFacts",
    "defense_names",
    "defense_settings",
    "record_diverged",
    "record_run",
    "run_facts",
    "warn_near_chance",
]

log = logging.getLogger(__name__)


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
    data_digest: str | None
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
    data_duplicates: int | None = None
    data_label_copies: list[str] | None = None


def run_facts(experiment: Experiment, data: TrainingData) -> RunFacts:
    return RunFacts(
        dataset=experiment.dataset.name,
        data_fingerprint=data.fingerprint,
        data_digest=data.dataset_digest,
        data_duplicates=data.duplicates,
        data_label_copies=list(experiment.dataset.label_copies),
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
    figures: bool = True,
    trial: str = "",
) -> None:
    """scores.npz, TensorBoard events, then results.json (last: its ``complete`` marks a
    finished run); ``histories`` give the training curves (none when nothing was trained);
    ``figures=False`` leaves TensorBoard's figures out (config key ``figures``); ``trial``
    begins the run's Trial ID in TensorBoard (`log_run`)."""
    result.test_size = facts.test_size  # (the end-of-run table says the caveat too)
    warn_near_chance(result.utility, facts.test_size)
    _warn_release_near_chance(result, facts.test_size)
    with stopwatch.stage("scores.npz"):
        write_npz(
            run_dir / "scores.npz",
            targets=targets,
            is_canary=is_canary,
            **{f"scores/{name}": r.scores for name, r in result.attack_results.items()},
            **{f"vulnerability/{name}": v for name, v in vulnerability.items()},
        )
    from mia_defense.report.objectives import epsilon_doubted  # (HParams' ε column's)
    from mia_defense.report.run_table import measured_nothing_lines  # (mia-train's table's)

    headline = _headline_scalars(result)
    payload = _results_payload(facts, result, headline)
    # (as results.json will read: what mia-report finds to read with care in it)
    read_back = json.loads(json_text(payload))
    caveats = run_caveats(read_back)  # (once: the HParams column's and the card's)
    columns = run_columns(read_back, caveats=caveats)
    with stopwatch.stage("tensorboard"):
        log_run(
            run_dir / "tb",
            histories=histories,
            attacks=result.attack_results,
            scalars=headline,
            hparams={**facts.hparams, **result.defense, **columns},
            title=run_title(facts.dataset, result.defense),
            masks=obs.masks,
            slices=result.slices,
            figures=figures,
            trial=trial,
            caveats=caveats,
            notes=measured_nothing_lines(result),
            epsilon_doubted=epsilon_doubted(read_back),
            epsilon_privacy=read_back.get("privacy"),
        )
    # the files mia-attack and load_trained_model read back, as written: one replaced later
    # (another run's, an edited copy) is refused instead of taken for this run's
    digests = run_sha256(run_dir)
    payload["timings"] = result.timings = dict(stopwatch.seconds)
    payload["wall_seconds"] = result.wall_seconds = time.perf_counter() - start
    write_json(run_dir / "results.json", {**payload, "sha256": digests})


def record_diverged(
    run_dir: Path,
    *,
    hparams: Mapping[str, Any],
    reason: str,
    histories: Sequence[ModelHistory],
    trial: str = "",
) -> None:
    """tb/ of a run whose training diverged (results.json ``diverged.reason``: ``reason``):
    the curves of ``histories`` up to where they diverged, and its HParams session, its
    flat config ``hparams`` (with its `defense_names`, as a finished run's) with the
    `NO_VERDICT` column that says why and no metrics; a sweep
    compared in TensorBoard missed the point altogether. Only what the sweep's experiment
    config reads back from results.json (`sessions_under`): a value beyond its columns'
    domains would hide the run. A failure to write is logged: results.json, written first,
    is the record."""
    columns = run_columns({"status": "diverged", "diverged": {"reason": reason}})
    try:
        log_run(run_dir / "tb", histories=histories, attacks={}, scalars={},
                hparams={**hparams, **columns}, figures=False, trial=trial)  # fmt: skip
    except MiaDefenseError as exc:
        log.warning("%s: %s", type(exc).__name__, exc)


def warn_near_chance(utility: Mapping[str, Any], test_size: int | None) -> None:
    """Say when the test set does not establish the test accuracy above chance, though the
    accuracy is above it (a verdict is given): breast_cancer's 143 test records, a DP model
    at 0.633 against the majority's 0.601 (95% interval [0.551, 0.708]) ended in "strongest
    attack ... TPR 0.0012" without a word that the model may have learned nothing, where a
    low attack success says nothing about privacy. mia-report lists such runs under its
    caveats (`mia_defense.report.checks.near_chance_note`). A source run's results.json
    without a test size (null) gets no word."""
    accuracy, chance = utility.get("test_accuracy"), utility.get("chance_accuracy")
    numbers = all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in (accuracy, chance)
    )
    counted = isinstance(test_size, int) and not isinstance(test_size, bool) and test_size > 0
    if not numbers or not counted or not accuracy > chance:
        return
    low, high = wilson_interval(float(accuracy), test_size)
    if low > chance:
        return
    log.warning(
        "test accuracy %.3f is not established above chance %.3f: on the %d test records its "
        "95%% interval is [%.3f, %.3f]; the model may have learned nothing, and then a low "
        "attack success says nothing about privacy; raise plan.test_size or train further",
        accuracy, chance, test_size, low, high,
    )


def _warn_release_near_chance(result: RunResult, test_size: int | None) -> None:
    """After `warn_near_chance`'s "the model may have learned nothing ... train further":
    where the models' own test accuracy, before the release, is established above chance,
    say that the release (release=noise release.scale=1) took it, not the training."""
    from mia_defense.report.checks import release_near_chance_note

    cause = release_near_chance_note(result.utility, result.defense.get("release"), test_size)
    if cause:
        log.warning("RELEASE NEAR CHANCE: %s", cause)


def defense_names(experiment: Experiment, defenses: Sequence[Any] | None = None
                  ) -> dict[str, str]:  # fmt: skip
    """The names of the run's defenses (``defense``: ``dp+label_smoothing``, ``none``), its
    release and its shadow models' recipe (`RUN_NAMES`): results.json's ``defense`` and the
    run's HParams row give them, a diverged run's row too (`record_diverged`)."""
    defenses = list(experiment.build_defenses()) if defenses is None else defenses
    return dict(zip(RUN_NAMES, ("+".join(d.name for d in defenses) or "none",
                                experiment.release.name, experiment.shadow_recipe),
                    strict=True))  # fmt: skip


def defense_settings(experiment: Experiment) -> dict[str, Any]:
    defenses = list(experiment.build_defenses())
    out: dict[str, Any] = defense_names(experiment, defenses)
    for d in defenses:
        out.update({f"{d.name}.{key}": value for key, value in _reported(d, "defense").items()})
    out.update({f"release.{key}": value
                for key, value in _reported(experiment.release, "release").items()})  # fmt: skip
    return out


def _reported(owner: Any, kind: str) -> Mapping[str, Any]:
    """``owner.hparams()``, or a `ConfigError` naming it when that is no mapping (a list of
    pairs was an AttributeError traceback after the run's training and attacks)."""
    reported = owner.hparams()
    if not isinstance(reported, Mapping):
        raise ConfigError(
            f"{kind} {getattr(owner, 'name', type(owner).__name__)!r} "
            f"({type(owner).__module__}.{type(owner).__qualname__}): hparams() returned "
            f"{type(reported).__name__}, not a mapping of setting names to values; return a "
            "dict such as {'beta': 0.1}"
        )
    return reported


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
        "data_digest": facts.data_digest,
        # used samples with an exact copy among them (`warn_duplicates`): mia-report's caveat
        "data_duplicates": facts.data_duplicates,
        # feature columns copying the labels (`warn_label_copies`): mia-report's caveat
        "data_label_copies": facts.data_label_copies,
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
        "nonmember_records": result.nonmember_records,
        # the predicted label alone let out, measured (`labels_only`): mia-report's caveat
        "released_labels_only": result.released_labels_only,
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
            # the code part of the checkpoints' fingerprint (`load_trained_model` checks it)
            "training_code": code_digest(training_parts(facts.config)),
        },
        "config": dict(facts.config),
    }
    if facts.source is not None:
        payload["source"] = dict(facts.source)
    return payload

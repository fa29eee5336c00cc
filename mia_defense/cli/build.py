"""From the composed config to the pipeline's objects, and a run without Hydra.

`build_experiment` turns a ``DictConfig`` into an `Experiment` (nothing below it sees the
config), `run` runs it in a directory; `format_table`, the end-of-run summary, is the
library's (`mia_defense.report.run_table`), re-exported here for the commands. Kept apart
from `mia_defense.cli.train`, which imports this module only when a run starts: it imports
the whole pipeline (torch, the attacks, TensorBoard), which ``mia-train --help`` and
``--cfg job`` do not need.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import get_method, instantiate
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

from mia_defense.allocator import keep_freed_memory
from mia_defense.audit import AuditConfig
from mia_defense.cli.held_log import (
    GONE_WRITERS_RUN,
    OutputRefused,
    held_by_a_gone_writer,
    lock_holder,
    locked_by_another,
    wait_for_lock,
)
from mia_defense.cli.sweep_refusals import in_use_refusal
from mia_defense.config import build_dataclass, check_config, check_defense_stack
from mia_defense.config_lists import job_overrides
from mia_defense.constraints import shown_path
from mia_defense.defenses import DefenseFactory, FullRelease, Release
from mia_defense.errors import ConfigError, MiaDefenseError
from mia_defense.experiment import (
    Experiment,
    PlanConfig,
    RunResult,
    TrainingData,
    prepare_data,
    run_experiment,
)
from mia_defense.library_call import library_call, torch_defaults
from mia_defense.metrics.roc import chance_level_headline
from mia_defense.models import model_builder
from mia_defense.pipeline.data import warn_planned_noise
from mia_defense.pipeline.train import check_defense_plans
from mia_defense.queries import (
    QueryConfig,
    check_image_shifts,
    check_release_queries,
    warn_unperturbed_copies,
    warn_unused_repeats,
)
from mia_defense.report.run_table import format_table
from mia_defense.seeding import global_torch_seeded
from mia_defense.store import refuse_blocked_root
from mia_defense.threads import one_thread_within
from mia_defense.tracking.artifacts import flat_hparams
from mia_defense.tracking.run_dir import RESULTS, claim_run_dir, finished_run, other_run
from mia_defense.training.config import TrainConfig
from mia_defense.user_fit import load_user_fit

__all__ = ["build_experiment", "claimed_run", "format_table", "run"]


def _flat_hparams(cfg: DictConfig) -> dict[str, Any]:
    """Scalar config values as ``group.key`` pairs (lists as strings), for HParams."""
    return flat_hparams(OmegaConf.to_container(cfg, resolve=True))


def _build_defenses(node: Any) -> DefenseFactory:
    """One Hydra partial per selected defense (``defense.<name>``): fresh objects per model."""
    factories = []
    for name, spec in (node or {}).items():
        if not isinstance(spec, DictConfig) or "_target_" not in spec:
            raise ConfigError(
                f"defense.{name}: expected a mapping with a _target_; select defenses with "
                "defense=NAME or 'defense=[NAME,NAME]' (options in conf/defense/)"
            )
        factories.append(
            functools.partial(_build_defense, f"defense.{name}", instantiate(spec, _partial_=True))
        )
    return DefenseFactory(factories)


def _build_defense(key: str, factory: Callable[[], Any]) -> Any:
    """``factory()``, a defense for one model; whatever a user's defense raises while it is
    built is a `ConfigError` naming its key (DefenseFactory builds one before any training)."""
    try:
        return factory()
    except MiaDefenseError:
        raise
    except Exception as exc:
        raise ConfigError(
            f"{key}: cannot build it from the config: {type(exc).__name__}: {exc}"
        ) from exc


def _build_release(cfg: DictConfig) -> Release:
    release = _instantiate(cfg, "release") if cfg.get("release") else FullRelease()
    if not isinstance(release, Release):
        raise ConfigError(
            f"release: {type(release).__name__} is not a Release; point release._target_ at a "
            "subclass of mia_defense.defenses.Release"
        )
    return release


def _instantiate(parent: DictConfig, name: str, *, key: str | None = None, **kwargs: Any) -> Any:
    """``instantiate(parent[name])`` with user-caused failures turned into our errors.

    Hydra wraps whatever the target raises; a `MiaDefenseError` (a missing data file, a bad
    option) is re-raised as it is, a missing mandatory value (``???``) names the key to set.
    """
    key = key or name
    try:
        return instantiate(parent[name], **kwargs)
    except MissingMandatoryValue as exc:
        raise ConfigError(f"{key}: a required value is missing ({exc.full_key}); set it, "
                          f"e.g. {exc.full_key}=...") from None
    except InstantiationException as exc:
        cause = exc.__cause__
        if isinstance(cause, MiaDefenseError):
            raise cause from None
        raise ConfigError(f"{key}: cannot build it from the config: {exc}") from exc


def _dataset(cfg: DictConfig) -> Any:
    """The config's dataset: a user's ``dataset._target_`` function that returns anything
    but a `Dataset` (a tuple ``(x, y)``, ``None``) ended the run in an AttributeError
    traceback (exit 1). Its features are warned of as the npz loader's are: when they look
    unscaled, copy the labels (exactly or nearly) or look stored channels-last."""
    from mia_defense.data import load_csv
    from mia_defense.data.checks import warn_user_dataset
    from mia_defense.data.dataset import Dataset
    from mia_defense.data.encoding import warn_split_seed

    # (Python's, numpy's and torch's global generators seeded, one stream whatever the run's
    # seed: a function drawing synthetic data with np.random.randn gave other data, and other
    # figures, in every launch, and a killed run's resume was refused as 'on different data')
    with global_torch_seeded(0, "dataset"):
        data = _instantiate(cfg, "dataset")
    target = cfg.dataset.get("_target_", "?") if isinstance(cfg.dataset, DictConfig) else "?"
    if target != "?" and get_method(str(target)) is load_csv:  # (located: it was built)
        warn_split_seed(cfg.dataset.get("plan"), loader_seed=cfg.dataset.get("seed"),
                        run_seed=cfg.get("seed"))
    if not isinstance(data, Dataset):
        raise ConfigError(
            f"dataset._target_={target} returned {type(data).__name__}, not a "
            "mia_defense.data.Dataset; return Dataset(x=features [N, ...], y=integer labels "
            "[N], num_classes=C, name='my_data') (from mia_defense.data.dataset import Dataset)"
        )
    if not str(target).startswith("mia_defense."):  # the built-in loaders scale and warn
        data = warn_user_dataset(data, loader=f"dataset._target_={target}")
    return data


def _seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"seed={value!r}: must be an integer, e.g. seed=0")
    return value


def _cache_dir(value: str | bool | None, *, run_dir: Path | None) -> Path | None:
    """The model store's directory: ``cache_dir=auto`` is ``<sweep dir>/.model_store`` when
    ``run_dir`` is the directory Hydra made for this job of a multirun (beside its runs),
    and off otherwise (a single run, a run built outside Hydra)."""
    if value != "auto":
        if isinstance(value, str) and not value.strip():
            raise ConfigError(
                f"cache_dir={value!r}: an empty path (the working directory); give a "
                "directory for the model store, or null or false to turn it off"
            )
        # '~/models' (quoted, so the shell left it) is the home folder's, not a folder '~' here;
        # '~nosuchuser/m' was pathlib's bare 'RuntimeError: Could not determine home directory.'
        from mia_defense.files import home_expanded

        return None if value is None or value is False else _launch_dir_path(
            home_expanded(value, where="cache_dir"))
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if run_dir is None or not HydraConfig.initialized():
        return None
    job = HydraConfig.get()
    if job.mode != RunMode.MULTIRUN or Path(job.runtime.output_dir) != Path(run_dir).absolute():
        return None
    return Path(run_dir).absolute().parent / ".model_store"


def _refuse_store_in_checkpoints(path: Path | None, *, run_dir: Path | None) -> Path | None:
    """``path``, the model store's directory, unless it is or lies in a checkpoint folder of
    this run (``run_dir``) or of another mia-train run (a folder beside results.json or
    .lock), links followed: then a `ConfigError` naming cache_dir. The store's entries lay
    among that run's model checkpoints (its resume counted them as saved models), and
    deleting the folder to retrain its models, as a refused resume says to, deleted the
    store of every run sharing it."""
    if path is None:
        return None
    from mia_defense.tracking.artifacts import DIGESTED_FOLDERS

    resolved = path.resolve()
    own = None if run_dir is None else Path(run_dir).resolve()
    for folder in (resolved, *resolved.parents):
        if folder.name not in DIGESTED_FOLDERS:
            continue
        whose = ("this run's" if folder.parent == own else "a mia-train run's" if any(
            (folder.parent / mark).exists() for mark in (RESULTS, ".lock")) else None)
        if whose is not None:
            raise ConfigError(
                f"cache_dir={shown_path(path)}: is or lies in {whose} checkpoint folder "
                f"{shown_path(folder)}, where the "
                "model store's entries would lie among that run's model checkpoints, and "
                "deleting the folder to retrain its models would delete the store; point "
                "cache_dir at a folder outside every run's directory (in a sweep, "
                "cache_dir=auto: <sweep dir>/.model_store), or set cache_dir=null"
            )
    return path


def _refuse_store_in_a_run(path: Path | None, *, run_dir: Path | None) -> Path | None:
    """``path``, the model store's directory, unless it is or lies in this run's folder
    (``run_dir``: ``cache_dir`` equal to ``hydra.run.dir``) or a run's folder (one holding
    results.json or .hydra), links followed: then a `ConfigError` naming cache_dir, before
    anything is written. A typo (``cache_dir=<a finished run>``) wrote the store's .pt,
    .json and .lock files among that run's own. (`_refuse_store_in_checkpoints` first: its
    checkpoint folders get their own reason.)"""
    if path is None:
        return None
    resolved = path.resolve()
    own = None if run_dir is None else Path(run_dir).resolve()
    for folder in (resolved, *resolved.parents):
        whose = ("this run's folder" if folder == own else "the run folder" if any(
            os.path.lexists(folder / mark) for mark in (RESULTS, ".hydra")) else None)
        if whose is not None:
            raise ConfigError(
                f"cache_dir={shown_path(path)}: is or lies in {whose} {shown_path(folder)}, where "
                "the model store's "
                "files (.pt, .json, .lock) would be written among the run's own; point "
                "cache_dir at a folder outside every run's directory (in a sweep, "
                "cache_dir=auto: <sweep dir>/.model_store), or set cache_dir=null"
            )
    return path


def _launch_dir_path(path: Path) -> Path:
    """A relative ``path`` as the directory the command was started in: with
    ``hydra.job.chdir=true`` each job of a sweep runs in its own run directory (a worker
    elsewhere in its own), so a relative ``cache_dir=store`` made one store per job, each
    inside its run, and no job reused another's models."""
    if path.is_absolute():
        return path
    from hydra.core.hydra_config import HydraConfig

    launched = HydraConfig.get().runtime.cwd if HydraConfig.initialized() else None
    return Path(launched or Path.cwd()) / path


def build_experiment(cfg: DictConfig, *, run_dir: Path | None = None) -> Experiment:
    """Turn the composed config into the objects the pipeline needs (``run_dir``: where it
    will run, for ``cache_dir=auto``).

    The config and its defense stack are checked first (`check_config`,
    `check_defense_stack`): mia-train's callback checks a single run before Hydra makes its
    directory, but each job of a sweep is checked only here, and a stack refused whatever
    the data (early_stopping at train.epochs=1 in one point of a grid) was found once the
    data was loaded and the point's training had started."""
    check_config(cfg)
    check_defense_stack(cfg)
    attack_cfg = cfg.attack
    train = build_dataclass(TrainConfig, cfg.train, key="train")
    load_user_fit(train.fit)  # a training function that cannot be imported fails here
    return Experiment(
        dataset=_dataset(cfg),
        build_model=model_builder(_instantiate(cfg, "model", _partial_=True)),
        train=train,
        plan=build_dataclass(PlanConfig, cfg.plan, key="plan"),
        attacks={
            name: _instantiate(attack_cfg.attacks, name, key=f"attack.attacks.{name}")
            for name in attack_cfg.attacks
        },
        build_defenses=_build_defenses(cfg.get("defense")),
        release=_build_release(cfg),
        shadow_recipe=str(attack_cfg.get("shadow_recipe", "same")),
        bootstrap=int(attack_cfg.get("bootstrap", 200)),
        confidence=float(attack_cfg.get("confidence", 0.95)),
        queries=build_dataclass(QueryConfig, attack_cfg.get("queries"), key="attack.queries"),
        white_box=bool(attack_cfg.get("white_box", False)),
        num_canaries=int((attack_cfg.get("canaries") or {}).get("num", 0)),
        canary_kind=str((attack_cfg.get("canaries") or {}).get("kind", "mislabeled")),
        audit=AuditConfig(
            kind=str(attack_cfg.get("audit", "none")),
            canaries=int(attack_cfg.get("audit_canaries", 0)),
            gradient_canaries=int(attack_cfg.get("audit_gradient_canaries", 0)),
            white_box=bool(attack_cfg.get("white_box", False)),
        ),
        seed=_seed(cfg.seed),
        # (a blocked root first: a link loop made the checks' Path.resolve raise)
        cache_dir=_refuse_store_in_a_run(_refuse_store_in_checkpoints(refuse_blocked_root(
            _cache_dir(cfg.get("cache_dir"), run_dir=run_dir)), run_dir=run_dir),
            run_dir=run_dir),
        num_targets=attack_cfg.num_targets,
        fprs=tuple(float(f) for f in attack_cfg.fprs),
        hparams=_flat_hparams(cfg),
        config=OmegaConf.to_container(cfg, resolve=True),
    )


@contextmanager
def claimed_run(
    cfg: DictConfig, run_dir: Path, *, twin_waits: bool = False
) -> Iterator[tuple[Experiment, TrainingData, Any]]:
    """Build and check everything, then hold ``run_dir``: yields the experiment, its data and
    the results.json of a finished run of this same config on this same data (or None).

    The config and the data are checked before the directory is touched; a directory that
    holds a run of another config is refused with the differing keys, nothing moved. One in
    use by another process is refused as such, unless ``twin_waits`` (an Optuna search's
    trial: its folder is named for its values, so the process holding it is a trial of the
    search that drew the same ones, the search holding its sweep directory): then it waits
    for that run to end and takes the folder as any run does, its complete run skipped, its
    figures this trial's (it was a failed trial, one of n_trials spent for nothing).
    """
    experiment = build_experiment(cfg, run_dir=run_dir)
    # (stdout: the results table only; a user's dataset, or the model's forward on the budget
    # check's probe rows, may print)
    with contextlib.redirect_stdout(sys.stderr):
        data = prepare_data(experiment, planned_noise=False, disk_dir=run_dir)
    check_release_queries(experiment.queries, randomized=experiment.release.randomized is True,
                          models=experiment.plan.num_models,
                          records=len(data.plan.population_idx))  # fmt: skip
    check_image_shifts(experiment.queries, data.dataset.x.shape[1:])
    typed = job_overrides(cfg)
    warn_unperturbed_copies(experiment.queries, data.dataset.x.shape[1:], overrides=typed)
    warn_unused_repeats(experiment.queries, randomized=experiment.release.randomized is True,
                        overrides=typed)  # fmt: skip
    if chance := chance_level_headline(experiment.fprs):  # (as mia-attack's run warns)
        logging.getLogger(__name__).warning("%s", chance)
    fresh = not os.path.lexists(Path(run_dir) / RESULTS)
    if fresh:
        # DP-SGD's δ against N, a target ε no σ reaches: refused before the claim (.lock) and
        # the model store's lock. (A finished run, skipped, or one to resume was planned
        # when it trained: not planned again here, its training plans what it trains.)
        warn_planned_noise(experiment, data.plan)
        check_defense_plans(experiment, data)
    with contextlib.ExitStack() as claim:
        while True:
            if twin_waits and (holder := lock_holder(run_dir)):
                logging.getLogger(__name__).info(
                    "%s is in use by %s, a trial of this search that drew the same values at "
                    "the same time: waiting for it to end, then this trial takes its run as "
                    "its own (its figures, where it completes)", run_dir, holder)  # fmt: skip
                stuck = wait_for_lock(run_dir)
                if stuck:  # (it cannot end of itself: said, as a refusal in use)
                    refused = OutputRefused(stuck)
                    refused.run = (experiment.config, data.fingerprint)
                    raise refused
            # another run's folder is refused before the lock too, as it is under it: taking
            # the lock rewrote its holder line (one in use is refused as such by
            # claim_run_dir, unchanged)
            other = None if locked_by_another(run_dir) else other_run(
                run_dir, config=experiment.config, data_fingerprint=data.fingerprint)  # fmt: skip
            if other:
                raise OutputRefused(other)
            try:  # (in use by another run)
                claim.enter_context(claim_run_dir(run_dir))
            except ConfigError as exc:
                if twin_waits and in_use_refusal(str(exc)):
                    # (taken again between the wait and the claim: wait again; not at once,
                    # where another probes the lock shared, which the wait does not wait on)
                    time.sleep(0.1)
                    continue
                said = str(exc)
                if in_use_refusal(said):  # (a gone writer's lock kept by its child: the
                    # process to end, not a run to wait for)
                    said = held_by_a_gone_writer(run_dir, then=GONE_WRITERS_RUN) or said
                refused = OutputRefused(said)
                refused.run = (experiment.config, data.fingerprint)
                raise refused from None
            break
        try:  # (under the lock: another run finished there meanwhile)
            finished = finished_run(run_dir, config=experiment.config,
                                    data_fingerprint=data.fingerprint)  # fmt: skip
        except ConfigError as exc:
            raise OutputRefused(str(exc)) from None
        if not fresh and finished is None:  # (a run to resume: said before it trains on)
            warn_planned_noise(experiment, data.plan)
        yield experiment, data, finished


@library_call
def run(cfg: DictConfig, run_dir: Path) -> RunResult:
    """Build the experiment from ``cfg`` and run it in ``run_dir`` (testable without Hydra).

    Unlike ``mia-train``, a finished run of the same config is computed again (resuming from
    its checkpoints), not skipped. One call at a time in a process (another thread's waits),
    under a fresh process's torch settings (threads, grad mode, dtype), the caller's put back.
    """
    keep_freed_memory()
    with (one_thread_within(), torch_defaults(),
          claimed_run(cfg, run_dir) as (experiment, data, _)):
        return run_experiment(
            experiment, run_dir, data=data, progress=bool(cfg.progress),
            figures=bool(cfg.get("figures", True)),
        )

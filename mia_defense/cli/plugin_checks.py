"""Checks of the sweeper's and launcher's plugin settings before Hydra starts a sweep
(`mia_defense.cli.train.RunDirCheck`, as a multirun starts): keys the selected plugin does
not have, the Optuna sweeper's and joblib launcher's counts and directions, an unseeded
sampler, an Optuna storage its SQLAlchemy cannot hold, and the SLURM launcher without SLURM.
The plugins check these late (a traceback once the sweep has started) or not at all. Split out
of `mia_defense.cli.sweep_checks` (a module of one job each); the submitit launchers' counts
are `mia_defense.cli.launcher_checks`'. Each refusal logs one line (as the sweep checks') and
exits 2; nothing has run yet."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from mia_defense.cli.entry import end_refused
from mia_defense.errors import closest
from mia_defense.hydra_setup import plugin_is

__all__ = [
    "check_parallel_settings",
    "major_minor",
    "refuse_unknown_plugin_keys",
    "require_slurm",
    "require_usable_storage",
    "warn_unseeded_search",
]

log = logging.getLogger("mia_defense.cli.sweep_checks")  # (its lines read as the sweep checks')


def refuse_unknown_plugin_keys(config: DictConfig) -> None:
    """Refuse a key of ``hydra.launcher`` or ``hydra.sweeper`` that the selected plugin's
    config does not have: ``+hydra.launcher.n_jobs=2`` without ``launcher=joblib`` (the
    basic launcher has no settings) was added and never read, and the runs ran one by one."""
    from hydra.core.config_store import ConfigStore

    choices = config.hydra.runtime.get("choices") or {}
    for part in ("launcher", "sweeper"):
        choice = choices.get(f"hydra/{part}")
        try:
            known = set(ConfigStore.instance().load(f"hydra/{part}/{choice}.yaml").node)
        except Exception:  # a plugin's config of another kind: left to the plugin
            continue
        for key in map(str, config.hydra[part]):
            if key in known:
                continue
            close = closest(key, sorted(known - {"_target_", "defaults"}))
            others = "launcher=joblib, launcher=submitit_local, ..." if part == "launcher" \
                else "hparams_search=optuna_tradeoff"  # fmt: skip
            hint = (f"Did you mean hydra.{part}.{close}?" if close else
                    f"Select the {part} that has it ({others}) or leave it out")  # fmt: skip
            end_refused(log, "hydra.%s.%s: the %s %s (hydra/%s=%s) has no such setting, "
                        "so it would never be read; nothing was run. %s", part, key, choice,
                        part, part, choice, hint)  # fmt: skip


_DIRECTIONS = ("maximize", "minimize")


def check_parallel_settings(config: DictConfig) -> None:
    """The Optuna sweeper's and the joblib launcher's counts and directions, which they
    check late or not at all: a direction per objective (one too few failed every trial,
    then the sweep with "No trials are completed yet"), ``n_trials`` and ``n_jobs`` >= 1
    (``n_jobs=0``: a ZeroDivisionError), joblib's ``n_jobs`` not 0 and no thread settings."""
    sweeper, launcher = config.hydra.sweeper, config.hydra.launcher
    problems = []
    if plugin_is(sweeper, "optuna"):
        for key in ("n_trials", "n_jobs"):
            value = sweeper.get(key)
            if not (type(value) is int and value >= 1):
                problems.append(f"hydra.sweeper.{key}={value!r}: must be a whole number >= 1")
        direction = sweeper.get("direction")
        if isinstance(direction, ListConfig):
            direction = OmegaConf.to_container(direction)
        directions = direction if isinstance(direction, list) else [direction]
        objectives = config.get("objectives") or ["the default objective"]
        # (a string, objectives=utility.test_accuracy, is no list: check_config names it;
        # counted, it was 21 objectives, one a letter)
        miscounted = isinstance(objectives, ListConfig | list) and len(directions) != len(
            objectives)  # fmt: skip
        if any(d not in _DIRECTIONS for d in directions) or miscounted:
            problems.append(
                f"hydra.sweeper.direction={direction!r}: one of {'/'.join(_DIRECTIONS)} per "
                f"objective ({len(objectives)}: {', '.join(map(str, objectives))})"
            )
        problems += _tpe_startup_problems(sweeper, len(directions))
    if plugin_is(launcher, "joblib"):
        n_jobs = launcher.get("n_jobs")
        if not (type(n_jobs) is int and n_jobs != 0):
            problems.append(f"hydra.launcher.n_jobs={n_jobs!r}: a number of processes, not 0 "
                            "(-1: one per core)")  # fmt: skip
        # the plugin sets backend=loky itself: threads were never run (require=sharedmem: a
        # traceback once the sweep had started)
        for key, kept in (("backend", (None, "loky")), ("prefer", ("processes",)),
                          ("require", (None,))):  # fmt: skip
            if launcher.get(key) not in kept:
                problems.append(f"hydra.launcher.{key}={launcher.get(key)!r}: the joblib "
                                "launcher runs each job in a process of its own (loky), never "
                                "in threads; leave it out")  # fmt: skip
    if problems:
        end_refused(log, "%s; nothing was run", "; ".join(problems))


def _tpe_startup_problems(sweeper: DictConfig, objectives: int) -> list[str]:
    """A multi-objective TPE search needs 2 random trials first: with one finished trial,
    optuna 2's TPE (``_split_observation_pairs``) loops forever choosing the next one's
    values; ``hydra.sweeper.sampler.n_startup_trials=1`` (or 0) hung the search at its second
    trial, one core busy, nothing logged."""
    sampler = sweeper.get("sampler")
    if objectives < 2 or not isinstance(sampler, DictConfig):
        return []
    if str(sampler.get("_target_", "")).rsplit(".", 1)[-1] != "TPESampler":
        return []  # (optuna 2's MOTPESampler, code of its own, did not hang with 1)
    startup = sampler.get("n_startup_trials")
    if type(startup) is int and startup < 2:
        return [f"hydra.sweeper.sampler.n_startup_trials={startup}: at least 2 for a search "
                f"of {objectives} objectives (optuna's multi-objective TPE hangs on its "
                "second trial otherwise)"]
    return []


def warn_unseeded_search(config: DictConfig) -> None:
    """Warn of an Optuna search whose sampler has no seed: a search started again resumes by
    drawing the same trials again (each finished one skipped as its run is found); unseeded,
    it draws others, so it skips none, and the trials of the earlier start are left out of
    its study and its optimization_results.yaml."""
    sampler = config.hydra.sweeper.get("sampler") if plugin_is(config.hydra.sweeper,
                                                                "optuna") else None
    if isinstance(sampler, DictConfig) and "seed" in sampler and sampler.get("seed") is None:
        log.warning("hydra.sweeper.sampler.seed=null: this search draws other trials each time "
                    "it starts, so started again with the same hydra.sweep.dir it skips none "
                    "of its finished trials (their runs stay for mia-report, but not in this "
                    "search's optimization_results.yaml); give it a seed to resume it")


def major_minor(text: str) -> tuple[int, ...]:
    """A version's first two numbers: ``(2, 10)`` for ``2.10.1``."""
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


def require_usable_storage(config: DictConfig) -> None:
    """An Optuna study kept in a database (``hydra.sweeper.storage``) needs an optuna whose
    database storage works with the SQLAlchemy installed: optuna before 3.1 reads its own
    schema version as none under SQLAlchemy 2 and stopped the search with Hydra's traceback
    ('assert version is not None') before its first trial, on every start."""
    storage = config.hydra.sweeper.get("storage") if plugin_is(config.hydra.sweeper,
                                                                "optuna") else None
    if storage is None:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        optuna, sqlalchemy = version("optuna"), version("sqlalchemy")
    except PackageNotFoundError:
        return  # (the sweeper names what it lacks)
    if major_minor(optuna) >= (3, 1) or major_minor(sqlalchemy) < (2, 0):
        return
    end_refused(log, "hydra.sweeper.storage=%r: optuna %s keeps no study in a database "
                "under SQLAlchemy %s (it needs SQLAlchemy < 2, or optuna >= 3.1, which "
                "hydra-optuna-sweeper does not take); nothing was run. Leave "
                "hydra.sweeper.storage null: the same command with the same hydra.sweep.dir "
                "resumes the search, skipping its finished trials", storage, optuna,
                sqlalchemy)  # fmt: skip


# What submitit's SLURM executor runs: srun (checked when it is made), sbatch (to submit).
_SLURM_COMMANDS = ("sbatch", "srun")
_NO_SLURM_FIX = (
    "run the sweep on a SLURM login node, start a one-node SLURM here (scripts/slurm_local.sh "
    "start, see the README's 'Scale out: SLURM'), or run it on this machine with "
    "launcher=submitit_local or without launcher="
)


def require_slurm(config: DictConfig) -> None:
    """The submitit SLURM launcher needs SLURM's commands: without them submitit stopped the
    sweep with a traceback ('Could not detect "srun"'). Where they are, an sbatch that
    refuses the jobs (no SLURM config, controller down) is one line too
    (`_refuse_failed_submission`)."""
    launcher = config.hydra.launcher
    if not (plugin_is(launcher, "submitit") and plugin_is(launcher, "slurm")):
        return
    import shutil

    missing = [name for name in _SLURM_COMMANDS if shutil.which(name) is None]
    if missing:
        fix = _NO_SLURM_FIX.replace("run the sweep", "submit it, run the sweep", 1)
        end_refused(log, "launcher=submitit_slurm (hydra.launcher._target_=%s): no SLURM "
                    "on this machine (%s not on PATH); nothing was run. To %s",
                    launcher.get("_target_"), " and ".join(map(repr, missing)), fix)  # fmt: skip
    _refuse_failed_submission()


def _refuse_failed_submission() -> None:
    """Make submitit's SLURM submission (its sbatch call) that fails raise a one-line
    `HydraConfigError` naming the launcher and sbatch's own words, not a traceback
    (idempotent; left alone where submitit has no such method)."""
    from submitit.core.utils import FailedJobError
    from submitit.slurm.slurm import SlurmExecutor

    from mia_defense.composition_errors import HydraConfigError

    submit = getattr(SlurmExecutor, "_submit_command", None)
    if submit is None or getattr(submit, "_mia_one_line", False):
        return

    @functools.wraps(submit)
    def submit_command(self: SlurmExecutor, *args: Any, **kwargs: Any) -> Any:
        try:
            return submit(self, *args, **kwargs)
        except (FailedJobError, OSError) as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            said = lines[-1] if lines else type(exc).__name__  # (sbatch printed them all)
            raise HydraConfigError(
                f"launcher=submitit_slurm: sbatch refused the sweep's jobs ({said}); no run "
                f"was submitted. Check that SLURM answers here (sinfo), or {_NO_SLURM_FIX}"
            ) from None

    submit_command._mia_one_line = True  # type: ignore[attr-defined]
    SlurmExecutor._submit_command = submit_command  # type: ignore[method-assign]

"""`mia-train`: train K models with the configured defenses, attack them, record the run.

This module is what ``mia-train --help`` and ``mia-train --cfg job`` import: Hydra, the
config setup and the callbacks, nothing heavy. The pipeline (`mia_defense.cli.build`, which
imports torch, the attacks and TensorBoard) is imported when the task starts; its
`build_experiment`, `format_table` and `run` are re-exported here on first use.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import CompactHydraException
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from mia_defense.cli.commands import quiet_stdout, shell_path, tool_command
from mia_defense.collector import no_collection_at_exit, paused_while_importing
from mia_defense.errors import ConfigError, DivergedError, MiaDefenseError
from mia_defense.hydra_setup import setup_hydra

if TYPE_CHECKING:
    from mia_defense.cli.build import build_experiment, format_table, run

__all__ = ["build_experiment", "format_table", "main", "run"]

log = logging.getLogger(__name__)

EXIT_USER_ERROR = 2
# A reader closed our stdout during a run (mia-train ... | head): 128 + SIGPIPE, as a shell
# reports a process that the signal ended; the run's files are written before its table.
EXIT_BROKEN_PIPE = 141
EXIT_INTERRUPTED = 130
# Set when Hydra hands the composed config to the task: a Hydra exit before that is a
# composition error (a user error), one after it is not.
_TASK_STARTED = False
# The runs of this process's sweep that diverged, found when it ends: the sweep then
# exits 2 (each point runs; a diverged one does not stop the others).
_SWEEP_DIVERGED: list[Path] = []
# The points of this process's sweep refused with a user error (a bad value in one point of
# a grid, such as train.lr=-1, or a directory in use): each is logged in its own train.log,
# the others still run, and the sweep names them at its end and exits 2.
_SWEEP_FAILED: list[tuple[Path, str]] = []
# The log files of this process that could not be written (a full disk, /dev/full): each
# said once when it failed, and the run or sweep exits 2 at its end.
_LOG_FAILED: list[str] = []
# Public names of this module that live in mia_defense.cli.build (see __getattr__).
_FROM_BUILD = frozenset({"build_experiment", "format_table", "run"})

setup_hydra()


def __getattr__(name: str) -> Any:
    """`build_experiment`, `format_table` and `run`, imported from `mia_defense.cli.build`
    on first use (PEP 562), so that importing this module does not import torch."""
    if name in _FROM_BUILD:
        from mia_defense.cli import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class CheckConfigCallback(Callback):
    """Hydra callback: `mia_defense.config.check_config` before Hydra creates a single run's
    directory.

    Hydra makes the run directory, its ``.hydra/`` copy of the config and the job log before
    the task function starts; a refused config must leave nothing behind, so the check runs
    in ``on_run_start`` and a problem ends the process there (one message, exit code 2). The
    jobs of a sweep are checked one by one in `build_experiment`. The check (which imports
    torch) is imported here, not when Hydra builds the callback: a sweep refused at its start
    (``hydra.sweep.dir`` at a run) does not wait for it.
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        from mia_defense.config import check_config

        try:
            check_config(config)
        except ConfigError as exc:
            log.error("ConfigError: %s", exc)
            raise SystemExit(EXIT_USER_ERROR) from None


class RunDirCheck(Callback):
    """Hydra callback: the run (or sweep) directory must be a directory this user can write,
    checked before Hydra creates it and writes its log there (else a bare traceback); it
    must be new, empty or a run's (a sweep's) own, never a folder of other files (``/``,
    ``$HOME``); and each run of a sweep must land inside the sweep directory."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        _refuse_sweep_settings_in_a_run(config)
        _refuse_other_kind(config.hydra.run.dir, key="hydra.run.dir", held="multirun.yaml",
                           what="a sweep's directory", fix="each run of a sweep has a "
                           "folder of its own in it")  # fmt: skip
        _refuse_foreign_dir(config.hydra.run.dir, key="hydra.run.dir", ours=_is_run_dir)
        _refuse_inside_a_run(config.hydra.run.dir, key="hydra.run.dir")
        _refuse_run_of_another_config(config)
        _refuse_escaping_output_subdir(config, config.hydra.run.dir)
        new = not os.path.lexists(config.hydra.run.dir)
        _require_writable_dir(config.hydra.run.dir, key="hydra.run.dir")
        _require_writable_log_files(config, made=Path(config.hydra.run.dir) if new else None)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        _require_search_space(config)
        _refuse_unknown_plugin_keys(config)
        _check_parallel_settings(config)
        _require_slurm(config)
        _refuse_empty_sweep(config)
        _refuse_other_kind(config.hydra.sweep.dir, key="hydra.sweep.dir", held="results.json",
                           what="a run's directory", fix="a sweep writes its runs into "
                           "folders of a directory of its own")  # fmt: skip
        _refuse_foreign_dir(config.hydra.sweep.dir, key="hydra.sweep.dir", ours=_is_sweep_dir)
        _refuse_inside_a_run(config.hydra.sweep.dir, key="hydra.sweep.dir")
        with contextlib.suppress(Exception):  # a subdir naming the job's overrides: per job
            _refuse_escaping_subdir(config.hydra.sweep.dir, str(config.hydra.sweep.subdir))
        _check_subdir_per_job(config)
        # a job's folder, one level down, as hydra.sweep.subdir makes it
        _refuse_escaping_output_subdir(config, os.path.join(config.hydra.sweep.dir, "job"))
        _refuse_shared_run_dirs(config)
        new = not os.path.lexists(config.hydra.sweep.dir)
        _require_writable_dir(config.hydra.sweep.dir, key="hydra.sweep.dir")
        _require_writable_log_files(config, made=Path(config.hydra.sweep.dir) if new else None)
        _keep_earlier_sweep_records(Path(config.hydra.sweep.dir), OmegaConf.to_yaml(config))

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        if config.hydra.mode == RunMode.MULTIRUN:
            # (hydra.job.chdir=true has changed the working directory by now)
            root = os.path.join(config.hydra.runtime.cwd, config.hydra.sweep.dir)
            _refuse_escaping_subdir(root, str(config.hydra.sweep.subdir))


class SweepSummary(Callback):
    """Hydra callback: a finished run or sweep gets its one HParams experiment config (the
    columns TensorBoard compares: `mia_defense.tracking.hparams`), and a sweep ends by
    naming its directory and the two commands that compare its runs (TensorBoard and the
    tradeoff report)."""

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        job_return = kwargs.get("job_return")
        hydra_cfg = getattr(job_return, "hydra_cfg", None)
        if hydra_cfg is None:
            return
        run_dir = Path(hydra_cfg.hydra.runtime.output_dir)
        # one run: the keys set on the command line and what it defends are its columns
        keys = [*_override_keys(config, sweeps_only=False), "defense", "release"]
        _write_hparams_experiment(run_dir, log_dir=run_dir / "tb", swept=keys)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._started = time.time()
        self._log_sizes = _log_sizes(Path(config.hydra.sweep.dir))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        root = Path(config.hydra.sweep.dir)
        _write_hparams_experiment(root, log_dir=root, swept=_override_keys(config))
        sweep_dir = shell_path(config.hydra.sweep.dir)
        started = getattr(self, "_started", 0.0)
        _SWEEP_DIVERGED[:] = _diverged_since(root, started)
        # refused in other processes (joblib, submitit, Ray): their train.log says why
        known = {Path(run_dir).absolute() for run_dir, _ in _SWEEP_FAILED}
        _SWEEP_FAILED.extend(
            (run_dir, said)
            for run_dir, said in _refused_since(root, started, getattr(self, "_log_sizes", {}))
            if run_dir.absolute() not in known
        )  # fmt: skip
        if _SWEEP_FAILED:
            print(f"\n{len(_SWEEP_FAILED)} run(s) of this sweep were refused (nothing was "
                  "run there; fix the value and run the same command again):")
            for run_dir, message in _SWEEP_FAILED:
                print(f"  {shell_path(run_dir)}: {message}")
        if _SWEEP_DIVERGED:
            print(f"\n{len(_SWEEP_DIVERGED)} run(s) of this sweep diverged (no privacy "
                  "verdict; the reason is in each results.json):")
            for run_dir in _SWEEP_DIVERGED:
                print(f"  {shell_path(run_dir)}")
        print(f"\nsweep directory: {sweep_dir}")
        print(f"compare runs:    {tool_command('tensorboard')} --logdir {sweep_dir}")
        print(f"tradeoff report: {tool_command('mia-report')} {sweep_dir}")


def _diverged_since(root: Path, started: float) -> list[Path]:
    """The run directories under ``root`` whose results.json, written since ``started``,
    says the run diverged."""
    from mia_defense.tracking import read_json

    found = []
    for results in sorted(root.rglob("results.json")):
        try:
            if results.stat().st_mtime < started:
                continue
            # read_json: never opens a FIFO (read_text on one blocked the sweep's end)
            if read_json(results).get("status") == "diverged":
                found.append(results.parent)
        except (MiaDefenseError, OSError):
            continue  # unreadable or not a run's: mia-report names those
    return found


def _log_sizes(root: Path) -> dict[Path, int]:
    """The size of each run's train.log under ``root`` (none when it does not exist yet)."""
    sizes = {}
    with contextlib.suppress(OSError):
        for train_log in root.rglob("train.log"):
            with contextlib.suppress(OSError):
                sizes[train_log] = train_log.stat().st_size
    return sizes


def _refused_since(
    root: Path, started: float, sizes: dict[Path, int]
) -> list[tuple[Path, str]]:
    """``(run directory, its last error line)`` for each run under ``root`` whose train.log
    grew since the sweep started (``sizes`` then) by an ERROR line but that neither wrote a
    results.json since ``started`` nor was skipped as finished: a point of the sweep that was
    refused or failed. Where the points run in other processes (joblib, submitit, Ray) this is all
    that is left of it: the sweep ended as a success."""
    found = []
    for train_log, size in _log_sizes(root).items():
        run_dir = train_log.parent
        try:
            if size <= sizes.get(train_log, 0):
                continue
            results = run_dir / "results.json"
            if results.exists() and results.stat().st_mtime >= started:
                continue
            with train_log.open("rb") as handle:
                handle.seek(sizes.get(train_log, 0))
                written = handle.read().decode(errors="replace")
        except OSError:
            continue
        if "skipping finished run" in written:
            continue
        errors = [line.split("][ERROR] - ", 1)[1].strip()
                  for line in written.splitlines() if "][ERROR] - " in line]  # fmt: skip
        if errors:  # (a refused or failed point logs why; a skipped one may only warn)
            found.append((run_dir, errors[-1]))
    return sorted(found)


def _override_keys(config: DictConfig, *, sweeps_only: bool = True) -> list[str]:
    """The config keys a multirun sweeps (``hydra.sweeper.params`` and the command line's
    sweep overrides such as ``defense=[],[dp]``), or with ``sweeps_only=False`` every key
    the command line sets (a single run)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    keys = [str(key).lstrip("+~") for key in config.hydra.sweeper.get("params") or {}]
    keys = keys if sweeps_only else []
    parser = OverridesParser.create()
    for text in config.hydra.overrides.task:
        try:
            override = parser.parse_override(str(text))
        except OverrideParseException:  # Hydra has parsed them before; nothing to add
            continue
        if not sweeps_only or override.is_sweep_override():
            keys.append(override.key_or_group)
    return list(dict.fromkeys(keys))


def _write_hparams_experiment(root: Path, *, log_dir: Path, swept: list[str]) -> None:
    """The HParams experiment config of the finished runs under ``root``, in ``log_dir``;
    a failure to write it is logged, not raised: the runs themselves are complete."""
    from mia_defense.tracking.hparams import sessions_under, write_experiment

    sessions = sessions_under(root)
    if not sessions:
        return
    try:
        write_experiment(log_dir, sessions, swept=swept)
    except MiaDefenseError as exc:
        log.warning("%s: %s", type(exc).__name__, exc)


def _require_search_space(config: DictConfig) -> None:
    """An Optuna search needs something to search: without ``hydra.sweeper.params`` nor a
    range on the command line it would run the same run ``n_trials`` times."""
    if _plugin_is(config.hydra.sweeper, "optuna") and not _override_keys(config):
        log.error(
            "ConfigError: hydra.sweeper.params is empty: the Optuna search has nothing to "
            "search; name the knobs, e.g. '+hydra.sweeper.params={train.lr: \"tag(log, "
            "interval(1e-4, 1e-1))\"}', or start from hparams_search=optuna_tradeoff"
        )
        raise SystemExit(EXIT_USER_ERROR)


def _refuse_unknown_plugin_keys(config: DictConfig) -> None:
    """Refuse a key of ``hydra.launcher`` or ``hydra.sweeper`` that the selected plugin's
    config does not have: ``+hydra.launcher.n_jobs=2`` without ``launcher=joblib`` (the
    basic launcher has no settings) was added and never read, and the runs ran one by one."""
    import difflib

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
            close = difflib.get_close_matches(key, sorted(known - {"_target_", "defaults"}), n=1)
            others = "launcher=joblib, launcher=submitit_local, ..." if part == "launcher" \
                else "hparams_search=optuna_tradeoff"  # fmt: skip
            hint = (f"Did you mean hydra.{part}.{close[0]}?" if close else
                    f"Select the {part} that has it ({others}) or leave it out")  # fmt: skip
            log.error("ConfigError: hydra.%s.%s: the %s %s (hydra/%s=%s) has no such setting, "
                      "so it would never be read; nothing was run. %s", part, key, choice,
                      part, part, choice, hint)  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR)


def _plugin_is(node: DictConfig, name: str) -> bool:
    """Whether the Hydra sweeper or launcher ``node`` is the ``name`` plugin's."""
    return name in str(node.get("_target_", "")).lower()


_DIRECTIONS = ("maximize", "minimize")


def _check_parallel_settings(config: DictConfig) -> None:
    """The Optuna sweeper's and the joblib launcher's counts and directions, which they
    check late or not at all: a direction per objective (one too few failed every trial,
    then the sweep with "No trials are completed yet"), ``n_trials`` and ``n_jobs`` >= 1
    (``n_jobs=0``: a ZeroDivisionError), joblib's ``n_jobs`` not 0."""
    sweeper, launcher = config.hydra.sweeper, config.hydra.launcher
    problems = []
    if _plugin_is(sweeper, "optuna"):
        for key in ("n_trials", "n_jobs"):
            value = sweeper.get(key)
            if not (type(value) is int and value >= 1):
                problems.append(f"hydra.sweeper.{key}={value!r}: must be a whole number >= 1")
        direction = sweeper.get("direction")
        if isinstance(direction, ListConfig):
            direction = OmegaConf.to_container(direction)
        directions = direction if isinstance(direction, list) else [direction]
        objectives = list(config.get("objectives") or ["the default objective"])
        if any(d not in _DIRECTIONS for d in directions) or len(directions) != len(objectives):
            problems.append(
                f"hydra.sweeper.direction={direction!r}: one of {'/'.join(_DIRECTIONS)} per "
                f"objective ({len(objectives)}: {', '.join(map(str, objectives))})"
            )
    if _plugin_is(launcher, "joblib"):
        n_jobs = launcher.get("n_jobs")
        if not (type(n_jobs) is int and n_jobs != 0):
            problems.append(f"hydra.launcher.n_jobs={n_jobs!r}: a number of processes, not 0 "
                            "(-1: one per core)")  # fmt: skip
    if problems:
        log.error("ConfigError: %s; nothing was run", "; ".join(problems))
        raise SystemExit(EXIT_USER_ERROR)


# What submitit's SLURM executor runs: srun (checked when it is made), sbatch (to submit).
_SLURM_COMMANDS = ("sbatch", "srun")
_NO_SLURM_FIX = (
    "run the sweep on a SLURM login node, start a one-node SLURM here (scripts/slurm_local.sh "
    "start, see the README's 'Scale out: SLURM'), or run it on this machine with "
    "launcher=submitit_local or without launcher="
)


def _require_slurm(config: DictConfig) -> None:
    """The submitit SLURM launcher needs SLURM's commands: without them submitit stopped the
    sweep with a traceback ('Could not detect "srun"'). Where they are, an sbatch that
    refuses the jobs (no SLURM config, controller down) is one line too
    (`_refuse_failed_submission`)."""
    launcher = config.hydra.launcher
    if not (_plugin_is(launcher, "submitit") and _plugin_is(launcher, "slurm")):
        return
    import shutil

    missing = [name for name in _SLURM_COMMANDS if shutil.which(name) is None]
    if missing:
        fix = _NO_SLURM_FIX.replace("run the sweep", "submit it, run the sweep", 1)
        log.error("ConfigError: launcher=submitit_slurm (hydra.launcher._target_=%s): no SLURM "
                  "on this machine (%s not on PATH); nothing was run. To %s",
                  launcher.get("_target_"), " and ".join(map(repr, missing)), fix)  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR)
    _refuse_failed_submission()


def _refuse_failed_submission() -> None:
    """Make submitit's SLURM submission (its sbatch call) that fails raise a one-line
    `HydraConfigError` naming the launcher and sbatch's own words, not a traceback
    (idempotent; left alone where submitit has no such method)."""
    from submitit.core.utils import FailedJobError
    from submitit.slurm.slurm import SlurmExecutor

    from mia_defense.hydra_guard import HydraConfigError

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


def _refuse_empty_sweep(config: DictConfig) -> None:
    """A sweep override with no value (``train.lr=range(0,0)``, ``range(5,1)``) makes a sweep
    of no runs: Hydra ran nothing and the sweep ended as if it had succeeded."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    for text in config.hydra.overrides.task:
        try:
            override = parser.parse_override(str(text))
            empty = override.is_sweep_override() and not list(override.sweep_string_iterator())
        except Exception:  # not enumerable here (interval, glob): the sweeper handles it
            continue
        if empty:
            log.error("ConfigError: %s: the sweep has no value for %s, so no run; nothing was "
                      "run. Give at least one value (range(START,STOP) stops before STOP)",
                      text, override.key_or_group)  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR)


def _refuse_sweep_settings_in_a_run(config: DictConfig) -> None:
    """Refuse a single run (no ``-m``) that selects a launcher, a sweeper or a search space
    (``launcher=submitit_slurm``, ``hparams_search=optuna_tradeoff``, ``+experiment=
    tradeoff_all``): Hydra uses them only in a multirun, so the run went ahead, here, as one
    run of the defaults, as if they had been left out."""
    choices = config.hydra.runtime.get("choices") or {}

    def chosen(group: str) -> str | None:
        choice = choices.get(group)
        return None if choice in (None, "basic") else f"{group}={choice}"

    # what the user selected, not what that selected in turn (launcher=x sets hydra/launcher)
    selected = [chosen("launcher") or chosen("hydra/launcher"),
                chosen("hparams_search") or chosen("hydra/sweeper")]  # fmt: skip
    if config.hydra.sweeper.get("params") and not selected[1]:
        experiment = choices.get("experiment")
        selected.append(f"+experiment={experiment} (its hydra.sweeper.params)" if experiment
                        else "hydra.sweeper.params")  # fmt: skip
    shown = [text for text in selected if text]
    if shown:
        log.error("ConfigError: %s: what a sweep runs with, unused by a single run: without -m "
                  "this would be one run, here in this process, with none of the sweep's "
                  "values; nothing was run. Add -m (mia-train -m ...) to run the sweep, or "
                  "leave %s out", "; ".join(shown),
                  "it" if len(shown) == 1 else "them")  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR)


def _refuse_shared_run_dirs(config: DictConfig) -> None:
    """Refuse a sweep over a key that the run folders' names leave out (``progress``,
    ``figures``, ``cache_dir``, ``train.device``, ``+experiment``, ...: ``hydra.job.config.
    override_dirname.exclude_keys``) under the packaged ``hydra.sweep.subdir``: its points
    would share one folder, and all but the first were skipped as that run or refused; so
    would the points of a value given twice (``seed=1,1``)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if config.hydra.sweep._get_node("subdir")._value() != _SAFE_SUBDIR:
        return  # a naming of the user's own (${hydra.job.num}): each point its own folder
    excluded = {str(k) for k in config.hydra.job.config.override_dirname.exclude_keys or []}
    params = config.hydra.sweeper.get("params") or {}
    texts = [*map(str, config.hydra.overrides.task), *(f"{k}={v}" for k, v in params.items())]
    parser = OverridesParser.create()
    for text in texts:
        try:
            override = parser.parse_override(text)
            values = list(override.sweep_string_iterator()) if override.is_sweep_override() else []
        except Exception:  # not enumerable (an interval): not one of these keys' kind
            continue
        if len(set(values)) < len(values):
            twice = sorted({v for v in values if values.count(v) > 1})
            log.error("ConfigError: %s: gives %s more than once, so two of the sweep's runs would "
                      "share one folder (the second skipped as the first, or refused while the "
                      "first runs); nothing was run. Give each value once", text, twice[0])
            raise SystemExit(EXIT_USER_ERROR)
        if override.key_or_group in excluded and len(set(values)) > 1:
            log.error("ConfigError: %s: the run folders' names leave %s out (hydra.job.config."
                      "override_dirname.exclude_keys), so the sweep's %d runs would share one "
                      "folder (the first would be kept, the others skipped or refused); "
                      "nothing was run. Start one sweep per value, each with its own "
                      "hydra.sweep.dir", text, override.key_or_group, len(values))  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR)


def _refuse_other_kind(path: str, *, key: str, held: str, what: str, fix: str) -> None:
    """Refuse a sweep directory that is a single run's (it holds results.json) and a run
    directory that is a sweep's (multirun.yaml): the sweep's files and runs would be mixed
    into the other's folder, and mia-report would read them as one."""
    if (Path(path) / held).is_file():
        log.error("ConfigError: %s=%s is %s (it holds %s); %s: choose another %s", key, path,
                  what, held, fix, key)  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR)


# What only a run directory of mia-train holds, and what a run refused before it claimed its
# directory leaves there (Hydra's job log, mia-train's or mia-attack's): a directory with
# anything else is no run's.
_RUN_MARKS = ("results.json", ".lock", "checkpoints", "checkpoints_undefended")
_RUN_LEFTOVERS = frozenset({"train.log", "attack.log", ".hydra", "tb"})
# What only a sweep directory holds, besides its runs' folders and TensorBoard files.
_SWEEP_MARKS = ("multirun.yaml", "optimization_results.yaml", ".model_store")


def _is_run_dir(path: Path) -> bool:
    """Whether ``path`` is empty or a mia-train run's directory (finished or not)."""
    if any((path / mark).exists() for mark in _RUN_MARKS):
        return True
    return all(entry.name in _RUN_LEFTOVERS for entry in path.iterdir())


def _is_sweep_dir(path: Path) -> bool:
    """Whether ``path`` is empty or a sweep's directory: its own files, or only run folders."""
    if any((path / mark).exists() for mark in _SWEEP_MARKS):
        return True
    return all(
        entry.name.startswith("events.out.tfevents.")
        or (entry.is_dir() and not entry.is_symlink() and _is_run_dir(entry))
        for entry in path.iterdir()
    )


def _refuse_foreign_dir(path: str, *, key: str, ours: Callable[[Path], bool]) -> None:
    """Refuse an existing directory that holds files no run or sweep wrote (``/``, ``$HOME``,
    a data folder): results, checkpoints and logs would be strewn among them. Refuse a path
    starting with ``~`` too: Hydra does not expand it and would make a folder named ``~``."""
    if path.startswith("~"):
        log.error("ConfigError: %s=%s starts with '~', which the shell did not expand (it was "
                  "quoted): Hydra would make a folder named '~' in %s; write $HOME/... or an "
                  "absolute path", key, path, os.getcwd())  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR)
    folder = Path(path)
    try:
        if not folder.is_dir() or ours(folder):
            return
        shown = sorted(entry.name for entry in folder.iterdir())
    except OSError:
        return  # unreadable: _require_writable_dir names the problem
    listed = ", ".join(shown[:5]) + (", ..." if len(shown) > 5 else "")
    log.error("ConfigError: %s=%s holds files that are not mia-train's (%s); nothing was "
              "changed. Choose a new or empty directory for %s", key, path, listed, key)
    raise SystemExit(EXIT_USER_ERROR)


def _refuse_inside_a_run(path: str, *, key: str) -> None:
    """Refuse a run or sweep directory inside another run's (``<run>/tb/inner``): its files
    would be taken for that run's (TensorBoard showed the inner run's events as the outer
    run's, a report read both)."""
    try:
        inside = Path(path).resolve()
        outer = next((parent for parent in inside.parents if _holds_a_run(parent)), None)
    except OSError:
        return  # unreadable: _require_writable_dir names the problem
    if outer is None:
        return
    log.error("ConfigError: %s=%s lies inside the run directory %s; nothing was changed. "
              "Choose a directory outside every run, e.g. beside it", key, path, outer)
    raise SystemExit(EXIT_USER_ERROR)


def _holds_a_run(folder: Path) -> bool:
    """Whether ``folder`` is a run's, by names together that only a run's folder holds
    (a ``results.json`` or a ``.lock`` alone are other tools' too: pytest's temp roots)."""
    beside = ("train.log", "tb", "observations.npz", "scores.npz", "checkpoints")
    if (folder / "results.json").is_file():
        return any((folder / name).exists() for name in beside)
    return (folder / ".lock").is_file() and (folder / "train.log").is_file()


def _refuse_run_of_another_config(config: DictConfig) -> None:
    """Refuse ``hydra.run.dir`` holding a run of another config before Hydra appends its log
    to that run's train.log (the task refuses it too, with the data and code checked)."""
    from mia_defense.errors import ConfigError
    from mia_defense.tracking.run_dir import RESULTS, config_differences

    path = Path(config.hydra.run.dir) / RESULTS
    if "train" not in config or not path.is_file():
        return  # (mia-attack's runs are another tool's, with their own check)
    try:
        from mia_defense.tracking import read_json

        payload = read_json(path)
        stored, status = payload.get("config"), str(payload.get("status", "unknown"))
        task = OmegaConf.masked_copy(config, [str(k) for k in config if k != "hydra"])
        differences = config_differences(stored, OmegaConf.to_container(task, resolve=True))
    except Exception:  # unreadable, no run's, or resolved only in the task: the task says so
        return
    if differences:
        shown = "; ".join(differences[:8]) + ("; ..." if len(differences) > 8 else "")
        error = ConfigError(
            f"{config.hydra.run.dir} holds {'an' if status[:1] in 'aeiou' else 'a'} {status} "
            f"run of another config ({shown}); nothing was changed. Run in a new directory "
            "(hydra.run.dir=...), or delete that directory yourself to replace it"
        )
        log.error("ConfigError: %s", error)
        raise SystemExit(EXIT_USER_ERROR)


def _refuse_escaping_subdir(sweep_dir: str, subdir: str) -> None:
    """Each run of a sweep must get a folder strictly inside the sweep directory: a
    ``hydra.sweep.subdir`` that is absolute, climbs out with ``..`` or is empty would put it
    (and its results) over other runs or anywhere on the disk."""
    root = os.path.abspath(sweep_dir)
    target = os.path.abspath(os.path.join(root, subdir))
    if os.path.commonpath([root, target]) == root and target != root:
        return
    log.error("ConfigError: hydra.sweep.subdir=%s puts a run at %s, outside the sweep "
              "directory %s (or onto it); nothing was run. Leave hydra.sweep.subdir at its "
              "default, or give a relative name without '..'", subdir, target, root)
    raise SystemExit(EXIT_USER_ERROR)


def _refuse_escaping_output_subdir(config: DictConfig, run_dir: str) -> None:
    """Hydra's copies of the config (``hydra.output_subdir``: config.yaml, hydra.yaml,
    overrides.yaml) must land inside the run's own folder ``run_dir``: ``..`` or an
    absolute path wrote them over the user's own files (a config.yaml beside the run) or
    into another run. ``null`` (the default) writes none."""
    try:
        subdir = OmegaConf.select(config, "hydra.output_subdir", default=None)
    except OmegaConfBaseException as exc:
        subdir = exc  # an interpolation that does not resolve: named below
    if subdir is None:
        return
    root = os.path.abspath(run_dir)
    if isinstance(subdir, str):
        target = os.path.abspath(os.path.join(root, subdir))
        if os.path.commonpath([root, target]) == root:
            return
        where = f"puts Hydra's config.yaml, hydra.yaml and overrides.yaml at {target}, outside"
    else:
        where = "is no folder name: Hydra writes its config copies into a folder of"
    log.error("ConfigError: hydra.output_subdir=%s %s the run directory %s; nothing was run. "
              "Leave it at null (results.json holds the config), or give a relative name "
              "without '..' such as .hydra", subdir, where, root)
    raise SystemExit(EXIT_USER_ERROR)


# The packaged hydra.sweep.subdir: one escaped name per run, inside the sweep directory.
_SAFE_SUBDIR = "${mia_safe_dirname:${hydra.job.override_dirname}}"


def _check_subdir_per_job(config: DictConfig) -> None:
    """Refuse, before Hydra makes a job's folder and its train.log, a ``hydra.sweep.subdir``
    of the user's own that puts that job outside the sweep directory through its values
    (``${hydra.job.override_dirname}`` with ``+z=../../..``). Hydra resolves the subdir of
    each job just before it makes the folder, with no callback in between: the sweep's
    jobs get the subdir wrapped in ``${mia_subdir_inside:SWEEP_DIR,'SUBDIR'}``, which
    refuses it there as `_refuse_escaping_subdir` does (the job callback was too late)."""
    from omegaconf import read_write

    raw = config.hydra.sweep._get_node("subdir")._value()
    if not isinstance(raw, str) or "${" not in raw or raw == _SAFE_SUBDIR or '"' in raw:
        return  # a fixed subdir was checked as the sweep started; '"': on_job_start checks
    # (a list item of OmegaConf's too: the ${...} must parse there; Hydra's "..." holds it)
    wrapped = "${mia_subdir_inside:${hydra.sweep.dir}," + _quoted(raw) + "}"
    with read_write(config.hydra.overrides):
        config.hydra.overrides.hydra.append(f'hydra.sweep.subdir="{wrapped}"')


def _quoted(text: str) -> str:
    """``text`` as a quoted resolver argument of OmegaConf: quotes and the backslashes
    before a quote or the end escaped."""
    escaped = re.sub(r"(\\*)('|$)",
                     lambda m: m.group(1) * 2 + ("\\'" if m.group(2) else ""), text)
    return f"'{escaped}'"


def _subdir_inside(sweep_dir: str, subdir: str) -> str:
    """Resolver ``mia_subdir_inside``: ``subdir`` when it names a folder inside
    ``sweep_dir``; else the process exits 2 with `_refuse_escaping_subdir`'s line."""
    _refuse_escaping_subdir(str(sweep_dir), str(subdir))
    return str(subdir)


OmegaConf.register_new_resolver("mia_subdir_inside", _subdir_inside, replace=True)


# The records a sweep leaves in its directory, written anew by each sweep started there.
_SWEEP_RECORDS = ("multirun.yaml", "optimization_results.yaml")


def _keep_earlier_sweep_records(sweep_dir: Path, upcoming: str) -> None:
    """Keep what an earlier sweep into ``sweep_dir`` recorded: Hydra writes multirun.yaml
    (Optuna optimization_results.yaml) over it. A record that differs from the ``upcoming``
    multirun.yaml and has no copy yet is copied to ``multirun.1.yaml``, ``.2``, ...; a sweep
    started again unchanged (a resume) adds nothing."""
    from mia_defense.errors import DataError
    from mia_defense.files import atomic_write

    for name in _SWEEP_RECORDS:
        path = sweep_dir / name
        if not path.is_file() or path.is_symlink():
            continue
        old = path.read_bytes()
        stem, suffix = name.rsplit(".", 1)
        kept = sorted(sweep_dir.glob(f"{stem}.*.{suffix}"))
        if (name == "multirun.yaml" and old == upcoming.encode()) or any(
            copy.is_file() and copy.read_bytes() == old for copy in kept
        ):
            continue
        number = 1
        while (sweep_dir / f"{stem}.{number}.{suffix}").exists():
            number += 1
        copy = sweep_dir / f"{stem}.{number}.{suffix}"
        try:
            atomic_write(copy, lambda handle, data=old: handle.write(data))
        except DataError as exc:
            log.error("DataError: %s; the earlier sweep's %s would be lost: free the space "
                      "or choose a new hydra.sweep.dir", exc, path)  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR) from None
        log.info("kept the earlier sweep's %s as %s", name, copy.name)


def _require_writable_dir(path: str, *, key: str) -> None:
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        log.error(
            "DataError: %s=%s: cannot write there (%s); point %s at a writable directory",
            key, path, exc.strerror or exc, key,
        )
        raise SystemExit(EXIT_USER_ERROR) from None



def _require_writable_log_files(config: DictConfig, *, made: Path | None) -> None:
    """Each log file of the job's logging config given as a fixed path (not the run
    directory's train.log, which is made with it) must be one this user can append to:
    Hydra opens it after making the run directory and stopped with a traceback ("Unable to
    configure handler 'file'") for a missing folder, a directory or a read-only file. On a
    refusal the directory ``made`` for it just now is removed again (when still empty)."""
    for key, filename in job_log_files(config):
        try:
            with open(filename, "a"):
                pass
        except OSError as exc:
            if made is not None:
                with contextlib.suppress(OSError):
                    made.rmdir()
            log.error("DataError: %s=%s: cannot write a log file there (%s); nothing was run. "
                      "Point it at a writable file, or leave it at its default (train.log in "
                      "the run directory; hydra/job_logging=disabled: no log file)", key,
                      filename, exc.strerror or exc)  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR) from None


def job_log_files(config: DictConfig) -> list[tuple[str, str]]:
    """``(key, filename)`` of each log file of the job's logging config given as a fixed path
    (``hydra.job_logging.handlers.NAME.filename``); one under the run directory
    (``${hydra.runtime.output_dir}/...``, resolved only as the job starts) is left out."""
    handlers = OmegaConf.select(config, "hydra.job_logging.handlers", default=None)
    found = []
    for name in handlers if isinstance(handlers, DictConfig) else ():
        try:
            handler = handlers[name]
            filename = handler.get("filename") if isinstance(handler, DictConfig) else None
        except OmegaConfBaseException:  # ${hydra.runtime.output_dir}: set as the job starts
            continue
        if isinstance(filename, str) and filename:
            found.append((f"hydra.job_logging.handlers.{name}.filename", filename))
    return found


def _print_summary(run_dir: Path, lines: list[str]) -> None:
    """Print the end-of-run lines on stdout; one that cannot take them (``> /dev/full``, a
    full disk) is a `DataError` naming the run's results (a traceback, exit 1, before). A
    reader that has gone (BrokenPipeError) is `run_entry`'s."""
    from mia_defense.errors import DataError

    try:
        for line in lines:
            print(line)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise DataError(
            f"cannot write the results table to stdout ({exc.strerror or exc}); the run is "
            f"complete: its results are in {shell_path(run_dir / 'results.json')} (mia-report "
            f"{shell_path(run_dir)} shows them)"
        ) from None


@hydra.main(version_base="1.3", config_path="pkg://mia_defense.conf", config_name="config")
def _hydra_main(cfg: DictConfig) -> float | tuple[float, ...] | None:
    """Hydra entry point; returns the sweep objective(s) for sweepers such as Optuna.

    Without an ``objectives`` key: the strongest attack's TPR at the lowest FPR (a float).
    With ``objectives: [NAME, ...]`` (set by ``hparams_search=optuna_tradeoff``; names as in
    `mia_defense.report.objective`): a float for one name, a tuple for several (what the
    Optuna sweeper's multi-objective ``direction: [...]`` expects).

    A run whose directory already holds a complete results.json of the same config on the
    same data (a sweep started again with the same ``hydra.sweep.dir``) is skipped: its
    figures are read back.
    """
    global _TASK_STARTED
    _TASK_STARTED = True
    _guard_log_files()
    # The pipeline is imported once the task starts (not for --help, --cfg).
    from mia_defense.cli.build import claimed_run, format_table
    from mia_defense.collector import collect_from_here
    from mia_defense.experiment import fpr_key, run_experiment
    from mia_defense.report.objectives import check_objective_names, objectives
    from mia_defense.threads import one_thread
    from mia_defense.tracking import read_json

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    fprs = sorted(float(f) for f in cfg.attack.fprs)
    names = [str(n) for n in cfg.get("objectives") or [f"max_attack.{fpr_key(fprs[0])}"]]
    try:
        check_objective_names(names, fprs=fprs)  # a TPR at an FPR the attacks measure
        one_thread()
        collect_from_here()
        with claimed_run(cfg, run_dir) as (experiment, data, payload):
            if payload is not None:
                _refuse_unreadable_finished_run(run_dir, payload)
                log.info("skipping finished run %s (complete results.json, same config)", run_dir)
            else:
                result = run_experiment(
                    experiment, run_dir, data=data, progress=bool(cfg.progress),
                    figures=bool(cfg.get("figures", True)),
                )
                tensorboard = tool_command("tensorboard")
                _print_summary(run_dir, [
                    format_table(result, fprs), f"\nrun directory: {shell_path(run_dir)}",
                    f"wall time: {result.wall_seconds:.1f} s",
                    f"look at it:   {tensorboard} --logdir {shell_path(run_dir)}",
                ])  # fmt: skip
                payload = read_json(run_dir / "results.json")
        values = objectives(payload, names)
        if payload.get("utility_below_chance") is True:
            log.warning("no privacy verdict for this run: a sweeper gets the worst leakage "
                        "(1 for a TPR or AUC) for its max_attack objectives")
    except DivergedError as exc:  # an outcome of this point (results.json says so)
        log.error("%s: %s", type(exc).__name__, exc)
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            return None  # the other points still run; a sweeper records a failed trial
        raise SystemExit(EXIT_USER_ERROR) from None
    except MiaDefenseError as exc:  # a user-caused problem: one clear line, no traceback
        log.error("%s: %s", type(exc).__name__, exc)
        if HydraConfig.get().mode == RunMode.MULTIRUN:  # one bad point of a grid
            said = " ".join(line.strip() for line in str(exc).splitlines())
            _SWEEP_FAILED.append((run_dir, f"{type(exc).__name__}: {said}"))
            return None  # the other points still run; the sweep exits 2 at its end
        raise SystemExit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        log.error("interrupted; run the same command again to resume")
        raise SystemExit(EXIT_INTERRUPTED) from None
    return values[0] if len(values) == 1 else tuple(values)


def _refuse_unreadable_finished_run(run_dir: Path, payload: dict[str, Any]) -> None:
    """A finished run skipped on resume must hold figures the sweeper and the table can read:
    an edited results.json (``"attacks": "x"``) was an AttributeError traceback."""
    from mia_defense.report.checks import payload_problem

    problem = payload_problem(payload)
    if problem:
        raise ConfigError(f"{run_dir / 'results.json'}: {problem}; nothing was changed. Run "
                          "in a new directory, or move this run away to train it again")


def main() -> None:
    """``mia-train``: exit 0 with a finished, finite run; 2 on a user error (a bad config or
    file, a run directory in use or holding another run, diverged training); 130 on Ctrl-C.
    In a sweep (``-m``) a diverged or refused point (a bad value in one point of a grid) does
    not stop the others: the sweep runs them all, names those runs and exits 2.

    Hydra reports errors in composing the config (an unknown override, a bad value type)
    itself with exit code 1 before the task starts; those are user errors too.
    """
    _SWEEP_DIVERGED.clear()  # (a previous sweep of this process is not this one)
    _SWEEP_FAILED.clear()
    _LOG_FAILED.clear()
    refuse_misused_flags(sys.argv[1:])
    refuse_null_groups(sys.argv[1:])
    refuse_misspelt_keys(sys.argv[1:])
    refuse_unknown_hydra_keys(sys.argv[1:])
    refuse_missing_plugins(sys.argv[1:])
    refuse_hydra_targets(sys.argv[1:])
    run_entry(_hydra_main, started=lambda: _TASK_STARTED,
              interrupted="interrupted; run the same command again to resume")  # fmt: skip
    if _LOG_FAILED:
        print(f"DataError: the log file(s) {', '.join(dict.fromkeys(_LOG_FAILED))} could not be "
              "written (see above): the log lines from then on went to the console only, so "
              "this ends as failed; the run's results (results.json) are complete where it "
              "says. Free space there or point hydra.job_logging.handlers.file.filename at a "
              "writable file (hydra/job_logging=disabled: no log file)", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)
    if _SWEEP_DIVERGED or _SWEEP_FAILED:
        raise SystemExit(EXIT_USER_ERROR)


def _guard_log_files() -> None:
    """Make each log file the job's logging writes to (Hydra's job_logging: train.log) say
    once that it cannot be written, and drop it: `logging` printed a "--- Logging error ---"
    block with a traceback for every log line (13 in a tiny run) and the run ended as if
    all were well."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler) and not getattr(handler, "_mia_guard", 0):
            handler.handleError = functools.partial(_log_file_failed, handler)  # type: ignore[method-assign]
            handler._mia_guard = True  # type: ignore[attr-defined]


def _log_file_failed(handler: logging.FileHandler, record: logging.LogRecord) -> None:
    """`logging.Handler.handleError` of a log file: one line on stderr naming the file and
    the error, the handler removed from every logger, the failure kept for `main`."""
    error = sys.exc_info()[1]
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        if isinstance(logger, logging.Logger):
            logger.removeHandler(handler)
    with contextlib.suppress(Exception):  # (closing flushes what could not be written)
        handler.close()
    reason = error.strerror if isinstance(error, OSError) and error.strerror else error
    _LOG_FAILED.append(handler.baseFilename)
    with contextlib.suppress(Exception):
        print(f"DataError: cannot write the log file {handler.baseFilename} ({reason}); its "
              "log lines go to the console only from here on", file=sys.stderr)  # fmt: skip


def null_group_override(args: Sequence[str]) -> str | None:
    """The first override of ``args`` that selects null for a config group (``defense=null``,
    ``release=[null]``, ``dataset=null,digits``), or ``None``. Hydra stops on those with a
    Python traceback ("Config group override must be a string or a list. Got NoneType")."""
    from importlib.resources import files

    groups = {p.name for p in files("mia_defense.conf").iterdir() if p.is_dir()}
    for arg, key, choices in _override_choices(args):
        if key in groups and any(
            choice is None or (isinstance(choice, list) and None in choice) for choice in choices
        ):
            return arg
    return None


def _override_choices(args: Sequence[str]) -> Iterator[tuple[str, str, list[Any]]]:
    """``(override, key or group, its values)`` for each ``key=value`` of ``args`` that
    Hydra's parser reads (a sweep's values each; one value otherwise). A malformed one is
    left out: Hydra names it itself."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import ChoiceSweep

    parser = OverridesParser.create()
    for arg in args:
        if arg.startswith("-") or "=" not in arg:
            continue
        try:
            override = parser.parse_override(arg)
        except Exception:
            continue
        value = override.value()
        yield arg, override.key_or_group, value.list if isinstance(value, ChoiceSweep) else [value]


def refuse_misused_flags(args: Sequence[str], *, tool: str = "mia-train") -> None:
    """Exit 2 with one line on Hydra's ``--experimental-rerun``, which unpickles a file, on
    two of Hydra's commands at once (``-m --cfg job``) and on a ``--shell-completion`` Hydra
    would answer with a traceback."""
    from mia_defense.hydra_guard import completion_refusal, mode_flags_refusal, rerun_refusal

    message = (rerun_refusal(args) or mode_flags_refusal(args, tool=tool)
               or completion_refusal(args, os.environ, tool=tool))  # fmt: skip
    if message is not None:
        print(message, file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def refuse_null_groups(args: Sequence[str]) -> None:
    """Exit 2 with one line on an override that selects null for a config group."""
    arg = null_group_override(args)
    if arg is None:
        return
    group = arg.split("=", 1)[0].lstrip("+~")
    lists = " or a list of them ('defense=[dp,mixup]'; 'defense=[]' for none)"
    print(f"ConfigError: {arg}: a config group takes the name of one of its configs (the "
          f"files in conf/{group}/){lists if group == 'defense' else ''}, not null",
          file=sys.stderr)  # fmt: skip
    raise SystemExit(EXIT_USER_ERROR)


def refuse_hydra_targets(args: Sequence[str]) -> None:
    """Exit 2 with one line on a ``hydra.*`` override whose value names a ``_target_`` that
    `mia_defense.config.check_config` refuses elsewhere (``'+hydra.callbacks.x={_target_:
    shutil.copy, ...}'``): Hydra builds its callbacks, and a sweeper's nested targets, before
    any check of ours runs. (A config file that sets them is not seen here.)"""
    nodes: dict[str, Any] = {}
    for _, key, choices in _override_choices(args):
        if key != "hydra" and not key.startswith("hydra."):
            continue
        trees = [c for c in choices if isinstance(c, (dict, list))]
        # each value of a sweep (-m 'hydra.x={...},{...}') is checked, under its own name
        nodes.update({key if len(trees) == 1 else f"{key}[{i}]": c for i, c in enumerate(trees)})
    if not nodes:
        return
    from mia_defense.errors import ConfigError
    from mia_defense.targets import refuse_forbidden_targets

    try:
        refuse_forbidden_targets(nodes, where="hydra override")
    except ConfigError as exc:
        print(f"ConfigError: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR) from None


def misspelt_key(args: Sequence[str]) -> tuple[str, str, str] | None:
    """The first override of ``args`` whose first name is neither a config group nor a
    top-level key but close to one (``defens=dp``, ``trian.lr=1``): ``(override, name,
    closest)``. Hydra says only "Could not override 'defens'. To append to your config use
    +defens=dp", which would add a key nothing reads."""
    import difflib
    from importlib.resources import files

    import yaml

    if any(a.startswith(("hydra.searchpath", "--config-dir", "-cd")) for a in args):
        return None  # groups of the user's own config folders: Hydra knows them
    conf = files("mia_defense.conf")
    known = {p.name for p in conf.iterdir() if p.is_dir() and not p.name.startswith("_")}
    top = yaml.safe_load(conf.joinpath("config.yaml").read_text()) or {}
    known |= {str(key) for key in top} | {"hydra", "objectives"}
    for arg in args:
        if arg.startswith(("-", "+", "~")) or "=" not in arg:
            continue
        name = arg.split("=", 1)[0].split(".", 1)[0]
        if name in known or not name.isidentifier():
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        if close:
            return arg, name, close[0]
    return None


def refuse_misspelt_keys(args: Sequence[str]) -> None:
    """Exit 2 with one line on an override whose group or key is misspelt."""
    found = misspelt_key(args)
    if found is None:
        return
    arg, name, close = found
    print(f"ConfigError: {arg}: no config group or key {name!r} (Key {name!r} is not in "
          f"struct); did you mean {close!r}? (groups: the folders of conf/; keys: mia-train "
          "--cfg job)", file=sys.stderr)  # fmt: skip
    raise SystemExit(EXIT_USER_ERROR)


# The Hydra plugin each launcher or search needs: (its module, how to install it).
_SWEEP = 'pip install "mia-defense[sweep]"'
_PLUGINS = {
    "joblib": ("hydra_plugins.hydra_joblib_launcher", _SWEEP),
    "optuna": ("hydra_plugins.hydra_optuna_sweeper", _SWEEP),
    "submitit": ("hydra_plugins.hydra_submitit_launcher", 'pip install "mia-defense[slurm]"'),
    "ray": ("hydra_plugins.hydra_ray_launcher", 'make install-ray, or pip install '
            '"mia-defense[ray]"'),
}  # fmt: skip
_PLUGIN_GROUPS = ("launcher", "hydra/launcher", "hparams_search", "hydra/sweeper")


def missing_plugin(args: Sequence[str]) -> tuple[str, str] | None:
    """The first override of ``args`` that selects a launcher or search whose Hydra plugin
    is not installed (``launcher=ray``): ``(override, how to install it)``. Hydra said only
    "Could not find 'hydra/launcher/ray'" and listed the others."""
    from importlib.util import find_spec

    for arg, key, choices in _override_choices(args):
        if key.lstrip("+~") not in _PLUGIN_GROUPS:
            continue
        for choice in choices:
            for name, (module, install) in _PLUGINS.items():
                if name in str(choice) or (key.endswith("hparams_search") and name == "optuna"):
                    with contextlib.suppress(ImportError, ValueError):
                        if find_spec(module) is not None:
                            continue
                    return arg, install
    return None


def refuse_missing_plugins(args: Sequence[str]) -> None:
    """Exit 2 with one line on a launcher or search whose plugin is not installed."""
    found = missing_plugin(args)
    if found is None:
        return
    arg, install = found
    print(f"ConfigError: {arg}: its Hydra plugin is not installed; install it ({install}) "
          "or leave it out (the basic launcher runs the sweep's runs one after another)",
          file=sys.stderr)  # fmt: skip
    raise SystemExit(EXIT_USER_ERROR)


def unknown_hydra_key(args: Sequence[str]) -> tuple[str, str, list[str]] | None:
    """The first ``+hydra.KEY=...`` (or ``++``) of ``args`` that adds a key Hydra's own
    settings do not have (``+hydra.run.dri=/x``): ``(override, key, the known keys there)``.
    Hydra adds it and never reads it: the run went to the default folder. Only the typed
    parts of Hydra's config are known here (not a launcher's, sweeper's, logging's or
    callbacks' keys, nor ``hydra.job.env_set``)."""
    import dataclasses
    import typing

    from hydra.conf import HydraConf

    for arg in args:
        if not arg.startswith("+") or "=" not in arg:
            continue
        key = arg.lstrip("+").split("=", 1)[0].strip()
        parts = key.split(".")
        if parts[0] != "hydra" or len(parts) < 2:
            continue
        schema: Any = HydraConf
        for depth, name in enumerate(parts[1:], start=1):
            if not (isinstance(schema, type) and dataclasses.is_dataclass(schema)):
                break  # a node of any keys (a plugin's, a dict): not known here
            fields = {f.name: f for f in dataclasses.fields(schema)}
            if name not in fields:
                return arg, ".".join(parts[: depth + 1]), sorted(fields)
            hints = typing.get_type_hints(schema)
            schema = hints.get(name)
    return None


def refuse_unknown_hydra_keys(args: Sequence[str]) -> None:
    """Exit 2 with one line on a ``+hydra.KEY=...`` that Hydra's settings do not have."""
    import difflib

    found = unknown_hydra_key(args)
    if found is None:
        return
    arg, key, known = found
    name = key.rsplit(".", 1)[-1]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {key.rsplit('.', 1)[0]}.{close[0]}?" if close else \
        f"its keys there: {', '.join(known)}"  # fmt: skip
    print(f"ConfigError: {arg}: Hydra has no setting {key}, so it would be added and never "
          f"read; {hint} (mia-train --cfg hydra shows Hydra's settings)", file=sys.stderr)
    raise SystemExit(EXIT_USER_ERROR)


def run_entry(
    entry: Callable[[], object], *, started: Callable[[], bool], interrupted: str
) -> None:
    """Run a tool's Hydra entry point with the tools' exit codes: Hydra's exit 1 before the
    task ``started`` (a config it could not compose) becomes 2, a user error; Ctrl-C prints
    ``interrupted`` and exits 130. Where Hydra reports no error itself (``--help``,
    ``--hydra-help``, ``--info``), a config it cannot compose or a help template it cannot
    fill is printed as one message and exits 2; a reader that closed stdout (``| head``)
    ends the tool quietly.

    Ctrl-C is noted when it arrives: during start-up it can land inside an import (numpy's,
    torch's), which then fails as an ImportError that Hydra reports as a config error ("Error
    locating target ... CheckConfigCallback") and exits 1. Any exit after a Ctrl-C is the
    interruption, never a user error.
    """
    previous = signal.getsignal(signal.SIGINT)
    pressed = _note_ctrl_c()
    no_collection_at_exit()
    try:
        with paused_while_importing():  # the task turns it on (`collect_from_here`)
            entry()
    except SystemExit as exc:
        if pressed() and exc.code not in (0, None):
            print(interrupted, file=sys.stderr)
            raise SystemExit(EXIT_INTERRUPTED) from None
        if exc.code == 1 and not started():
            raise SystemExit(EXIT_USER_ERROR) from None
        raise
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except BrokenPipeError:  # mia-train --help | head: the reader has gone
        quiet_stdout()
        raise SystemExit(EXIT_BROKEN_PIPE if started() else 0) from None
    except (ConfigError, CompactHydraException) as exc:
        # Raised where Hydra does not report errors itself (--help, --hydra-help, --info):
        # a config it cannot compose or a help template it cannot fill is a user error too.
        if started() or os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(_one_error(exc), file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR) from None
    finally:
        if previous is signal.default_int_handler:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGINT, previous)


def _one_error(exc: Exception) -> str:
    """What Hydra prints for an error it reports: its message and the config's reason."""
    text = str(exc)  # (a HydraConfigError names itself already)
    if isinstance(exc, ConfigError):
        return text if text.startswith("ConfigError: ") else f"ConfigError: {text}"
    cause = exc.__cause__
    reason = f"\n{cause}" if isinstance(cause, OmegaConfBaseException) else ""
    return f"{text}{reason}"


def _note_ctrl_c() -> Callable[[], bool]:
    """Install a SIGINT handler that raises KeyboardInterrupt as Python's does and remembers
    that it did; returns whether Ctrl-C was pressed. Left alone where SIGINT is ignored or
    handled otherwise (a background job, an embedding program) or off the main thread."""
    pressed: list[bool] = []

    def handler(signum: int, frame: object) -> None:
        pressed.append(True)
        raise KeyboardInterrupt

    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        pass
    return lambda: bool(pressed)

if __name__ == "__main__":
    main()

"""`mia-train`: train K models with the configured defenses, attack them, record the run.

This module is what ``mia-train --help`` and ``mia-train --cfg job`` import: Hydra, the
config setup and the callbacks, nothing heavy. The pipeline (`mia_defense.cli.build`, which
imports torch, the attacks and TensorBoard) is imported when the task starts; its
`build_experiment`, `format_table` and `run` are re-exported here on first use.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import math
import os
import re
import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, ListConfig, OmegaConf

from mia_defense.cli.arguments import (
    refuse_bare_words,
    refuse_hydra_targets,
    refuse_missing_plugins,
    refuse_misspelt_keys,
    refuse_misused_flags,
    refuse_null_groups,
    refuse_option_after_overrides,
    refuse_shadowed_configs,
    refuse_unexpanded_home,
    refuse_unknown_hydra_keys,
    refuse_unquoted_non_ascii,
    warn_ineffective_overrides,
)
from mia_defense.cli.commands import shell_path, tool_command
from mia_defense.cli.entry import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USER_ERROR,
    end_interrupted,
    end_refused,
    progress_lock_in_process,
    quiet_pool_worker_starts,
    reader_gone,
    run_entry,
    take_interrupts_in_job,
)
from mia_defense.cli.experiment_checks import refuse_values_under_swept_keys
from mia_defense.cli.held_log import (
    HeldLog,
    OutputRefused,
    guard_log_files,
    lock_holder,
    locked_by_another,
    log_files_failed,
)
from mia_defense.cli.launcher_checks import (
    check_submitit_settings,
    warn_joblib_workers_below_one,
    warn_oversubscribed_launcher,
)
from mia_defense.cli.run_dirs import (
    check_run_folders_per_job,
    check_subdir_per_job,
    claim_timestamped_dir,
    folder_chain,
    is_run_dir,
    is_sweep_dir,
    keep_earlier_sweep_records,
    refuse_escaping_output_subdir,
    refuse_escaping_subdir,
    refuse_foreign_dir,
    refuse_in_use,
    refuse_inside_a_run,
    refuse_odd_log_files,
    refuse_other_kind,
    refuse_other_search,
    refuse_parent_of_unmade,
    refuse_run_of_another_config,
    refuse_unencodable_name,
    require_writable_dir,
    require_writable_log_files,
)
from mia_defense.cli.sweep_checks import (
    attack_settings,
    check_objectives,
    check_parallel_settings,
    defense_targets,
    dp_accountants,
    job_trial,
    override_keys,
    refuse_empty_sweep,
    refuse_float_ranges_on_integer_keys,
    refuse_huge_sweep,
    refuse_interval_without_search,
    refuse_number_in_two_forms,
    refuse_one_folder_for_all,
    refuse_other_modes_folder,
    refuse_repeated_defenses,
    refuse_repeated_sweep_keys,
    refuse_reversed_search_ranges,
    refuse_shared_run_dirs,
    refuse_stacked_release,
    refuse_sweep_refused_at_every_point,
    refuse_sweep_settings_in_a_run,
    refuse_unknown_group_options,
    refuse_unknown_plugin_keys,
    refuse_unknown_search_keys,
    refuse_unreadable_search_values,
    refuse_unselected_settings,
    release_randomized,
    require_search_space,
    require_slurm,
    require_usable_storage,
    warn_inclusive_search_ranges,
    warn_searched_seed,
    warn_unseeded_search,
)
from mia_defense.cli.sweep_refusals import (
    carry,
    gather_returned,
    in_another_runs_folder,
    in_use_refusal,
    launched_folders,
    print_points,
    print_refused,
    refused_run,
    returned,
    say,
    valued_folders,
    valued_jobs,
)
from mia_defense.cli.user_code import refuse_shadowing_files
from mia_defense.constraints import shown_path
from mia_defense.errors import (
    ConfigError,
    DataError,
    DivergedError,
    MiaDefenseError,
    UnsupportedModelError,
    counted,
)
from mia_defense.hydra_setup import hydra_config_of_the_job, plugin_is, setup_hydra

if TYPE_CHECKING:
    from mia_defense.cli.build import build_experiment, format_table, run

__all__ = ["build_experiment", "format_table", "main", "run"]

log = logging.getLogger(__name__)

# Set when Hydra hands the composed config to the task: a Hydra exit before that is a
# composition error (a user error), one after it is not.
_TASK_STARTED = False
# The runs of this process's sweep that diverged, found when it ends: the sweep then
# exits 2 (each point runs; a diverged one does not stop the others).
_SWEEP_DIVERGED: list[Path] = []
# The points of this process's sweep refused with a user error (a bad value in one point of
# a grid, such as train.lr=-1, or a directory in use): each is logged in its own train.log
# (never in another run's), the others still run, and the sweep names them at its end and
# exits 2.
_SWEEP_FAILED: list[tuple[Path, str]] = []
# The run directories of this process's sweep whose task started (refused ones too): a sweep
# whose every point was refused says so in one line at its end.
_SWEEP_RUNS: list[Path] = []
# The SweepSummary of the sweep in progress with its config: a sweeper that raises after its
# trials (Optuna's "No trials are completed yet." when every trial was refused) skips
# Hydra's on_multirun_end, so the sweep's end is said from `_lost_workers_stop_cleanly`.
_SWEEP_SUMMARY: list[tuple[Any, DictConfig]] = []
# Set when a multi-objective Optuna search ended with no trial that returned a value: its
# sweeper ends as a success (an empty Pareto front), so the sweep exits 2 itself.
_SEARCH_WITHOUT_RESULT: list[bool] = []
# The log files of this process that could not be written (a full disk, /dev/full): each
# said once when it failed, and the run or sweep exits 2 at its end.
_LOG_FAILED: list[str] = []
# The run or sweep directory this process named from the clock (`claim_timestamped_dir`:
# the default outputs/<date>/<time>), as (key, path): the same command names a new one, so
# an interrupted run or sweep resumes only with this one named (`_say_where_to_resume`).
_CLOCK_NAMED: list[tuple[str, str]] = []
# The folder of this process's single run once its task ended with the run finished (its
# results.json complete, its figures printed): a Ctrl-C in the tool's end after that (the
# held log's settling, Hydra's) has nothing to resume (`_interrupted_line`).
_FINISHED: list[Path] = []
# The sweep (as in `_SWEEP_SUMMARY`) whose jobs had all returned as its end began to be said
# (on_multirun_end): a Ctrl-C after that, with none of its runs left to resume, says the
# sweep finished (`_ended_sweep_finished`), not 'run the same command again to resume'.
_SWEEP_ENDED: list[tuple[Any, DictConfig]] = []
# Set once an interrupted sweep said what it keeps (`_say_what_the_sweep_kept`).
_KEPT_SAID: list[bool] = []
# The folders a single run's directory needed made (absolute, deepest first), as
# `RunDirCheck` found them before Hydra made them: a run refused before its claim removes
# them again (`_unmake_refused_run_dir`), as a refusal of Hydra's checks leaves none.
_RUN_DIR_MADE: list[str] = []
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
    """Hydra callback: `mia_defense.config.check_config` (and `check_defense_stack`) before
    Hydra creates a single run's directory.

    Hydra makes the run directory, its ``.hydra/`` copy of the config and the job log before
    the task function starts; a refused config must leave nothing behind, so the check runs
    in ``on_run_start`` and a problem ends the process there (one message, exit code 2). The
    jobs of a sweep are checked one by one in `build_experiment`. The check (which imports
    torch) is imported here, not when Hydra builds the callback: a sweep refused at its start
    (``hydra.sweep.dir`` at a run) does not wait for it.
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        from mia_defense.config import check_config, check_defense_stack

        # (first: check_config read a merged list of releases as one release's unknown keys)
        refuse_stacked_release(config)
        refuse_repeated_defenses(config)
        try:
            with hydra_config_of_the_job(config):
                check_config(config)
                check_defense_stack(config)
        except (ConfigError, DataError, UnsupportedModelError) as exc:  # (DataError: a data
            # file's, from its loader's check; UnsupportedModelError: a defense's of the model)
            log.error("%s: %s", type(exc).__name__, exc)
            raise SystemExit(EXIT_USER_ERROR) from None


def _fails_closed(key: str) -> Any:
    """Make a `RunDirCheck` method end the process (one line, exit 2) on an error of its
    own: Hydra turns an exception in a callback into a warning and goes on, so the checks
    after it were skipped (a symlink loop at hydra.sweep.dir: the earlier sweep's
    multirun.yaml went unkept, then Hydra's traceback)."""

    def wrap(method: Any) -> Any:
        @functools.wraps(method)
        def check(self: Callback, config: DictConfig, **kwargs: Any) -> None:
            try:
                method(self, config, **kwargs)
            except Exception as exc:
                where = OmegaConf.select(config, key, default="?",
                                         throw_on_resolution_failure=False)
                from mia_defense.files import path_text_problem

                problem = path_text_problem(where) if isinstance(where, str) else None
                if problem is not None:  # (a NUL from a config file: 'cannot be checked
                    # (ValueError: embedded null byte)')
                    end_refused(log, "%s=%s: %s; nothing was run. Point %s at a new or empty "
                                "directory", key, shown_path(where), problem, key)  # fmt: skip
                where = str(where)  # (and where the error's text quotes it: an OSError's)
                said = str(exc).replace(where, shown_path(where)) if where else str(exc)
                end_refused(log, "%s=%s: cannot be checked (%s: %s); nothing was run. "
                            "Point %s at a new or empty directory%s", key, shown_path(where),
                            type(exc).__name__, said, key,
                            _hydra_values_hint(exc, key))  # fmt: skip

        return check

    return wrap


def _hydra_values_hint(exc: Exception, key: str) -> str:
    """What to write instead when ``key`` read Hydra's own values (``${hydra:runtime.cwd}``)
    before Hydra sets them: a sweep's directory is resolved before any job starts, so Hydra
    itself fails on it ('HydraConfig was not set'), and only a plain path works there."""
    if "HydraConfig was not set" not in str(exc):
        return ""
    return (f" given as a path: {key} is resolved before Hydra sets its ${{hydra:...}} values, "
            f"so it cannot read them (Hydra itself fails on it); a relative path is taken from "
            f"the directory you launch in, e.g. {key}=multirun/mine")


class RunDirCheck(Callback):
    """Hydra callback: the run (or sweep) directory must be a directory this user can write,
    checked before Hydra creates it and writes its log there (else a bare traceback); it
    must be new, empty or a run's (a sweep's) own, never a folder of other files (``/``,
    ``$HOME``); and each run of a sweep must land inside the sweep directory. A check that
    fails with an error of its own ends the process too (`_fails_closed`)."""

    @_fails_closed("hydra.run.dir")
    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        with hydra_config_of_the_job(config):  # hydra.run.dir=${hydra:runtime.cwd}/runs
            self._check_run(config)

    def _check_run(self, config: DictConfig) -> None:
        refuse_sweep_settings_in_a_run(config)
        refuse_other_modes_folder(config)
        refuse_stacked_release(config)
        there = [folder for folder in folder_chain(str(config.hydra.run.dir))
                 if not os.path.lexists(folder)]
        with claim_timestamped_dir(config, "hydra.run.dir") as claimed:
            refuse_parent_of_unmade(str(config.hydra.run.dir), key="hydra.run.dir")
            refuse_other_kind(config.hydra.run.dir, key="hydra.run.dir", held="multirun.yaml",
                               what="a sweep's directory", fix="each run of a sweep has a "
                               "folder of its own in it")  # fmt: skip
            refuse_foreign_dir(config.hydra.run.dir, key="hydra.run.dir", ours=is_run_dir)
            refuse_inside_a_run(config.hydra.run.dir, key="hydra.run.dir")
            refuse_run_of_another_config(config)
            refuse_in_use(config.hydra.run.dir)
            refuse_odd_log_files(config, [Path(config.hydra.run.dir)], key="hydra.run.dir")
            refuse_escaping_output_subdir(config, config.hydra.run.dir)
            refuse_unencodable_name(config.hydra.run.dir, key="hydra.run.dir")
            new = claimed or not os.path.lexists(config.hydra.run.dir)
            require_writable_dir(config.hydra.run.dir, key="hydra.run.dir")
            require_writable_log_files(config, made=Path(config.hydra.run.dir) if new else None)
            _CLOCK_NAMED[:] = [("hydra.run.dir", str(config.hydra.run.dir))] if claimed else []
            # (a folder named from the clock was made by the claim, its '-2' too)
            chain = folder_chain(str(config.hydra.run.dir))
            _RUN_DIR_MADE[:] = [folder for folder in chain
                                if folder in there or (claimed and folder == chain[0])]

    @_fails_closed("hydra.sweep.dir")
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from mia_defense.cli.search_checks import (  # (a multirun's alone: no single run's)
            refuse_intervals_out_of_range,
            refuse_search_refused_at_every_point,
        )

        require_search_space(config)
        refuse_unreadable_search_values(config)
        refuse_interval_without_search(config)
        refuse_unknown_search_keys(config)
        refuse_unknown_group_options(config)
        refuse_reversed_search_ranges(config)
        refuse_float_ranges_on_integer_keys(config)
        refuse_intervals_out_of_range(config)
        warn_inclusive_search_ranges(config)
        warn_unseeded_search(config)
        warn_searched_seed(config)
        refuse_stacked_release(config)
        refuse_repeated_defenses(config)
        refuse_unknown_plugin_keys(config)
        check_parallel_settings(config)
        check_submitit_settings(config)
        check_objectives(config)
        warn_joblib_workers_below_one(config)
        warn_oversubscribed_launcher(config)
        refuse_shadowing_files(config)
        require_usable_storage(config)
        require_slurm(config)
        refuse_huge_sweep(config)
        refuse_repeated_sweep_keys(config)
        refuse_values_under_swept_keys(config)
        refuse_empty_sweep(config)
        refuse_number_in_two_forms(config)
        refuse_unselected_settings(config)
        refuse_one_folder_for_all(config)
        refuse_other_modes_folder(config)
        with claim_timestamped_dir(config, "hydra.sweep.dir") as claimed:
            refuse_parent_of_unmade(str(config.hydra.sweep.dir), key="hydra.sweep.dir")
            refuse_other_kind(config.hydra.sweep.dir, key="hydra.sweep.dir", held="results.json",
                               what="a run's directory", fix="a sweep writes its runs into "
                               "folders of a directory of its own")  # fmt: skip
            refuse_foreign_dir(config.hydra.sweep.dir, key="hydra.sweep.dir", ours=is_sweep_dir)
            refuse_inside_a_run(config.hydra.sweep.dir, key="hydra.sweep.dir")
            with contextlib.suppress(Exception):  # a subdir naming the job's overrides: per job
                refuse_escaping_subdir(config.hydra.sweep.dir, str(config.hydra.sweep.subdir),
                                       resolved=not OmegaConf.is_interpolation(  # (a job's)
                                           config.hydra.sweep, "subdir"))
            check_subdir_per_job(config)
            check_run_folders_per_job()
            # a job's folder, one level down, as hydra.sweep.subdir makes it
            refuse_escaping_output_subdir(config, os.path.join(config.hydra.sweep.dir, "job"))
            refuse_shared_run_dirs(config)
            refuse_odd_log_files(config, _run_folders(config.hydra.sweep.dir),
                                 key="hydra.sweep.dir")
            # (after the folder's checks: it imports torch, which they need not wait for)
            refuse_sweep_refused_at_every_point(config)
            refuse_search_refused_at_every_point(config)
            refuse_unencodable_name(config.hydra.sweep.dir, key="hydra.sweep.dir")
            new = claimed or not os.path.lexists(config.hydra.sweep.dir)
            require_writable_dir(config.hydra.sweep.dir, key="hydra.sweep.dir")
            require_writable_log_files(config, made=Path(config.hydra.sweep.dir) if new else None)
            refuse_other_search(config)
            keep_earlier_sweep_records(Path(config.hydra.sweep.dir), OmegaConf.to_yaml(config))
            _CLOCK_NAMED[:] = [("hydra.sweep.dir", str(config.hydra.sweep.dir))] if claimed else []
        if plugin_is(config.hydra.launcher, "joblib"):
            quiet_pool_worker_starts()

    @_fails_closed("hydra.sweep.subdir")
    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        if config.hydra.mode == RunMode.MULTIRUN:
            # (hydra.job.chdir=true has changed the working directory by now)
            root = os.path.join(config.hydra.runtime.cwd, config.hydra.sweep.dir)
            refuse_escaping_subdir(root, str(config.hydra.sweep.subdir))


def _unmake_refused_run_dir(run_dir: Path, held: HeldLog) -> None:
    """A single run refused before its claim in a directory that holds nothing (its log
    lines held) writes nothing: its lines are dropped (the console has them) and the folders
    made for it (`_RUN_DIR_MADE`) removed, as a refusal of Hydra's checks, before the folder
    was made, leaves none. A folder of other files gets the lines as before (an unfinished
    run's to resume); a point of a sweep keeps its train.log (the sweep names it)."""
    if held.settled:
        return
    try:
        with os.scandir(run_dir) as entries:
            if any(entries):
                return
    except OSError:
        return
    held.drop()
    if _RUN_DIR_MADE and _RUN_DIR_MADE[0] == os.path.abspath(run_dir):
        for folder in _RUN_DIR_MADE:  # (deepest first; one something else wrote into stays)
            with contextlib.suppress(OSError):
                os.rmdir(folder)


def _run_folders(sweep_dir: str) -> list[Path]:
    """The folders of an earlier sweep's runs in ``sweep_dir`` (none where it is new), links
    to folders too: Hydra writes a run through a link standing in its folder's place (its
    train.log appended in the folder linked to), as `run_files` reads them."""
    try:
        return [entry for entry in Path(sweep_dir).iterdir() if entry.is_dir()]
    except OSError:
        return []


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
        keys = [*override_keys(config, sweeps_only=False), "defense", "release"]
        _write_hparams_experiment(run_dir, log_dir=run_dir / "tb", swept=keys)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        files = _sweep_files(Path(config.hydra.sweep.dir))
        self._results = _results_identities(files[_RESULTS])
        self._log_sizes = _log_sizes(files[_TRAIN_LOG])
        _SWEEP_SUMMARY[:] = [(self, config)]

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        carry(job_return)  # a refusal, for the sweep's end where the job ran elsewhere

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        _SWEEP_ENDED[:] = [(self, config)]  # (its jobs have all returned)
        _SWEEP_SUMMARY.clear()  # (its end is said: said once, where it fails part way)
        try:
            self._say_the_end(config)
        except KeyboardInterrupt:  # (what the sweep keeps is said then, as during its runs)
            _SWEEP_SUMMARY[:] = [(self, config)]
            raise

    def _say_the_end(self, config: DictConfig) -> None:
        root = Path(config.hydra.sweep.dir)
        files = _sweep_files(root)  # (one walk: nothing below writes a run's files)
        _write_hparams_experiment(root, log_dir=None, swept=override_keys(config),
                                  results=files[_RESULTS])  # fmt: skip
        sweep_dir = shell_path(config.hydra.sweep.dir)
        # (the results.json files of before: one written since differs, whatever its mtime)
        before = getattr(self, "_results", {})
        # this sweep's folders: another sweep sharing hydra.sweep.dir at the same time wrote
        # its own runs and refusals there, which this one named (and exited 2 for) as its own
        ours = {os.path.abspath(run_dir) for run_dir in _SWEEP_RUNS} | launched_folders()

        def mine(run_dir: Path) -> bool:
            return not ours or os.path.abspath(run_dir) in ours

        # (a folder whose train.log grew: a point of this sweep ran there, or was skipped)
        grown = [train_log.parent for train_log, size in _log_sizes(files[_TRAIN_LOG]).items()
                 if size > getattr(self, "_log_sizes", {}).get(train_log, 0)]  # fmt: skip
        _SWEEP_DIVERGED[:] = filter(mine, _diverged_since(files[_RESULTS], before, grown))
        # refused in other processes (joblib, submitit, Ray): their JobReturns say why, else
        # (a job without this callback) their train.log
        _SWEEP_FAILED.extend(returned(_SWEEP_FAILED))
        known = {Path(run_dir).absolute() for run_dir, _ in _SWEEP_FAILED}
        _SWEEP_FAILED.extend(
            (run_dir, said)
            for run_dir, said in _refused_since(files[_TRAIN_LOG], before,
                                                getattr(self, "_log_sizes", {}))
            if run_dir.absolute() not in known and mine(run_dir)
        )  # fmt: skip
        failed = [(run_dir, said) for run_dir, said in _SWEEP_FAILED
                  if _failed_after_start(run_dir, said, before)]  # fmt: skip
        unrecorded = [(run_dir, said) for run_dir, said in _SWEEP_FAILED
                      if (run_dir, said) not in failed
                      and _failed_unrecorded(run_dir, said, before)]  # fmt: skip
        from mia_defense.files import FOLDER_GONE

        gone = [point for point in _SWEEP_FAILED if FOLDER_GONE in point[1]]
        refusals = [point for point in _SWEEP_FAILED if point not in failed + unrecorded + gone]
        # points refused in their folder, in use, by a run of this sweep that has finished
        # there since it started: two Optuna trials drawing the same values at once (a
        # choice, an int range; launcher=joblib). That run stands for both: the sweep was
        # said to have refused it, to wait for it 'still going', and with no other point
        # that "nothing was trained, a search has no result", exit 2. (A run that holds it
        # and was killed, results.json still 'running', is no twin: the refusal stands.)
        twins = [(run_dir, said) for run_dir, said in refusals if in_use_refusal(said)
                 and _written_since(Path(run_dir) / "results.json", before)
                 and _results_of(Path(run_dir), ("complete",)) is not None
                 and _of_its_config(Path(run_dir))]  # fmt: skip
        if twins:
            _SWEEP_FAILED[:] = [point for point in _SWEEP_FAILED if point not in twins]
            refusals = [point for point in refusals if point not in twins]
            # (or another process's run of its overrides: a second sweep started into this
            # folder at the same time, which the refusal's holder line does not tell apart)
            print_points(f"{len(twins)} point(s) of this sweep found their folder in use by a "
                         "run of its overrides that finished there since (another point "
                         "drawing the same values at the same time, as an Optuna search may, "
                         "or another mia-train run into this folder meanwhile, named below): "
                         "the run there stands for both", twins)
        _say_refusals([_held_by_other_config(point) for point in refusals])
        _say_failures(failed, unrecorded, gone)
        if _SWEEP_DIVERGED:
            print(f"\n{len(_SWEEP_DIVERGED)} run(s) of this sweep diverged (no privacy "
                  "verdict; the reason is in each results.json):")
            for run_dir in _SWEEP_DIVERGED:
                print(f"  {shell_path(run_dir)}")
        print(f"\nsweep directory: {sweep_dir}")
        print(f"compare runs:    {tool_command('tensorboard')} --logdir {sweep_dir}")
        if _holds_a_complete_run(files[_RESULTS]):  # (else mia-report has nothing to rank)
            print(f"tradeoff report: {tool_command('mia-report')} {sweep_dir}")
        ran = {run_dir.absolute() for run_dir in _SWEEP_RUNS}
        ran.update(run_dir.absolute() for run_dir in grown if mine(run_dir))
        refused = {Path(run_dir).absolute() for run_dir, _ in refusals}
        self.all_refused = bool(refusals) and ran <= refused
        if self.all_refused:
            # (refused after its run completed: an objective its results.json lacks)
            trained = sum(_written_since(Path(run_dir) / "results.json", before)
                          and _results_of(Path(run_dir), ("complete",)) is not None
                          for run_dir, _ in refusals)  # fmt: skip
            print(_all_refused_line(trained), file=sys.stderr)
        elif why := _search_without_result(config):
            _SEARCH_WITHOUT_RESULT[:] = [True]
            print(f"\n{why}", file=sys.stderr)
        if idle := _idle_trials(config, valued_folders()):
            print_points(f"{len(idle)} trial(s) of this search ran with a defense that did not "
                         "act (results.json's training.defenses_idle): the sweeper got their "
                         "figures as measured, those of models trained as without it, so where "
                         "the search names one of them best, its setting is one where that "
                         "defense does nothing, no point of it (mia-report marks them '(did "
                         "not act)')", idle)  # fmt: skip


def _held_by_other_config(point: tuple[Path, str]) -> tuple[Path, str]:
    """``point`` (run directory, its refusal), its refusal for the folder in use followed by
    the rerun's where the run there is of another config than the point's
    (`_against_its_point`): the sweep's end said "wait for the run that holds it (still
    going) to end, then run the same command again", which then refused the point as "holds
    a complete run of another config" (two sweeps at once whose subdir names the folder
    alike). Such a point counts among those holding a run of other settings
    (`_say_refusals`)."""
    run_dir, said = point
    other = _against_its_point(Path(run_dir)) if in_use_refusal(said) else None
    return (run_dir, f"{said}. The run there is not this point's: {other}") if other else point


def _of_its_config(run_dir: Path) -> bool:
    """Whether the complete run in ``run_dir`` is one of the config, data and code of the
    point of this sweep refused there for its folder in use (`_against_its_point`): a run of
    other settings finished there (another sweep's, whose subdir names the folder alike)
    stood for the point, exit 0, its values never run. A point whose job carried back none:
    no."""
    return _against_its_point(run_dir) == ""


def _against_its_point(run_dir: Path) -> str | None:
    """How the run in ``run_dir`` is of another config, data or code than the point of this
    sweep refused there for its folder in use (`refused_run`, `other_run`'s words), "" where
    it is the point's own, ``None`` where that is not known (the point's job carried back
    none, or the folder cannot be read)."""
    from mia_defense.tracking.run_dir import other_run

    run = refused_run(run_dir)
    if run is None:
        return None
    config, fingerprint = run
    try:
        return other_run(run_dir, config=config, data_fingerprint=fingerprint) or ""
    except (MiaDefenseError, OSError):
        return None


def _say_refusals(refusals: list[tuple[Path, str]]) -> None:
    """The sweep's end's list of its points refused before they ran (``refusals``: run
    directory, message), and how many of them hold a run of other settings, which the same
    command refuses again."""
    if not refusals:
        return
    held = sum(" run of another config (" in message for _, message in refusals)
    # (each such: "fix the value and run the same command again", which refuses it again)
    print_refused(refusals, nothing="nothing was run there",
                  fix="fix the value and run the same command again" if held < len(refusals)
                  else "each folder holds a run of other settings, see below")  # fmt: skip
    if held:
        print(f"  ({held} of them: the folder this sweep names for the run holds a "
              "run of other settings, as where hydra.sweep.subdir numbers the runs or "
              "the folder names leave the changed key out; running the same command "
              "again refuses them again: put the earlier settings back, or give this "
              "sweep a new hydra.sweep.dir)")


def _say_failures(
    failed: list[tuple[Path, str]], unrecorded: list[tuple[Path, str]], gone: list[tuple[Path, str]]
) -> None:
    """The sweep's end's lists of its points that failed after they began, each with its
    fix: ``failed`` (results.json says so; those that failed on a setting apart, as nothing
    there is left to resume), ``unrecorded`` (results.json still says running) and ``gone``
    (their folder moved or removed while they ran)."""
    on_a_setting = [point for point in failed if _failed_on_a_setting(Path(point[0]))]
    if on_a_setting:
        print_points(f"{len(on_a_setting)} run(s) of this sweep failed on a setting "
                     "(results.json says failed, with no trained model saved; the same "
                     "command fails them again): run with the setting fixed in a new "
                     "hydra.sweep.dir, or delete those runs' folders and run with it "
                     "fixed", on_a_setting)  # fmt: skip
    if failed := [point for point in failed if point not in on_a_setting]:
        print_points(f"{len(failed)} run(s) of this sweep failed after they began "
                     f"(results.json says failed; {_models_kept(failed)}: fix the cause, "
                     "such as a full disk, and run the same command again to resume "
                     "them)", failed)  # fmt: skip
    if unrecorded:
        print_points(f"{len(unrecorded)} run(s) of this sweep failed after they began and "
                     "could not record it (results.json still says running: its disk is "
                     f"full, most likely; {_models_kept(unrecorded)}: free disk space and "
                     "run the same command again to resume them)", unrecorded)  # fmt: skip
    if gone:  # (refused "nothing was run there; fix the value", though they had run)
        print_points(f"{len(gone)} run(s) of this sweep stopped because their folder was "
                     "moved or removed while they ran (a folder moved keeps what the run "
                     "had saved, its results.json saying interrupted: move it back and run "
                     "the same command again to resume it, or run the same command again "
                     "to run it anew)", gone)  # fmt: skip


def _search_without_result(config: DictConfig) -> str | None:
    """Why the search of ``config`` has no result although its sweeper named one, or
    ``None``: no trial of several objectives gave its values (an empty Pareto front), or no
    trial has a privacy verdict (the best it names is a stand-in)."""
    if _several_objectives(config) and launched_folders() and not valued_jobs():
        return ("no trial of this search of several objectives gave its values (each was "
                "refused, failed, diverged or gave an objective value the sweeper cannot "
                "take, as logged above): the search has no result (its Pareto front is empty)")
    if _searched_without_verdict(config, valued_folders()):
        return ("no trial of this search gave its sweeper a measured figure (each is at "
                "chance, its training blew up, its attack scores are inverted or its outputs "
                "saturated, as logged above): each gave a stand-in, for want of a privacy "
                "verdict the worst for the sweeper's direction (the most leaking where it "
                "minimises, the least where it maximises) and for inverted scores or saturated "
                "outputs the most leaking there is (1, infinity) "
                "either way, so the best trial it names holds no result; widen the search "
                "space toward models that learn the task (saturated outputs: standardise the "
                "features, dataset.standardize=true)")
    return None


def _idle_trials(config: DictConfig, folders: set[str]) -> list[tuple[Path, str]]:
    """The trials of the Optuna search of ``config`` that gave values (``folders``) whose
    defense did not act (`mia_defense.report.checks.idle_defenses`), each with its defenses
    and their reasons in mia-report's words (`idle_defense_notes`): the sweeper scored them
    as measured (`objectives`), a real point of the models they trained but not of the
    defense their settings name."""
    from mia_defense.report.checks.notes import idle_defense_notes
    from mia_defense.tracking import read_json

    if not folders or not plugin_is(config.hydra.sweeper, "optuna"):
        return []
    idle = []
    for folder in sorted(folders):
        try:
            payload = read_json(Path(folder) / "results.json")
        except Exception:  # (changed since it was read: not this search's to judge)
            continue
        said = "; ".join(idle_defense_notes(payload))  # (mia-report's words)
        if said:
            idle.append((Path(folder), said))
    return idle


def _searched_without_verdict(config: DictConfig, folders: set[str]) -> bool:
    """Whether ``config`` is an Optuna search each of whose trials that gave values
    (``folders``, one at least) gave a stand-in in place of a figure
    (`mia_defense.report.objectives.objectives`: the worst for the sweeper's direction for
    want of a privacy verdict, the most leaking for inverted scores or saturated outputs:
    `mia_defense.report.objectives.understated_leak`): its sweeper still named
    a best trial ('Best value: 1' or 'inf'; 0 or '-inf' maximised without a verdict; or a
    Pareto front of such trials)."""
    from mia_defense.report.objectives import objective, objectives
    from mia_defense.tracking import read_json

    if not folders or not plugin_is(config.hydra.sweeper, "optuna"):
        return False
    names = _objective_names(config)
    judged = [name for name in names if name.startswith("max_attack.") or name in _WORST_CASED]
    if not judged:
        return False  # (utility or accountant figures alone: measured, verdict or not)
    for folder in folders:
        try:
            payload = read_json(Path(folder) / "results.json")
            given = objectives(payload, judged,
                               maximized=_maximized(config.hydra.sweeper, names))
            measured = [objective(payload, name) for name in judged]
        except Exception:  # (changed since it was read: not this search's verdict to judge)
            return False
        if given == measured:
            return False
    return True


def _objective_names(cfg: DictConfig) -> list[str]:
    """The figures a run of ``cfg`` returns to a sweeper: its ``objectives``, else the
    strongest attack's TPR at the lowest of its ``attack.fprs``."""
    from mia_defense.metrics.roc import fpr_key

    lowest = min(float(f) for f in cfg.attack.fprs)
    names = cfg.get("objectives")  # ([] is refused: `check_objective_names`)
    if names is None:
        return [f"max_attack.{fpr_key(lowest)}"]
    # (a string, objectives=utility.test_accuracy, is one name, not one per letter: each run
    # of a sweep over it was refused for its 'i' listed twice; check_config refuses it)
    return [str(n) for n in names] if isinstance(names, ListConfig | list) else [str(names)]


def _maximized(sweeper: DictConfig, names: list[str]) -> set[str]:
    """Which of ``names`` (the objectives, in order) an Optuna ``sweeper`` maximises, by its
    ``direction`` (one, or one per objective): a stand-in for a figure without a verdict is
    the least there is for them (`mia_defense.report.objectives.objectives`)."""
    if not plugin_is(sweeper, "optuna"):
        return set()
    direction = sweeper.get("direction")
    ways = list(direction) if isinstance(direction, ListConfig | list) else [direction]
    return {name for name, way in zip(names, ways, strict=False) if way == "maximize"}


def _several_objectives(config: DictConfig) -> bool:
    """Whether the sweep of ``config`` is an Optuna search of several objectives: its
    sweeper ends with an empty Pareto front, not an error, when no trial gave its values (a
    search of one raises "No trials are completed yet.": `_end_search_without_result`)."""
    sweeper = config.hydra.sweeper
    direction = sweeper.get("direction")
    return plugin_is(sweeper, "optuna") and isinstance(
        direction, ListConfig | list) and len(direction) > 1


def _failed_after_start(run_dir: Path, said: str, before: dict[str, Any]) -> bool:
    """Whether the point in ``run_dir`` stopped on an error after it saved models (its
    results.json, written since the sweep started, `_written_since` ``before``, says
    ``failed``: a disk that filled up as it wrote its results) rather than being refused
    before it ran: "refused ... nothing was trained" was said of it. A point refused in
    another run's folder (``said``), a failed run of another config, leaves that run's."""
    from mia_defense.tracking import read_json

    results = Path(run_dir) / "results.json"
    if in_another_runs_folder(said) or not _written_since(results, before):
        return False
    try:
        return read_json(results).get("status") == "failed"
    except (MiaDefenseError, OSError):
        return False


def _failed_unrecorded(run_dir: Path, said: str, before: dict[str, Any]) -> bool:
    """Whether the point in ``run_dir`` stopped on an error after it began (its results.json,
    written since the sweep started, `_written_since` ``before``, says ``running``) but could
    not record ``failed``:
    on a disk full to its last block that needs a new file. It was said to be refused,
    "nothing was trained". A point refused in another run's folder (``said``) leaves that
    run's results.json, which may say ``running`` too."""
    from mia_defense.tracking import read_json

    if in_another_runs_folder(said) or locked_by_another(Path(run_dir)):
        return False
    results = Path(run_dir) / "results.json"
    try:
        return (_written_since(results, before)
                and read_json(results).get("status") == "running")  # fmt: skip
    except (MiaDefenseError, OSError):
        return False


def _all_refused_line(trained: int = 0) -> str:
    """The one line that ends a sweep whose every point (every Optuna trial) was refused:
    the first refusal's message, which is most often every one's (a fixed setting that
    clashes with the search, such as DP-SGD's target_epsilon with a searched
    noise_multiplier). ``trained``: how many were refused only once their run completed (an
    objective their results.json lacks): 'nothing was trained' was said of them too."""
    first = _SWEEP_FAILED[0][1]
    what = "nothing was trained" if not trained else (
        f"{trained} trained first, refused once complete, their runs kept")
    return (f"\nevery run of this sweep was refused ({len(_SWEEP_FAILED)} of "
            f"{len(_SWEEP_FAILED)}; {what}, a search has no result): the first "
            f"refusal: {first}")


def _diverged_since(
    results_files: list[Path], before: dict[str, Any], grown: Collection[Path] = ()
) -> list[Path]:
    """The run directories of those ``results_files`` (a sweep's, `_sweep_files`) written
    since the sweep started (`_written_since` ``before``), or in a folder of ``grown`` (its
    train.log grew: a rerun skipped the point, diverged before under the same code, saying
    so there), that say the run diverged."""
    from mia_defense.tracking import read_json

    grown = {os.path.abspath(run_dir) for run_dir in grown}
    found = []
    for results in results_files:
        try:
            if not (_written_since(results, before)
                    or os.path.abspath(results.parent) in grown):  # fmt: skip
                continue
            # read_json: never opens a FIFO (read_text on one blocked the sweep's end)
            if read_json(results).get("status") == "diverged":
                found.append(results.parent)
        except (MiaDefenseError, OSError):
            continue  # unreadable or not a run's: mia-report names those
    return found


def _holds_a_complete_run(results_files: list[Path]) -> bool:
    """Whether one of a sweep's ``results_files`` (`_sweep_files`) says ``complete``: only
    then does the sweep's end name ``mia-report``, which ranks finished runs alone."""
    from mia_defense.tracking import read_json

    for results in results_files:
        with contextlib.suppress(MiaDefenseError, OSError):
            if read_json(results).get("status") == "complete":
                return True
    return False


# The files of a sweep's runs its start and end read (`_sweep_files`).
_RESULTS, _TRAIN_LOG = "results.json", "train.log"


def _sweep_files(root: Path) -> dict[str, list[Path]]:
    """The results.json and train.log files of the runs under ``root`` (`_RESULTS`,
    `_TRAIN_LOG`), from one walk (`mia_defense.files.sweep_files`): a walk takes ~0.1 s on
    2,000 runs, and a sweep's start and end each read both."""
    from mia_defense.files import sweep_files

    return sweep_files(root, (_RESULTS, _TRAIN_LOG))


def _results_identities(results_files: list[Path]) -> dict[str, Any]:
    """Each of a sweep's ``results_files`` (`_sweep_files`; by absolute path) and what tells
    its content apart without reading it (`file_identity`: inode, size, change times), as a
    sweep starts."""
    from mia_defense.attack_source import file_identity

    found = {}
    for results in results_files:
        found[os.path.abspath(results)] = file_identity(results)
    return found


def _written_since(results: Path, before: dict[str, Any]) -> bool:
    """Whether ``results`` was written since the sweep started: it is there and was not, or
    was otherwise (``before``: `_results_identities` then; a write replaces the file). Not
    by its mtime: a sweep copied with ``rsync -a`` or ``cp -p`` from a machine whose clock
    runs ahead kept mtimes after this sweep's start, and its runs were taken for this one's
    (a refused point said to have diverged too)."""
    from mia_defense.attack_source import file_identity

    now = file_identity(results)
    return now is not None and before.get(os.path.abspath(results)) != now


def _log_sizes(train_logs: list[Path]) -> dict[Path, int]:
    """The size of each of a sweep's ``train_logs`` (`_sweep_files`; none where it has gone)."""
    sizes = {}
    for train_log in train_logs:
        with contextlib.suppress(OSError):
            sizes[train_log] = train_log.stat().st_size
    return sizes


def _refused_since(
    train_logs: list[Path], before: dict[str, Any], sizes: dict[Path, int]
) -> list[tuple[Path, str]]:
    """``(run directory, its last error line)`` for each run of ``train_logs`` (a sweep's,
    `_sweep_files`) whose train.log grew since the sweep started (``sizes`` then) by an
    ERROR line but that neither wrote a results.json since then (`_written_since`
    ``before``) nor was skipped as finished: a point of the sweep that was refused or failed.
    Where the points run in other processes (joblib, submitit, Ray) this is all that is left
    of it: the sweep ended as a success."""
    found = []
    for train_log, size in _log_sizes(train_logs).items():
        run_dir = train_log.parent
        try:
            if size <= sizes.get(train_log, 0):
                continue
            results = run_dir / "results.json"
            if _written_since(results, before):
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


def _write_hparams_experiment(
    root: Path, *, log_dir: Path | None, swept: list[str], results: list[Path] | None = None
) -> None:
    """The HParams experiment config of the finished runs under ``root`` (their
    ``results`` files where walked already), in ``log_dir``, or (None) in the sweep's own
    folder of ``root`` (`write_sweep_experiment`); a failure to write it is logged, not
    raised: the runs themselves are complete."""
    from mia_defense.tracking.hparams import (
        sessions_under,
        write_experiment,
        write_sweep_experiment,
    )

    sessions = sessions_under(root, results=results)
    if not sessions:
        return
    try:
        if log_dir is None:
            write_sweep_experiment(root, sessions, swept=swept)
        else:
            write_experiment(log_dir, sessions, swept=swept, again="run the same command again",
                             elsewhere="a new hydra.run.dir")  # (one run, no sweep)
    except MiaDefenseError as exc:
        log.warning("%s: %s", type(exc).__name__, exc)


def _print_summary(run_dir: Path, lines: list[str]) -> None:
    """Print the end-of-run lines on stdout; one that cannot take them (``> /dev/full``, a
    full disk) is a `DataError` naming the run's results (a traceback, exit 1, before). A
    reader that has gone (BrokenPipeError) ends the tool quietly with exit 141 (it was
    Hydra's "Error executing job" traceback, exit 1). One write: `| head` reads the table
    whole and the run exits 0, where (PYTHONUNBUFFERED=1) a write per line met the closed
    pipe after head had its 10 lines: exit 141 one run in two."""
    from mia_defense.errors import DataError

    try:
        sys.stdout.write("".join(f"{line}\n" for line in lines))
        sys.stdout.flush()
    except BrokenPipeError:
        reader_gone()
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
    `mia_defense.report.objectives`): a float for one name, a tuple for several (what the
    Optuna sweeper's multi-objective ``direction: [...]`` expects).

    A run whose directory already holds a complete results.json of the same config on the
    same data (a sweep started again with the same ``hydra.sweep.dir``) is skipped: its
    figures are read back.
    """
    global _TASK_STARTED
    _TASK_STARTED = True
    _guard_log_files()
    # The pipeline is imported once the task starts (not for --help, --cfg).
    from mia_defense.allocator import keep_freed_memory
    from mia_defense.cli.build import claimed_run, format_table
    from mia_defense.collector import collect_from_here
    from mia_defense.experiment import below_chance_cause, run_experiment
    from mia_defense.files import RUN_FOLDER_SETTING
    from mia_defense.report.checks import run_end_lines  # (mia-report's caveats, run's end)
    from mia_defense.report.objectives import (
        UNDERSTATED_LEAK,
        check_objective_names,
        objectives,
        understated_leak,
    )
    from mia_defense.threads import one_thread
    from mia_defense.tracking import read_json

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    held = HeldLog(run_dir)  # train.log gets the lines once the folder is this run's
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        _SWEEP_RUNS.append(run_dir)
    fprs = sorted(float(f) for f in cfg.attack.fprs)
    names = _objective_names(cfg)
    # a write that fails names the setting that chooses this run's folder (a sweep's point's)
    setting = RUN_FOLDER_SETTING.set(
        "hydra.sweep.dir" if HydraConfig.get().mode == RunMode.MULTIRUN else "hydra.run.dir")
    claimed = False
    try:
        take_interrupts_in_job()  # (in a pool's worker: its job takes Ctrl-C now)
        # a TPR at an FPR the attacks measure; a privacy figure the run's defenses write
        privacy = any(n.startswith("privacy.") for n in names)
        # (a max_attack name that is no TPR may be a setting an attack chose: the attacks')
        chosen = any(n.startswith("max_attack.") and "@" not in n for n in names)
        check_objective_names(names, fprs=fprs, defenses=defense_targets(cfg),
                              dp_accountants=dp_accountants(cfg) if privacy else None,
                              randomized_release=release_randomized(cfg) if privacy else None,
                              bootstrap=cfg.attack.get("bootstrap"),
                              attack_settings=attack_settings(cfg) if chosen else None)  # fmt: skip
        one_thread()
        progress_lock_in_process()
        keep_freed_memory()
        collect_from_here()
        # an Optuna trial whose folder is in use: a trial that drew the same values at once
        twin_waits = (HydraConfig.get().mode == RunMode.MULTIRUN
                      and plugin_is(HydraConfig.get().sweeper, "optuna"))  # fmt: skip
        with claimed_run(cfg, run_dir, twin_waits=twin_waits) as (experiment, data, payload):
            held.release()  # (locked, holding no other run)
            claimed = True
            if payload is not None and payload.get("status") == "diverged":
                # (the sweep's end reads the first words: no refusal, a diverged point)
                log.info("skipping finished run %s (results.json says it diverged, same "
                         "config, code and data)", shown_path(run_dir))  # fmt: skip
                raise DivergedError(_diverged_before(run_dir, payload))
            if payload is not None:
                _refuse_unreadable_finished_run(run_dir, payload)
                _warn_other_scores(run_dir, payload)
                log.info("skipping finished run %s (complete results.json, same config)",
                         shown_path(run_dir))
            else:
                sweep = _SWEEP_SUMMARY[0][1] if _SWEEP_SUMMARY else None  # (in this process)
                result = run_experiment(
                    experiment, run_dir, data=data, progress=bool(cfg.progress),
                    figures=bool(cfg.get("figures", True)),
                    trial=job_trial(HydraConfig.get(), sweep),
                )
                tensorboard = tool_command("tensorboard")
                payload = read_json(run_dir / "results.json")
                _print_summary(run_dir, [
                    format_table(result, fprs, cause=below_chance_cause(experiment)),
                    *run_end_lines(payload),
                    f"\nrun directory: {shell_path(run_dir)}",
                    f"wall time: {result.wall_seconds:.1f} s",
                    f"look at it:   {tensorboard} --logdir {shell_path(run_dir)}",
                ])  # fmt: skip
        values = objectives(payload, names,
                            maximized=_maximized(HydraConfig.get().sweeper, names))
        if payload.get("utility_below_chance") is True:
            log.warning("no privacy verdict for this run: a sweeper gets the worst leakage "
                        "(1 for a TPR or AUC, 0 where it maximises them) for its max_attack "
                        "objectives")
        elif (understated := understated_leak(payload)) is not None:
            log.warning("%s (privacy.%s): a sweeper gets the most leaking figures (1 for a TPR "
                        "or AUC, minimised or maximised) for its max_attack objectives: its "
                        "leak is larger", UNDERSTATED_LEAK[understated], understated)
        _say_worst_cased(payload, names, values)
        if HydraConfig.get().mode != RunMode.MULTIRUN:
            _FINISHED[:] = [run_dir]
    except DivergedError as exc:  # an outcome of this point (results.json says so)
        log.error("%s: %s", type(exc).__name__, exc)
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            return None  # the other points still run; a sweeper records a failed trial
        raise SystemExit(EXIT_USER_ERROR) from None
    except MiaDefenseError as exc:  # a user-caused problem: one clear line, no traceback
        name = ConfigError.__name__ if isinstance(exc, OutputRefused) else type(exc).__name__
        if isinstance(exc, OutputRefused) or (
                not claimed and os.path.isdir(run_dir) and not os.access(run_dir, os.W_OK)):
            # another run's folder: its train.log stays as it was; one this user cannot write
            # (a finished run kept read-only): its lines, the console's only, fail no log file
            held.drop()
        log.error("%s: %s", name, exc)
        if HydraConfig.get().mode == RunMode.MULTIRUN:  # one bad point of a grid
            said = " ".join(line.strip() for line in str(exc).splitlines())
            _SWEEP_FAILED.append((run_dir, f"{name}: {said}"))
            say(run_dir, f"{name}: {said}",  # (for a sweep whose jobs run elsewhere)
                run=getattr(exc, "run", None) if in_use_refusal(said) else None)
            return None  # the other points still run; the sweep exits 2 at its end
        if not claimed:
            _unmake_refused_run_dir(run_dir, held)
        raise SystemExit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        if HydraConfig.get().mode != RunMode.MULTIRUN:
            if claimed and _results_of(run_dir, ("complete",)) is not None:
                # (its results.json written, or a finished run being skipped: 'resume' sent
                # users to run again what was done; no folder to add for a resume either)
                end_interrupted(log, _finished_line(run_dir))
            _say_what_the_run_kept(run_dir)
        else:  # (a job in the tool's own process, the basic launcher's; else the tool's)
            _say_what_the_sweep_kept()
        if claimed and not run_dir.exists():  # moved or removed while the run wrote it
            end_interrupted(log, "interrupted; the run's folder was moved or removed while it "
                            "ran: run in it at its new place to resume (the same command "
                            "again runs it anew)")  # fmt: skip
        end_interrupted(log, "interrupted; run the same command again to resume")
    finally:  # ended before the claim (a refusal, Ctrl-C): in another run's folder nothing
        held.settle(lambda: _others(run_dir, cfg))  # is written; in a new one, why
        RUN_FOLDER_SETTING.reset(setting)
    missing = [name for name, value in zip(names, values, strict=True) if math.isnan(value)]
    if missing and HydraConfig.get().mode == RunMode.MULTIRUN:
        # Optuna takes a NaN as a failure it raises on, and Hydra's Optuna sweeper then
        # stopped the whole search with a traceback ("Values were told..."): the trial fails
        log.error("objectives: %s not a number in this run's results.json (absent or null), "
                  "which a sweeper cannot take: this trial fails, the run is kept; choose "
                  "figures every run of the sweep records", ", ".join(map(repr, missing)))
        return None
    infinite = [name for name, value in zip(names, values, strict=True) if math.isinf(value)]
    if infinite and len(values) > 1 and _multi_objective_tpe() and (
            "privacy.epsilon" not in infinite):  # fmt: skip
        log.error("objectives: %s infinite in this run (the worst leakage: the run has no "
                  "privacy verdict, its outputs are saturated or an attack's scores are "
                  "inverted), which Optuna's "
                  "multi-objective TPE cannot rank: this trial fails, the run is kept",
                  ", ".join(map(repr, infinite)))  # fmt: skip
        return None
    if infinite and len(values) > 1 and _multi_objective_tpe():
        log.error("objectives: %s infinite in this run (no guarantee to report, as the "
                  "README's Optuna section says), which Optuna's multi-objective TPE cannot "
                  "rank (optuna 2 ranks it among the best trials, or stops the search on it): "
                  "this trial fails, the run is kept; search a DP defense for privacy.epsilon "
                  "(a finite one), or choose figures every trial records finite",
                  ", ".join(map(repr, infinite)))  # fmt: skip
        return None
    return values[0] if len(values) == 1 else tuple(values)


# Figures other than max_attack's that a sweeper gets as their worst for want of a verdict
# (`mia_defense.report.objectives.objectives`), each with why it can be so: the gap is worst-
# cased only for a model that learned nothing (inverted scores leave it measured).
_WORST_CASED = {
    "privacy.empirical_epsilon": "the run has no privacy verdict, its outputs are saturated "
                                 "or an attack's scores are inverted",
    "utility.generalization_gap": "the run is at chance or its training blew up (a model that "
                                  "learned nothing has no gap: 0 or below, the best a search "
                                  "minimising it could find)",
}  # fmt: skip


def _say_worst_cased(payload: dict, names: list[str], values: list[float]) -> None:
    """Name each of ``names`` in `_WORST_CASED` a sweeper gets as its worst, not the figure
    results.json keeps, with that figure's own reason."""
    from mia_defense.report.objectives import objective

    for name, value in zip(names, values, strict=True):
        measured = objective(payload, name) if name in _WORST_CASED else value
        if name in _WORST_CASED and value != measured:
            log.warning("objectives: a sweeper gets %s for %s, not this run's %s "
                        "(results.json keeps it): %s", value, name, measured,
                        _WORST_CASED[name])  # fmt: skip


def _multi_objective_tpe() -> bool:
    """Whether this job is a trial of an Optuna search with a TPE sampler (the presets'):
    with several objectives, optuna 2's TPE scales each by its range over the trials, an
    infinite one to NaN, which it never counts as dominated (every trial of ``defense=none``
    ranked best for ``privacy.epsilon``), and a mix of finite and infinite values stopped
    the search with "probabilities contain NaN"."""
    try:
        sweeper = HydraConfig.get().sweeper
    except Exception:  # (no Hydra config: not a sweep)
        return False
    sampler = sweeper.get("sampler") if isinstance(sweeper, DictConfig) else None
    target = str(sampler.get("_target_", "")) if isinstance(sampler, DictConfig) else ""
    return plugin_is(sweeper, "optuna") and target.rsplit(
        ".", 1)[-1] == "TPESampler"  # (not MOTPESampler: code of its own, did not stop)


def _others(run_dir: Path, cfg: DictConfig) -> bool:
    """Whether ``run_dir``, not yet claimed by this run, is another run's: another process
    holds its lock, or it holds a results.json that is not of this config (another config's
    run, mia-attack's record, no run's). A run refused or interrupted before its claim wrote
    its lines into that run's train.log. (A sweep's point run in a process of its own says
    its refusal to the sweep on its JobReturn: `mia_defense.cli.sweep_refusals`.)"""
    if locked_by_another(run_dir):
        return True
    if not os.path.lexists(run_dir / "results.json"):
        return False
    from mia_defense.tracking import read_json
    from mia_defense.tracking.run_dir import config_differences

    try:
        payload = read_json(run_dir / "results.json")
        stored = payload.get("config")
        if not isinstance(stored, dict) or "source" in payload:  # no run's; mia-attack's
            return True
        return bool(config_differences(stored, OmegaConf.to_container(cfg, resolve=True)))
    except Exception:  # unreadable, or a config that does not resolve: left as it is
        return True


def _diverged_before(run_dir: Path, payload: dict[str, Any]) -> str:
    """What a run of this config says where its results.json, of the same code and data,
    says it diverged (`mia_defense.tracking.run_dir.finished_run`): its training, run again,
    diverges again, so it is skipped (each rerun of a sweep trained its diverged points anew,
    for the same divergence)."""
    diverged = payload.get("diverged")
    reason = diverged.get("reason") if isinstance(diverged, dict) else None
    return (f"training diverged: {reason if isinstance(reason, str) else 'no reason recorded'} "
            f"(as {shell_path(run_dir / 'results.json')} says, of this config, code and data: "
            "not trained again; delete that results.json to train it again)")


def _refuse_unreadable_finished_run(run_dir: Path, payload: dict[str, Any]) -> None:
    """A finished run skipped on resume must hold figures the sweeper and the table can read:
    an edited results.json (``"attacks": "x"``) was an AttributeError traceback. Its files
    must be those its results.json measured (`folder_problem`: its checkpoints' and
    observations.npz's sha256): a run whose observations.npz or models were replaced was
    skipped without a word (exit 0), while mia-report skipped it saying 'rerun the run'.
    The folder's name is left out (``name=""``): a single run's is the user's own, and a
    sweep's run renamed by hand holds another config than its new name's, refused before."""
    from mia_defense.report.checks import payload_problem
    from mia_defense.report.runs import folder_problem

    problem = payload_problem(payload) or folder_problem(run_dir, payload, name="")
    if problem:
        raise ConfigError(f"{shown_path(run_dir / 'results.json')}: {problem}; nothing was "
                          "changed. Run "
                          "in a new directory, or move this run away to train it again")


def _warn_other_scores(run_dir: Path, payload: dict[str, Any]) -> None:
    """Warn when a finished run skipped on resume holds a scores.npz that is not the one its
    figures were measured on (`recorded_scores_problem`): it was skipped without a word,
    while mia-report drew no ROC curve for it and a reader of the per-record scores took
    another run's. A missing scores.npz or observations.npz is `warn_incomplete`'s."""
    from mia_defense.report.scores import recorded_scores_problem
    from mia_defense.tracking.artifacts import saved_model_counts

    problem = recorded_scores_problem(run_dir, payload)
    if problem:
        saved = any(saved_model_counts(run_dir))
        log.warning("%s: a complete run, skipped as finished, but %s. Its figures are read "
                    "from results.json as they are; delete scores.npz and results.json alone, "
                    "not the folder, and run the same command again to write them anew %s",
                    shown_path(run_dir), problem,
                    "from the run's saved models" if saved else
                    "(no saved model is left: every model trains again)")  # fmt: skip


def main() -> None:
    """``mia-train``: exit 0 with a finished, finite run; 2 on a user error (a bad config or
    file, a run directory in use or holding another run, diverged training); 130 on Ctrl-C.
    In a sweep (``-m``) a diverged or refused point (a bad value in one point of a grid) does
    not stop the others: the sweep runs them all, names those runs and exits 2.

    Hydra reports errors in composing the config (an unknown override, a bad value type)
    itself with exit code 1 before the task starts; those are user errors too.
    """
    global _TASK_STARTED
    _TASK_STARTED = False  # (a previous call's task: its exit codes and words are not this one's)
    _SWEEP_DIVERGED.clear()  # (a previous sweep of this process is not this one)
    _SWEEP_FAILED.clear()
    _SWEEP_RUNS.clear()
    _SWEEP_SUMMARY.clear()
    _SEARCH_WITHOUT_RESULT.clear()
    _LOG_FAILED.clear()
    _CLOCK_NAMED.clear()
    _FINISHED.clear()
    _SWEEP_ENDED.clear()
    _KEPT_SAID.clear()
    _RUN_DIR_MADE.clear()
    refuse_misused_flags(sys.argv[1:])
    refuse_option_after_overrides(sys.argv[1:])
    refuse_bare_words(sys.argv[1:])
    refuse_unexpanded_home(sys.argv[1:])
    refuse_unquoted_non_ascii(sys.argv[1:])
    refuse_null_groups(sys.argv[1:])
    refuse_shadowed_configs(sys.argv[1:])
    warn_ineffective_overrides(sys.argv[1:])
    refuse_misspelt_keys(sys.argv[1:])
    refuse_unknown_hydra_keys(sys.argv[1:])
    refuse_missing_plugins(sys.argv[1:])
    refuse_hydra_targets(sys.argv[1:])
    _lost_workers_stop_cleanly()
    gather_returned()
    try:
        run_entry(_hydra_main, started=lambda: _TASK_STARTED, interrupted=_interrupted_line)
    except SystemExit as exc:
        if exc.code in (EXIT_INTERRUPTED, EXIT_TERMINATED) or (
                exc.code == EXIT_USER_ERROR and _left_to_resume()):  # fmt: skip
            _say_where_to_resume()
        raise
    if _LOG_FAILED:
        print(log_files_failed(_LOG_FAILED), file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)
    if _SWEEP_DIVERGED or _SWEEP_FAILED or _SEARCH_WITHOUT_RESULT:
        if _left_to_resume():
            _say_where_to_resume()
        raise SystemExit(EXIT_USER_ERROR)


def _finished_line(run_dir: Path) -> str:
    """The interrupted line of a run whose results.json is complete: nothing to resume (the
    same command skips it), so no folder of the clock to name for a resume either."""
    _CLOCK_NAMED.clear()
    return ("interrupted after the run finished: its results.json is complete, nothing is "
            f"lost; mia-train with hydra.run.dir={shell_path(run_dir)} skips it and prints "
            "its figures")  # fmt: skip


def _interrupted_line() -> str:
    """`run_entry`'s line for a Ctrl-C (SIGTERM) the task did not say itself: `_finished_line`
    where it landed in the tool's end after the run finished (its table printed: the held
    log's settling, Hydra's end; it said 'run the same command again to resume', though
    nothing was left to resume); a sweep's where it landed after its jobs had all returned
    (as it said its end, or in Hydra's after it) with none of its runs left to resume;
    else the resume line."""
    if _FINISHED and _results_of(_FINISHED[0], ("complete",)) is not None:
        return _finished_line(_FINISHED[0])
    if (finished := _ended_sweep_finished()) is not None:
        _CLOCK_NAMED.clear()  # (no folder of the clock to name for a resume)
        sweep_dir = shell_path(_SWEEP_ENDED[0][1].hydra.sweep.dir)
        return (f"interrupted after the sweep finished: nothing is left to resume "
                f"({counted(finished, 'finished run')} kept); the same command with "
                f"hydra.sweep.dir={sweep_dir} says its end again, its finished runs skipped")
    return "interrupted; run the same command again to resume"


def _ended_sweep_finished() -> int | None:
    """How many runs of the sweep whose jobs had all returned (`_SWEEP_ENDED`) finished,
    where none of its runs is left to resume (`_resumable`); None where one is, or where
    no sweep of this process got so far."""
    if not _SWEEP_ENDED:
        return None
    runs = _this_sweeps_runs(_SWEEP_ENDED[0])
    if any(_resumable(run_dir) for run_dir in runs):
        return None
    return sum(_results_of(run_dir, ("complete",)) is not None for run_dir in runs)


def _mark_killed_jobs() -> None:
    """Mark ``interrupted`` the runs of the stopped sweep that its launcher's pool killed
    (`mark_killed_runs`): interrupted alone (``kill -INT <pid>``, not Ctrl-C to the whole
    process group), mia-train stopped its ``launcher=joblib`` pool, which killed the running
    jobs before they could write so: their results.json read ``running`` for ever after."""
    if not _SWEEP_SUMMARY:  # (no sweep, or one whose end was said)
        return
    from mia_defense.tracking.run_dir import mark_killed_runs

    mark_killed_runs(_this_sweeps_runs())


def _this_sweeps_runs(sweep: tuple[Any, DictConfig] | None = None) -> list[Path]:
    """The folders of the sweep in `_SWEEP_SUMMARY` (or ``sweep``) that hold a results.json
    (at any depth: hydra.sweep.subdir=${hydra.job.num}/run) and that this sweep ran: in this
    process, handed back by its launcher, or (a job elsewhere, still running or killed) whose
    train.log grew or results.json was written since it started. Another sweep's runs in the
    same hydra.sweep.dir (an earlier one of other values) are not this one's: an interrupted
    sweep counted them as its own finished runs."""
    from mia_defense.files import run_files

    summary, config = sweep or _SWEEP_SUMMARY[0]
    # (from the folder it was launched in: hydra.job.chdir=true runs a job in its run's)
    cwd = OmegaConf.select(config, "hydra.runtime.cwd", default=None) or os.getcwd()
    root = Path(cwd, config.hydra.sweep.dir)
    ours = {os.path.abspath(run_dir) for run_dir in _SWEEP_RUNS} | launched_folders()
    sizes = {Path(cwd, log): size for log, size in getattr(summary, "_log_sizes", {}).items()}
    before = getattr(summary, "_results", {})

    def grew(train_log: Path) -> bool:
        try:
            return train_log.stat().st_size > sizes.get(train_log, 0)
        except OSError:
            return False

    found = [path.parent for path in run_files(root)]
    return [run_dir for run_dir in found
            if os.path.abspath(run_dir) in ours or grew(run_dir / "train.log")
            or _written_since(run_dir / "results.json", before)]  # fmt: skip


def _saved_models(run_dir: Path, statuses: tuple[str, ...]) -> tuple[dict, list[int]] | None:
    """The results.json of the run in ``run_dir`` and how many models each of its checkpoint
    folders holds (`DIGESTED_FOLDERS`), or the model store for it (`_in_store`: a resume
    loads them), where its status is one of ``statuses``; None where it is not, or cannot be
    read: what an interrupted run or sweep keeps on disk."""
    from mia_defense.tracking.artifacts import DIGESTED_FOLDERS, saved_model_counts

    payload = _results_of(run_dir, statuses)
    if payload is None:
        return None
    try:
        stored = _in_store(payload)
        folders = zip(DIGESTED_FOLDERS, saved_model_counts(run_dir), strict=True)
        return payload, [max(on_disk, stored.get(folder, (0, ""))[0])
                         for folder, on_disk in folders]  # fmt: skip
    except (MiaDefenseError, OSError):
        return None


def _results_of(run_dir: Path, statuses: tuple[str, ...]) -> dict | None:
    """The results.json of the run in ``run_dir`` where its status is one of ``statuses``;
    None where it is not, or cannot be read."""
    from mia_defense.tracking import read_json

    try:
        payload = read_json(run_dir / "results.json")
    except (MiaDefenseError, OSError):
        return None
    return payload if payload.get("status") in statuses else None


def _in_store(payload: dict) -> dict[str, tuple[int, str]]:
    """Per checkpoint folder of an interrupted run (its results.json, ``payload``), the
    models the model store holds for it and the entry's weights file, where the run was
    stopped as it took them from there (``model_store``, `ModelStore.loading`): its resume
    loads them rather than trains them. An entry gone since, or without its manifest
    (written last: the entry is whole), counts none."""
    from mia_defense.tracking.artifacts import CHECKPOINT_STAGES

    folders = {stage: folder for folder, stage in CHECKPOINT_STAGES.items()}
    found = {}
    for stage, entry in _model_store_entries(payload).items():
        models, weights = entry.get("models"), entry.get("entry")
        if stage not in folders or type(models) is not int or not isinstance(weights, str):
            continue
        if os.path.isfile(weights) and os.path.isfile(os.path.splitext(weights)[0] + ".json"):
            found[folders[stage]] = (models, weights)
    return found


def _waited_for(payload: dict) -> str | None:
    """The holder line of the model store's lock an interrupted run (its results.json,
    ``payload``) was waiting for (``model_store``'s ``waiting_for``, `ModelStore.loading`):
    another run trained its models, this one nothing; ``None`` where it was not waiting.
    Printable (`report.checks.printable`, as `holder_line` reads the lock): results.json
    can be written by anyone who can write the run's folder, and the line goes into the kept
    line on the terminal."""
    from mia_defense.report.checks import printable

    for entry in _model_store_entries(payload).values():
        if isinstance(entry.get("waiting_for"), str):
            return printable(entry["waiting_for"][:512])
    return None


def _model_store_entries(payload: dict) -> dict[str, dict]:
    """Per seed stream, the entry an interrupted run's results.json (``payload``) records
    under ``model_store`` (`ModelStore.loading`); none where that is no object."""
    loading = payload.get("model_store")
    if not isinstance(loading, dict):
        return {}
    return {stage: entry for stage, entry in loading.items() if isinstance(entry, dict)}


def _models_kept(points: list[tuple[Path, str]]) -> str:
    """What the runs of ``points`` that failed after they began keep on disk, counted
    (`_saved_models`), for the sweep's failed line: runs that saved none are told so."""
    found = [_saved_models(Path(run_dir), _STOPPED) for run_dir, _ in points]
    counts = [sum(counts) for _, counts in filter(None, found)]
    models, saving = sum(counts), sum(1 for count in counts if count)
    if not models:
        return "they saved no trained model (their training starts anew when they resume)"
    by = "they saved" if saving == len(points) else f"saved by {saving} of them"
    none = f" ({len(points) - saving} saved none)" if saving < len(points) else ""
    return f"{counted(models, 'trained model')} {by} {'is' if models == 1 else 'are'} kept{none}"


def _say_what_the_run_kept(run_dir: Path) -> None:
    """Before the interrupted line of a run that began (its results.json says so): what it
    keeps (its saved models, reused on resume) and what is lost (the work since the last
    one saved). Where the run never began, nothing was written to keep."""
    from mia_defense.tracking.artifacts import CHECKPOINTS

    found = _saved_models(run_dir, ("interrupted",))
    if found is None:
        return
    payload, counts = found
    if saved := sum(counts):
        part = _chunk_remark(payload.get("config") or {}, counts)
        log.warning("kept: %s saved in %s, reused when the run resumes%s; lost: the work in "
                    "progress since the last one saved (models in training, or the attacks), "
                    "done again then", counted(saved, "trained model"),
                    _where_kept(run_dir, payload, counts), part)  # fmt: skip
    elif holder := _waited_for(payload):  # (it trained nothing: another run held the lock)
        log.warning("kept: no trained model yet (none was saved in %s/); lost: nothing trained "
                    "here: the run waited for %s, which trains the same models into the model "
                    "store: the resume loads them if that run stored them, else trains them",
                    shell_path(run_dir / CHECKPOINTS), holder)  # fmt: skip
    else:
        log.warning("kept: no trained model yet (none was saved in %s/); lost: the training in "
                    "progress, which the run starts anew when it resumes",
                    shell_path(run_dir / CHECKPOINTS))  # fmt: skip


def _where_kept(run_dir: Path, payload: dict, counts: list[int]) -> str:
    """Where the models an interrupted run in ``run_dir`` kept (``counts`` per checkpoint
    folder, `_saved_models`) are: each folder holding some, or the model store's entry
    (`_in_store`) where the run was taking more from there than the folder holds. A naive
    attacker's shadows (shadow_recipe=undefended) have a folder of their own."""
    from mia_defense.tracking.artifacts import DIGESTED_FOLDERS, saved_model_counts

    stored = _in_store(payload)
    folders = zip(DIGESTED_FOLDERS, saved_model_counts(run_dir), counts, strict=True)
    return " and ".join(
        shell_path(stored[folder][1]) if on_disk < count else f"{shell_path(run_dir / folder)}/"
        for folder, on_disk, count in folders if count
    )


def _chunk_remark(config: dict[str, Any], counts: list[int]) -> str:
    """The kept line's remark where a checkpoint folder's count of saved models (``counts``)
    may end inside a chunk of stacked models (written together as the chunk ends: only Ctrl-C
    while they were written leaves part of one): some but not all of the plan's models, no
    whole number of chunks; else ``""``. ``train.chunk_size=null`` on a CPU stacks small
    models 32 at a time but trains large ones one at a time (each saved as it ends), which
    results.json does not say before the run completes: the remark says both."""
    from mia_defense.training.config import CHUNK_SIZE, resolve_device

    train = config.get("train") if isinstance(config, dict) else None
    plan = config.get("plan") if isinstance(config, dict) else None
    if not isinstance(train, dict) or (train.get("engine"), train.get("fit")) != ("stacked", None):
        return ""  # (models trained one at a time: none saved in part)
    num = plan.get("num_models") if isinstance(plan, dict) else None
    width = train.get("chunk_size") or CHUNK_SIZE
    if type(num) is not int or type(width) is not int:  # (an edited results.json: no remark
        return ""  # rather than a traceback after Ctrl-C)
    if not any(0 < count < (num or 0) and count % width for count in counts):
        return ""
    try:
        on_cpu = train.get("chunk_size") is None and resolve_device(
            str(train.get("device", "auto"))).type == "cpu"
    except (RuntimeError, ValueError):  # (a device name this torch does not know)
        on_cpu = True
    if on_cpu:
        return (f" (but if they trained stacked, {CHUNK_SIZE} at a time, a chunk saved in part "
                "trains again whole; train.chunk_size=null trains large models one at a time "
                "on a CPU, each saved whole)")
    return " (but a chunk of stacked models saved in part trains again whole)"


# What results.json says of a run that began and did not finish.
_STOPPED = ("interrupted", "running", "failed")


def _say_what_the_sweep_kept() -> None:
    """Before the interrupted line of a sweep: how many of its runs are finished (kept,
    skipped when it resumes), how many trained models the runs stopped part way saved (kept
    and reused; counted on disk, `_saved_models`), and what is lost (the work since each
    one's last saved model; the whole training of a run that saved none). Runs that trained
    nothing as they waited for the model store's lock (`_waited_part`), and runs another
    process holds, which go on there (`_going_on_part`), are named apart."""
    if not _SWEEP_SUMMARY or _KEPT_SAID:  # (no sweep in this process; said)
        return
    if _ended_sweep_finished() is not None:  # (its interrupted line says it finished)
        return
    _KEPT_SAID.append(True)
    runs, holders = _runs_and_lock_holders(_this_sweeps_runs())
    if not runs and not holders:
        return
    stopped = [(payload, counts) for payload, counts in runs if payload.get("status") != "complete"]
    saving = [(payload, counts) for payload, counts in stopped if sum(counts)]
    # (a point that waited on another's model store lock trained nothing)
    waiting = [holder for payload, counts in stopped if not sum(counts)
               and (holder := _waited_for(payload))]  # fmt: skip
    finished = len(runs) - len(stopped)
    kept = f"{counted(finished, 'finished run')} of this sweep (skipped when it resumes)"
    lost = []
    if saving:
        kept += _saved_part(saving)
        lost.append("the work in progress since each one's last saved model")
    if unsaved := len(stopped) - len(saving) - len(waiting):
        lost.append(f"the training of {counted(unsaved, 'run')} stopped part way with no "
                    "trained model saved yet")
    lost_said = (f"{' and '.join(lost)}, done again when the sweep resumes" if lost
                 else "no trained model (none was in training)")  # (stopped between runs)
    print(f"kept: {kept}; lost: {lost_said}{_waited_part(waiting)}{_going_on_part(holders)}",
          file=sys.stderr)


def _runs_and_lock_holders(
    run_dirs: list[Path],
) -> tuple[list[tuple[dict, list[int]]], list[str]]:
    """What each of ``run_dirs`` that finished or stopped keeps (`_saved_models`), and the
    lock holder of each that stopped part way here but another process holds: the same
    sweep started twice into one folder runs its points in both, and that run goes on."""
    runs, holders = [], []
    for run_dir in run_dirs:
        found = _saved_models(run_dir, ("complete", *_STOPPED))
        holder = found and found[0].get("status") != "complete" and lock_holder(run_dir)
        if holder:
            holders.append(holder)
        elif found:
            runs.append(found)
    return runs, holders


def _saved_part(saving: list[tuple[dict, list[int]]]) -> str:
    """The sweep's kept line's count of the models its runs stopped part way (``saving``:
    results.json and models per folder, `_saved_models`) saved, and how many of them the
    model store holds (`_in_store`)."""
    remark = next(filter(None, (_chunk_remark(payload.get("config") or {}, counts)
                                for payload, counts in saving)), "")  # fmt: skip
    models = sum(sum(counts) for _, counts in saving)
    stored = sum(count for payload, _ in saving for count, _ in _in_store(payload).values())
    stored_part = f", {stored} of them in the model store" if stored else ""
    return (f" and {counted(models, 'trained model')} saved by {counted(len(saving), 'run')}"
            f" stopped part way (reused then{stored_part}){remark}")


def _waited_part(waiting: list[str]) -> str:
    """The sweep's kept line's clause for its runs that trained nothing while they waited
    for the model store's lock (``waiting``: a holder line each); '' where none did."""
    if not waiting:
        return ""
    one = len(waited := list(dict.fromkeys(waiting))) == 1
    return (f"; nothing trained by {counted(len(waiting), 'run')} that waited for "
            f"{', '.join(waited)}, which {'trains' if one else 'train'} the same models "
            f"into the model store: the resume loads them if {'it' if one else 'they'} "
            "stored them, else trains them")


def _going_on_part(holders: list[str]) -> str:
    """The sweep's kept line's clause for its runs another process holds (``holders``: their
    lock holder lines), which go on there; '' where there are none."""
    if not holders:
        return ""
    return (f"; not stopped: {counted(len(holders), 'run')} in progress in another process "
            f"({', '.join(dict.fromkeys(holders))}), going on there")


def _left_to_resume() -> bool:
    """Whether the directory named from the clock (`_CLOCK_NAMED`) holds a run that stopped
    on an error after it began (results.json ``failed``: a full disk) or that a killed job
    left ``running``: what "run the same command again" resumes. A run that failed on a
    setting (`failed_on_a_setting`) is none: the same settings fail there again, and other
    ones are refused there as another config's run."""
    from mia_defense.files import run_files

    if not _CLOCK_NAMED:
        return False
    root = Path(_CLOCK_NAMED[0][1])
    # (a sweep's runs at any depth: subdir=${hydra.job.num}/x)
    return any(_resumable(path.parent) for path in run_files(root))


def _resumable(run_dir: Path) -> bool:
    """Whether the run in ``run_dir`` stopped after it began (`_STOPPED`) on anything but a
    setting (`failed_on_a_setting`): what "run the same command again" resumes."""
    from mia_defense.tracking.run_dir import failed_on_a_setting

    payload = _results_of(run_dir, _STOPPED)
    return payload is not None and not failed_on_a_setting(run_dir, payload)


def _failed_on_a_setting(run_dir: Path) -> bool:
    """`failed_on_a_setting` of the run in ``run_dir``: nothing there to resume."""
    from mia_defense.tracking.run_dir import failed_on_a_setting

    payload = _results_of(run_dir, ("failed",))
    return payload is not None and failed_on_a_setting(run_dir, payload)


def _say_where_to_resume() -> None:
    """After 'interrupted; run the same command again to resume': where the run's (sweep's)
    directory was named from the clock, the same command names a new, empty one and trains
    everything again beside the interrupted run, so say which directory to name instead."""
    if not _CLOCK_NAMED:
        return
    key, path = _CLOCK_NAMED[0]
    what = "run" if key == "hydra.run.dir" else "sweep"
    print(f"to resume this {what}, add {key}={shell_path(path)} to the same command: its "
          f"folder's name comes from the clock, so the same command alone starts the {what} "
          "anew in a new folder", file=sys.stderr)  # fmt: skip


# What a process pool raises when the system killed one of its workers (joblib's loky,
# concurrent.futures), by name: the launcher's package is not imported for it.
_LOST_WORKER_ERRORS = ("TerminatedWorkerError", "BrokenProcessPool")


def _lost_workers_stop_cleanly() -> None:
    """Make a sweep whose launcher lost a job's process (``launcher=joblib``; the system
    killed it, most often for memory) end in one line and exit 2: Hydra printed the pool's
    traceback. The runs finished so far are kept; the same command resumes the sweep."""
    from hydra._internal.hydra import Hydra

    multirun = Hydra.multirun
    if getattr(multirun, "_mia_lost_workers", False):
        return

    @functools.wraps(multirun)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return multirun(self, *args, **kwargs)
        except (KeyboardInterrupt, SystemExit) as exc:  # (SystemExit: a job's end)
            if isinstance(exc, KeyboardInterrupt) or exc.code in (
                    EXIT_INTERRUPTED, EXIT_TERMINATED):  # fmt: skip
                _mark_killed_jobs()
                _say_what_the_sweep_kept()
            raise
        except Exception as exc:
            if _raised_by_an_interrupt(exc):  # (so said: Hydra printed its traceback)
                _mark_killed_jobs()
                _say_what_the_sweep_kept()
                raise KeyboardInterrupt from None
            if _no_trial_finished(exc):
                _end_search_without_result()
            if isinstance(exc, OSError) and _SWEEP_SUMMARY and _unwritten_record(exc):
                _end_sweep_unrecorded(exc)
            if type(exc).__name__ not in _LOST_WORKER_ERRORS:
                raise
            _mark_killed_jobs()  # (the pool killed the other running jobs too)
            codes = re.search(r"exit codes of the workers are \{([^}]*)\}", str(exc))
            how = f" (exit {codes.group(1)})" if codes else ""
            print(f"DataError: a job's process of this sweep was killed{how}, most often by "
                  "the system for memory, and the sweep stopped; the runs finished so far are "
                  "kept. Give the jobs more memory (fewer at once: hydra.launcher.n_jobs; "
                  "smaller: train.chunk_size) and run the same command again: finished runs "
                  "are skipped, interrupted ones resume", file=sys.stderr)  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR) from None

    guarded._mia_lost_workers = True  # type: ignore[attr-defined]
    Hydra.multirun = guarded  # type: ignore[method-assign]


def _raised_by_an_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while a Ctrl-C (KeyboardInterrupt) was handled: one landing
    as Hydra loaded a point's config, inside omegaconf, left a node half set, and the
    ``finally`` of its flag_override raised an AttributeError in its place ('NoneType' object
    has no attribute '_invalidate_flags_cache'): a traceback, then 'interrupted'."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__context__
    return False


def _no_trial_finished(exc: BaseException) -> bool:
    """Whether ``exc`` is Optuna's answer for the best trial of a study none of whose trials
    completed (each was refused or diverged: mia-train returned None for it)."""
    return isinstance(exc, ValueError) and "trials are completed yet" in str(exc)


def _end_search_without_result() -> None:
    """End a single-objective Optuna search none of whose trials finished: its sweeper
    raised "No trials are completed yet." after the trials (a traceback, exit 1), before
    Hydra's on_multirun_end. Say the sweep's end (the refused and diverged runs) and one
    line on why, and exit 2."""
    all_refused = False
    if _SWEEP_SUMMARY:
        summary, config = _SWEEP_SUMMARY[0]
        summary.on_multirun_end(config)  # names the refused runs; the all-refused line too
        all_refused = summary.all_refused
    if not all_refused:
        said = f"; the first refusal: {_SWEEP_FAILED[0][1]}" if _SWEEP_FAILED else ""
        print(f"\nno trial of this search finished (each was refused, failed or diverged: "
              f"listed above{said}); the search has no result", file=sys.stderr)
    raise SystemExit(EXIT_USER_ERROR)


def _unwritten_record(exc: OSError) -> str | None:
    """The file a sweeper's write that failed with ``exc`` was writing (OmegaConf.save's
    ``f``: Hydra's records in the sweep's folder; a write's OSError names no file); None for
    an error of no such write."""
    found = exc.filename
    frame = exc.__traceback__
    while frame is not None and found is None:
        where = frame.tb_frame
        if where.f_code.co_name == "save" and "omegaconf" in where.f_code.co_filename:
            found = where.f_locals.get("f")
        frame = frame.tb_next
    return os.fsdecode(found) if isinstance(found, str | bytes | os.PathLike) else None


def _end_sweep_unrecorded(exc: OSError) -> None:
    """End a sweep whose sweeper could not write its record (Optuna's
    optimization_results.yaml, after the trials: a full disk), which was an OSError
    traceback (exit 1) before Hydra's on_multirun_end: say the sweep's end, then one line
    naming the file, and exit 2. The runs are kept; the same command writes it again."""
    from mia_defense.files import write_advice

    if _SWEEP_SUMMARY:
        summary, config = _SWEEP_SUMMARY[0]
        summary.on_multirun_end(config)
    advice = "free disk space"  # (a full disk, most often; else no space freed helps)
    if exc.errno not in (None, errno.ENOSPC, errno.EDQUOT):  # (a file where a folder should be)
        advice = write_advice(exc, fix="make it writable or move away what stands in its place",
                              where="hydra.sweep.dir=...")  # fmt: skip
    print(f"\nDataError: {_unwritten_record(exc)}: cannot write it ({exc.strerror or exc}); "
          f"the sweep's runs are kept (each its results.json): {advice} and run the same "
          "command again to write it (finished runs are read back, not run again)",
          file=sys.stderr)  # fmt: skip
    raise SystemExit(EXIT_USER_ERROR)


def _guard_log_files() -> None:
    """`guard_log_files`, their failures kept for `main`."""
    guard_log_files(_LOG_FAILED)


if __name__ == "__main__":
    main()

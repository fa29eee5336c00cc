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
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from mia_defense.cli import stopped, sweep_end
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
from mia_defense.cli.grid_check import refuse_sweep_refused_at_every_point
from mia_defense.cli.held_log import (
    HeldLog,
    OutputRefused,
    guard_log_files,
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
from mia_defense.cli.run_records import results_of, run_folders
from mia_defense.cli.stopped import (
    finished_line,
    interrupted_line,
    left_to_resume,
    lost_workers_stop_cleanly,
    say_what_the_run_kept,
    say_what_the_sweep_kept,
    say_where_to_resume,
)
from mia_defense.cli.sweep_checks import (
    job_trial,
    refuse_empty_sweep,
    refuse_huge_sweep,
    refuse_number_in_two_forms,
    refuse_one_folder_for_all,
    refuse_other_modes_folder,
    refuse_repeated_defenses,
    refuse_repeated_sweep_keys,
    refuse_shared_run_dirs,
    refuse_stacked_release,
    refuse_sweep_settings_in_a_run,
    refuse_unselected_settings,
)
from mia_defense.cli.sweep_end import WORST_CASED, SweepSummary, maximized, objective_names
from mia_defense.cli.sweep_refusals import gather_returned, in_use_refusal, say
from mia_defense.cli.user_code import refuse_shadowing_files
from mia_defense.constraints import shown_path
from mia_defense.errors import (
    ConfigError,
    DataError,
    DivergedError,
    MiaDefenseError,
    UnsupportedModelError,
)
from mia_defense.hydra_setup import hydra_config_of_the_job, plugin_is, setup_hydra

if TYPE_CHECKING:
    from mia_defense.cli.build import build_experiment, format_table, run

# (the callbacks conf/hydra/default.yaml names as mia_defense.cli.train's: SweepSummary too)
__all__ = ["CheckConfigCallback", "RunDirCheck", "SweepSummary", "build_experiment",
           "format_table", "main", "run"]

log = logging.getLogger(__name__)

# Set when Hydra hands the composed config to the task: a Hydra exit before that is a
# composition error (a user error), one after it is not.
_TASK_STARTED = False
# The log files of this process that could not be written (a full disk, /dev/full): each
# said once when it failed, and the run or sweep exits 2 at its end.
_LOG_FAILED: list[str] = []
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
            named = ("hydra.run.dir", str(config.hydra.run.dir))  # (the clock's, if claimed)
            stopped.CLOCK_NAMED[:] = [named] if claimed else []
            # (a folder named from the clock was made by the claim, its '-2' too)
            chain = folder_chain(str(config.hydra.run.dir))
            _RUN_DIR_MADE[:] = [folder for folder in chain
                                if folder in there or (claimed and folder == chain[0])]

    @_fails_closed("hydra.sweep.dir")
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from mia_defense.cli.objective_checks import check_objectives  # (a multirun's alone)
        from mia_defense.cli.plugin_checks import (  # (a multirun's alone: no single run's)
            check_parallel_settings,
            refuse_unknown_plugin_keys,
            require_slurm,
            require_usable_storage,
            warn_unseeded_search,
        )
        from mia_defense.cli.search_checks import (  # (a multirun's alone: no single run's)
            refuse_intervals_out_of_range,
            refuse_keys_searched_and_fixed,
            refuse_search_refused_at_every_point,
        )
        from mia_defense.cli.search_space_checks import (  # (a multirun's alone)
            refuse_float_ranges_on_integer_keys,
            refuse_interval_without_search,
            refuse_reversed_search_ranges,
            refuse_unknown_group_options,
            refuse_unknown_search_keys,
            refuse_unreadable_search_values,
            require_search_space,
            warn_inclusive_search_ranges,
            warn_searched_seed,
        )

        refuse_keys_searched_and_fixed(config)  # (before the space: its words are this key's)
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
            refuse_odd_log_files(config, run_folders(config.hydra.sweep.dir),
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
            named = ("hydra.sweep.dir", str(config.hydra.sweep.dir))  # (the clock's, if claimed)
            stopped.CLOCK_NAMED[:] = [named] if claimed else []
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
    from mia_defense.cli.objective_checks import (
        attack_settings,
        defense_targets,
        dp_accountants,
        release_randomized,
    )
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
        sweep_end.SWEEP_RUNS.append(run_dir)
    fprs = sorted(float(f) for f in cfg.attack.fprs)
    names = objective_names(cfg)
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
                summary = sweep_end.SWEEP_SUMMARY  # (the sweep in this process)
                sweep = summary[0][1] if summary else None
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
                            maximized=maximized(HydraConfig.get().sweeper, names))
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
            stopped.FINISHED[:] = [run_dir]
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
            sweep_end.SWEEP_FAILED.append((run_dir, f"{name}: {said}"))
            say(run_dir, f"{name}: {said}",  # (for a sweep whose jobs run elsewhere)
                run=getattr(exc, "run", None) if in_use_refusal(said) else None)
            return None  # the other points still run; the sweep exits 2 at its end
        if not claimed:
            _unmake_refused_run_dir(run_dir, held)
        raise SystemExit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        if HydraConfig.get().mode != RunMode.MULTIRUN:
            if claimed and results_of(run_dir, ("complete",)) is not None:
                # (its results.json written, or a finished run being skipped: 'resume' sent
                # users to run again what was done; no folder to add for a resume either)
                end_interrupted(log, finished_line(run_dir))
            say_what_the_run_kept(run_dir)
        else:  # (a job in the tool's own process, the basic launcher's; else the tool's)
            say_what_the_sweep_kept()
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


# Why a sweeper gets infinity for ``privacy.epsilon`` in place of the ε results.json keeps
# (`mia_defense.report.objectives.objectives`; {} is `MAX_TARGET_EPSILON`). Not in
# `WORST_CASED`: an ε of no guarantee is no want of a privacy verdict, which
# `sweep_end._searched_without_verdict` judges a search by.
_NO_GUARANTEE_SAID = (
    "its ε is no guarantee: a measured bound refutes it (privacy.epsilon_refuted), it is "
    "none for the mechanism that ran (privacy.epsilon_valid false), the run's own config "
    "doubts it or it is above {}, where ε guarantees nothing (mia-report's caveats say which)"
)
# Why a sweeper gets a finite ε other than the run's: the gdp accountant's (an approximation)
# gives way to the RDP accountant's upper bound beside it (`objectives`), where larger.
_RDP_BOUND_SAID = (
    "its accountant, gdp, is a central-limit approximation that can underestimate ε, so a "
    "sweeper gets the RDP accountant's upper bound of the same run (privacy.epsilon_rdp_bound), "
    "a guarantee, not the run's ε"
)
# Why a sweeper gets infinity for a gdp run whose RDP upper bound, standing in, is vacuous.
_VACUOUS_BOUND_SAID = (
    "its accountant, gdp, is a central-limit approximation that can underestimate ε, and the "
    "RDP accountant's upper bound of the same run that stands in for it "
    "(privacy.epsilon_rdp_bound) is {}, above {}, where ε guarantees nothing"
)


def _say_worst_cased(payload: dict, names: list[str], values: list[float]) -> None:
    """Name each of ``names`` in `WORST_CASED` a sweeper gets as its worst, not the figure
    results.json keeps, with that figure's own reason; and ``privacy.epsilon`` where it gets
    infinity for an ε of no guarantee (`_NO_GUARANTEE_SAID`: a search minimising ε was told
    nothing of why a refuted, invalid, doubted or vacuous ε ranked last), or the RDP bound of
    a gdp run (`_RDP_BOUND_SAID`: 8.9 for a results.json's 8.0, without a word; infinity for
    a bound above 1000, `_VACUOUS_BOUND_SAID`, which the generic line left unnamed). A run
    without a DP claim (no ε in results.json) is not named: it has no figure to keep."""
    from mia_defense.report.objectives import epsilon_vacuous, objective, rdp_bound_stand_in

    for name, value in zip(names, values, strict=True):
        if name in WORST_CASED:
            measured, reason = objective(payload, name), WORST_CASED[name]
        elif name == "privacy.epsilon":
            measured = objective(payload, name)
            if not math.isfinite(measured):
                continue  # (no ε: no DP claim, nothing kept)
            if math.isinf(value):
                from mia_defense.defenses.accounting import MAX_TARGET_EPSILON  # (numpy alone)

                most = f"{MAX_TARGET_EPSILON:g}"
                bound = rdp_bound_stand_in(payload.get("privacy"), measured)
                if bound is not None and epsilon_vacuous(bound):
                    reason = _VACUOUS_BOUND_SAID.format(f"{bound:g}", most)
                else:
                    reason = _NO_GUARANTEE_SAID.format(most)
            else:  # (a finite stand-in: the gdp run's RDP bound, `objectives`)
                reason = _RDP_BOUND_SAID
        else:
            continue
        if value != measured:
            log.warning("objectives: a sweeper gets %s for %s, not this run's %s "
                        "(results.json keeps it): %s", value, name, measured, reason)


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
    sweep_end.SWEEP_DIVERGED.clear()  # (a previous sweep of this process is not this one)
    sweep_end.SWEEP_FAILED.clear()
    sweep_end.SWEEP_RUNS.clear()
    sweep_end.SWEEP_SUMMARY.clear()
    sweep_end.SEARCH_WITHOUT_RESULT.clear()
    _LOG_FAILED.clear()
    stopped.CLOCK_NAMED.clear()
    stopped.FINISHED.clear()
    sweep_end.SWEEP_ENDED.clear()
    stopped.KEPT_SAID.clear()
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
    lost_workers_stop_cleanly()
    gather_returned()
    try:
        run_entry(_hydra_main, started=lambda: _TASK_STARTED, interrupted=interrupted_line)
    except SystemExit as exc:
        if exc.code in (EXIT_INTERRUPTED, EXIT_TERMINATED) or (
                exc.code == EXIT_USER_ERROR and left_to_resume()):  # fmt: skip
            say_where_to_resume()
        raise
    if _LOG_FAILED:
        print(log_files_failed(_LOG_FAILED), file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)
    if sweep_end.SWEEP_DIVERGED or sweep_end.SWEEP_FAILED or sweep_end.SEARCH_WITHOUT_RESULT:
        if left_to_resume():
            say_where_to_resume()
        raise SystemExit(EXIT_USER_ERROR)


def _guard_log_files() -> None:
    """`guard_log_files`, their failures kept for `main`."""
    guard_log_files(_LOG_FAILED)


if __name__ == "__main__":
    main()

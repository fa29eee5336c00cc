"""What ``mia-train`` says when a run or sweep stops before its end (Ctrl-C, SIGTERM, a
lost launcher worker, a sweeper that raises after its trials): what is kept and what is
lost, where to resume, and the one line that ends it."""

from __future__ import annotations

import errno
import functools
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from mia_defense.cli import sweep_end
from mia_defense.cli.commands import shell_path
from mia_defense.cli.entry import EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_USER_ERROR
from mia_defense.cli.held_log import lock_holder
from mia_defense.cli.run_records import (
    STOPPED,
    chunk_remark,
    in_store,
    results_of,
    resumable,
    saved_models,
    waited_for,
    where_kept,
    written_since,
)
from mia_defense.cli.sweep_refusals import launched_folders
from mia_defense.errors import counted

log = logging.getLogger("mia_defense.cli.train")  # (its lines read as mia-train's)


# The run or sweep directory this process named from the clock (`claim_timestamped_dir`:
# the default outputs/<date>/<time>), as (key, path): the same command names a new one, so
# an interrupted run or sweep resumes only with this one named (`say_where_to_resume`).
CLOCK_NAMED: list[tuple[str, str]] = []

# The folder of this process's single run once its task ended with the run finished (its
# results.json complete, its figures printed): a Ctrl-C in the tool's end after that (the
# held log's settling, Hydra's) has nothing to resume (`interrupted_line`).
FINISHED: list[Path] = []

# Set once an interrupted sweep said what it keeps (`say_what_the_sweep_kept`).
KEPT_SAID: list[bool] = []


def finished_line(run_dir: Path) -> str:
    """The interrupted line of a run whose results.json is complete: nothing to resume (the
    same command skips it), so no folder of the clock to name for a resume either."""
    CLOCK_NAMED.clear()
    return ("interrupted after the run finished: its results.json is complete, nothing is "
            f"lost; mia-train with hydra.run.dir={shell_path(run_dir)} skips it and prints "
            "its figures")  # fmt: skip


def interrupted_line() -> str:
    """`run_entry`'s line for a Ctrl-C (SIGTERM) the task did not say itself: `finished_line`
    where it landed in the tool's end after the run finished (its table printed: the held
    log's settling, Hydra's end; it said 'run the same command again to resume', though
    nothing was left to resume); a sweep's where it landed after its jobs had all returned
    (as it said its end, or in Hydra's after it) with none of its runs left to resume;
    else the resume line."""
    if FINISHED and results_of(FINISHED[0], ("complete",)) is not None:
        return finished_line(FINISHED[0])
    if (finished := ended_sweep_finished()) is not None:
        CLOCK_NAMED.clear()  # (no folder of the clock to name for a resume)
        sweep_dir = shell_path(sweep_end.SWEEP_ENDED[0][1].hydra.sweep.dir)
        return (f"interrupted after the sweep finished: nothing is left to resume "
                f"({counted(finished, 'finished run')} kept); the same command with "
                f"hydra.sweep.dir={sweep_dir} says its end again, its finished runs skipped")
    return "interrupted; run the same command again to resume"


def ended_sweep_finished() -> int | None:
    """How many runs of the sweep whose jobs had all returned (`sweep_end.SWEEP_ENDED`) finished,
    where none of its runs is left to resume (`resumable`); None where one is, or where
    no sweep of this process got so far."""
    if not sweep_end.SWEEP_ENDED:
        return None
    runs = _this_sweeps_runs(sweep_end.SWEEP_ENDED[0])
    if any(resumable(run_dir) for run_dir in runs):
        return None
    return sum(results_of(run_dir, ("complete",)) is not None for run_dir in runs)


def _mark_killed_jobs() -> None:
    """Mark ``interrupted`` the runs of the stopped sweep that its launcher's pool killed
    (`mark_killed_runs`): interrupted alone (``kill -INT <pid>``, not Ctrl-C to the whole
    process group), mia-train stopped its ``launcher=joblib`` pool, which killed the running
    jobs before they could write so: their results.json read ``running`` for ever after."""
    if not sweep_end.SWEEP_SUMMARY:  # (no sweep, or one whose end was said)
        return
    from mia_defense.tracking.run_dir import mark_killed_runs

    mark_killed_runs(_this_sweeps_runs())


def _this_sweeps_runs(sweep: tuple[Any, DictConfig] | None = None) -> list[Path]:
    """The folders of the sweep in `sweep_end.SWEEP_SUMMARY` (or ``sweep``) that hold a results.json
    (at any depth: hydra.sweep.subdir=${hydra.job.num}/run) and that this sweep ran: in this
    process, handed back by its launcher, or (a job elsewhere, still running or killed) whose
    train.log grew or results.json was written since it started. Another sweep's runs in the
    same hydra.sweep.dir (an earlier one of other values) are not this one's: an interrupted
    sweep counted them as its own finished runs."""
    from mia_defense.files import run_files

    summary, config = sweep or sweep_end.SWEEP_SUMMARY[0]
    # (from the folder it was launched in: hydra.job.chdir=true runs a job in its run's)
    cwd = OmegaConf.select(config, "hydra.runtime.cwd", default=None) or os.getcwd()
    root = Path(cwd, config.hydra.sweep.dir)
    ours = {os.path.abspath(run_dir) for run_dir in sweep_end.SWEEP_RUNS} | launched_folders()
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
            or written_since(run_dir / "results.json", before)]  # fmt: skip


def say_what_the_run_kept(run_dir: Path) -> None:
    """Before the interrupted line of a run that began (its results.json says so): what it
    keeps (its saved models, reused on resume) and what is lost (the work since the last
    one saved). Where the run never began, nothing was written to keep."""
    from mia_defense.tracking.artifacts import CHECKPOINTS

    found = saved_models(run_dir, ("interrupted",))
    if found is None:
        return
    payload, counts = found
    if saved := sum(counts):
        part = chunk_remark(payload.get("config") or {}, counts)
        log.warning("kept: %s saved in %s, reused when the run resumes%s; lost: the work in "
                    "progress since the last one saved (models in training, or the attacks), "
                    "done again then", counted(saved, "trained model"),
                    where_kept(run_dir, payload, counts), part)  # fmt: skip
    elif holder := waited_for(payload):  # (it trained nothing: another run held the lock)
        log.warning("kept: no trained model yet (none was saved in %s/); lost: nothing trained "
                    "here: the run waited for %s, which trains the same models into the model "
                    "store: the resume loads them if that run stored them, else trains them",
                    shell_path(run_dir / CHECKPOINTS), holder)  # fmt: skip
    else:
        log.warning("kept: no trained model yet (none was saved in %s/); lost: the training in "
                    "progress, which the run starts anew when it resumes",
                    shell_path(run_dir / CHECKPOINTS))  # fmt: skip


def say_what_the_sweep_kept() -> None:
    """Before the interrupted line of a sweep: how many of its runs are finished (kept,
    skipped when it resumes), how many trained models the runs stopped part way saved (kept
    and reused; counted on disk, `saved_models`), and what is lost (the work since each
    one's last saved model; the whole training of a run that saved none). Runs that trained
    nothing as they waited for the model store's lock (`_waited_part`), and runs another
    process holds, which go on there (`_going_on_part`), are named apart."""
    if not sweep_end.SWEEP_SUMMARY or KEPT_SAID:  # (no sweep in this process; said)
        return
    if ended_sweep_finished() is not None:  # (its interrupted line says it finished)
        return
    KEPT_SAID.append(True)
    runs, holders = _runs_and_lock_holders(_this_sweeps_runs())
    if not runs and not holders:
        return
    stopped = [(payload, counts) for payload, counts in runs if payload.get("status") != "complete"]
    saving = [(payload, counts) for payload, counts in stopped if sum(counts)]
    # (a point that waited on another's model store lock trained nothing)
    waiting = [holder for payload, counts in stopped if not sum(counts)
               and (holder := waited_for(payload))]  # fmt: skip
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
    """What each of ``run_dirs`` that finished or stopped keeps (`saved_models`), and the
    lock holder of each that stopped part way here but another process holds: the same
    sweep started twice into one folder runs its points in both, and that run goes on."""
    runs, holders = [], []
    for run_dir in run_dirs:
        found = saved_models(run_dir, ("complete", *STOPPED))
        holder = found and found[0].get("status") != "complete" and lock_holder(run_dir)
        if holder:
            holders.append(holder)
        elif found:
            runs.append(found)
    return runs, holders


def _saved_part(saving: list[tuple[dict, list[int]]]) -> str:
    """The sweep's kept line's count of the models its runs stopped part way (``saving``:
    results.json and models per folder, `saved_models`) saved, and how many of them the
    model store holds (`in_store`)."""
    remark = next(filter(None, (chunk_remark(payload.get("config") or {}, counts)
                                for payload, counts in saving)), "")  # fmt: skip
    models = sum(sum(counts) for _, counts in saving)
    stored = sum(count for payload, _ in saving for count, _ in in_store(payload).values())
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


def left_to_resume() -> bool:
    """Whether the directory named from the clock (`CLOCK_NAMED`) holds a run that stopped
    on an error after it began (results.json ``failed``: a full disk) or that a killed job
    left ``running``: what "run the same command again" resumes. A run that failed on a
    setting (`failed_on_a_setting`) is none: the same settings fail there again, and other
    ones are refused there as another config's run."""
    from mia_defense.files import run_files

    if not CLOCK_NAMED:
        return False
    root = Path(CLOCK_NAMED[0][1])
    # (a sweep's runs at any depth: subdir=${hydra.job.num}/x)
    return any(resumable(path.parent) for path in run_files(root))


def say_where_to_resume() -> None:
    """After 'interrupted; run the same command again to resume': where the run's (sweep's)
    directory was named from the clock, the same command names a new, empty one and trains
    everything again beside the interrupted run, so say which directory to name instead."""
    if not CLOCK_NAMED:
        return
    key, path = CLOCK_NAMED[0]
    what = "run" if key == "hydra.run.dir" else "sweep"
    print(f"to resume this {what}, add {key}={shell_path(path)} to the same command: its "
          f"folder's name comes from the clock, so the same command alone starts the {what} "
          "anew in a new folder", file=sys.stderr)  # fmt: skip


# What a process pool raises when the system killed one of its workers (joblib's loky,
# concurrent.futures), by name: the launcher's package is not imported for it.
_LOST_WORKER_ERRORS = ("TerminatedWorkerError", "BrokenProcessPool")


def lost_workers_stop_cleanly() -> None:
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
                say_what_the_sweep_kept()
            raise
        except Exception as exc:
            if _raised_by_an_interrupt(exc):  # (so said: Hydra printed its traceback)
                _mark_killed_jobs()
                say_what_the_sweep_kept()
                raise KeyboardInterrupt from None
            if _no_trial_finished(exc):
                end_search_without_result()
            if isinstance(exc, OSError) and sweep_end.SWEEP_SUMMARY and _unwritten_record(exc):
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


def end_search_without_result() -> None:
    """End a single-objective Optuna search none of whose trials finished: its sweeper
    raised "No trials are completed yet." after the trials (a traceback, exit 1), before
    Hydra's on_multirun_end. Say the sweep's end (the refused and diverged runs) and one
    line on why, and exit 2."""
    all_refused = False
    if sweep_end.SWEEP_SUMMARY:
        summary, config = sweep_end.SWEEP_SUMMARY[0]
        summary.on_multirun_end(config)  # names the refused runs; the all-refused line too
        all_refused = summary.all_refused
    if not all_refused:
        failed = sweep_end.SWEEP_FAILED
        said = f"; the first refusal: {failed[0][1]}" if failed else ""
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

    if sweep_end.SWEEP_SUMMARY:
        summary, config = sweep_end.SWEEP_SUMMARY[0]
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

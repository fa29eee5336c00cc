"""A sweep point's refusal carried back to the sweep's process on its job's JobReturn.

A point refused in another run's folder (in use, or holding another config's run) writes
nothing there, its log lines included (`mia_defense.cli.held_log.HeldLog.drop`). Where the
points run in processes of their own (``hydra/launcher=joblib``, ``submitit_local``,
``submitit_slurm``, ``ray``), the sweep's end learnt of a refusal only from the point's log
in its folder, so mia-train's point wrote its refusal into that run's train.log anyway (and
mia-attack's sweep ended as a success, its refused points unnamed). Every launcher hands each
job's JobReturn back to the sweep's process: the job's process puts its refusals on it
(`say` in the task, `carry` from a callback's ``on_job_end``) and the sweep's process
gathers them as the launcher returns (`gather_returned`, then `returned` at its end).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mia_defense.cli.commands import shell_path
from mia_defense.cli.held_log import GONE_HOLDER, SILENT_HOLDER

__all__ = [
    "carry", "gather_returned", "in_another_runs_folder", "in_use_refusal", "launched_folders",
    "print_points", "print_refused", "refused_run", "returned", "say", "valued_folders",
    "valued_jobs",
]

# The attribute of a JobReturn that holds its job's refusals: [(run directory, message)].
_ON_RETURN = "mia_refusals"
# In the refusal of a point whose run folder another process holds (its .lock: a run there).
_IN_USE = " is in use by "
# In the refusal of a point that could not write a file of its run (a full disk), or use its
# folder at all (a read-only file system, claim_run_dir's): its own words say what to do,
# there is no value to fix.
_UNWRITTEN = (": cannot write ", ": cannot use it as the run directory (")
# In such a refusal where the disk is full (files.write_advice's words, or the system's): a
# read-only point (a finished sweep kept read-only) was told 'free disk space, most often'.
_FULL_DISK = ("free disk space", os.strerror(errno.ENOSPC), os.strerror(errno.EDQUOT))
# In the refusal of an Optuna trial that waited for the process holding its folder (its
# twin) where that wait cannot end of itself (held_log.wait_for_lock): no run still going to
# wait for, but a process to end (or, from another host, to check on).
_STUCK = (GONE_HOLDER, SILENT_HOLDER)
# In the refusal of a point whose run folder holds a run of another config.
_OTHER_CONFIG = " run of another config ("
# The attribute of a JobReturn that holds the runs its job was refused in a folder in use.
_RUNS_ON_RETURN = "mia_refused_runs"
# The refusals of the job running in this process, until its end (`carry`).
_SAID: list[tuple[str, str]] = []
# Its points refused in a folder in use: {run directory: (config, data fingerprint)}.
_RUNS_SAID: dict[str, tuple[Any, Any]] = {}
# Those the launchers of this process's sweep handed back (`refused_run`).
_RUNS_RETURNED: dict[str, tuple[Any, Any]] = {}
# The refusals the launchers of this process's sweep handed back (`gather_returned`).
_RETURNED: list[tuple[Path, str]] = []
# The run directories of the jobs they handed back (`launched_folders`).
_LAUNCHED: set[str] = set()
# How many of those jobs returned a value to the sweeper (`valued_jobs`), and their run
# directories (`valued_folders`).
_VALUED = [0]
_VALUED_FOLDERS: set[str] = set()


def say(run_dir: Path, said: str, *, run: tuple[Any, Any] | None = None) -> None:
    """Keep the refusal of the sweep's point in ``run_dir`` (``said``: as the sweep's end
    names it) for `carry`, and ``run``, the point's (config, data fingerprint) where its
    folder was in use (`refused_run`). A task function of the CLIs is run in a job's process
    as a copy (Hydra's launchers pickle it by value: ``hydra.main`` renamed it), its module's
    lists with it; this module is imported there, as the callbacks are."""
    _SAID.append((str(Path(run_dir).absolute()), said))
    if run is not None:
        _RUNS_SAID[os.path.abspath(run_dir)] = run


def carry(job_return: Any) -> None:
    """Put the refusals of the job that made ``job_return`` (`say`, none: nothing) on it for
    the sweep's process; called from a callback's ``on_job_end`` (one job at a time runs in
    a process)."""
    if _SAID:
        setattr(job_return, _ON_RETURN, _SAID[:])
        _SAID.clear()
    if _RUNS_SAID:
        setattr(job_return, _RUNS_ON_RETURN, dict(_RUNS_SAID))
        _RUNS_SAID.clear()


def returned(known: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """The refusals the launchers handed back whose run directory ``known`` (the refusals
    this process saw itself: the basic launcher runs its jobs here) does not name."""
    seen = {Path(run_dir).absolute() for run_dir, _ in known}
    found = []
    for run_dir, said in _RETURNED:
        if Path(run_dir).absolute() not in seen:
            seen.add(Path(run_dir).absolute())
            found.append((Path(run_dir), said))
    return found


def refused_run(run_dir: Path) -> tuple[Any, Any] | None:
    """The (config, data fingerprint) of the point of this process's sweep refused in
    ``run_dir`` because its folder was in use (`say`), whichever process ran it; ``None``
    where none was, or its job carried none back."""
    key = os.path.abspath(run_dir)
    return _RUNS_RETURNED.get(key) or _RUNS_SAID.get(key)


def launched_folders() -> set[str]:
    """The run directories (``os.path.abspath``) of the jobs the launchers of this process's
    sweep handed back, whichever process ran them: this sweep's points, where another sweep
    shares its directory."""
    return set(_LAUNCHED)


def valued_jobs() -> int:
    """How many jobs the launchers of this process's sweep handed back with a value for the
    sweeper (an Optuna trial's objectives; none: a refused, diverged or failed trial)."""
    return _VALUED[0]


def valued_folders() -> set[str]:
    """The run directories (``os.path.abspath``) of the jobs `valued_jobs` counts."""
    return set(_VALUED_FOLDERS)


def gather_returned() -> None:
    """From now on in this process (a CLI's ``main``; once), each Hydra launcher's
    ``launch`` keeps the refusals on the JobReturns it hands back for `returned`, and their
    jobs' run directories for `launched_folders`; those kept by an earlier sweep are
    forgotten."""
    _RETURNED.clear()
    _RUNS_RETURNED.clear()
    _LAUNCHED.clear()
    _VALUED[0] = 0
    _VALUED_FOLDERS.clear()
    from hydra.core.plugins import Plugins

    instantiate = Plugins.instantiate_launcher
    if getattr(instantiate, "_mia_refusals", False):
        return

    @functools.wraps(instantiate)
    def instantiated(self: Any, *args: Any, **kwargs: Any) -> Any:
        launcher = instantiate(self, *args, **kwargs)
        kind = type(launcher)  # (the class's: submitit pickles the launcher to its jobs)
        if not getattr(kind.launch, "_mia_refusals", False):
            kind.launch = _gathering(kind.launch)
        return launcher

    instantiated._mia_refusals = True  # type: ignore[attr-defined]
    Plugins.instantiate_launcher = instantiated  # type: ignore[method-assign]


def _gathering(launch: Any) -> Any:
    """``launch`` of a launcher class, keeping the refusals on the JobReturns it returns."""

    @functools.wraps(launch)
    def gathered(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _no_idle_pool_workers(self, args[0] if args else kwargs.get("job_overrides")):
            job_returns = launch(self, *args, **kwargs)
        for job_return in job_returns or ():
            folder = None
            try:  # (set by Hydra's run_job, absolute; none on a JobReturn of no job)
                folder = os.path.abspath(job_return.hydra_cfg.hydra.runtime.output_dir)
                _LAUNCHED.add(folder)
            except (AttributeError, TypeError):
                pass
            _RETURNED.extend(
                (Path(run_dir), said) for run_dir, said in getattr(job_return, _ON_RETURN, ())
            )
            _RUNS_RETURNED.update(getattr(job_return, _RUNS_ON_RETURN, None) or {})
            if _valued(job_return):
                _VALUED[0] += 1
                if folder:
                    _VALUED_FOLDERS.add(folder)
        return job_returns

    gathered._mia_refusals = True  # type: ignore[attr-defined]
    return gathered


@contextlib.contextmanager
def _no_idle_pool_workers(launcher: Any, jobs: Any) -> Iterator[None]:
    """The joblib launcher's ``n_jobs`` (its ``joblib`` settings, a dict) no more than the
    ``jobs`` of this launch, while it launches them: loky starts every worker of its pool at
    once, given a job or not, so a 2-point sweep with hydra.launcher.n_jobs=1000 started 1000
    processes on 2 cores and did not end in 2 minutes (30 took 8.8 s for two jobs of
    os.getpid); -1 (one per core) alike on a machine of many cores. Put back after."""
    settings = getattr(launcher, "joblib", None)
    n_jobs = settings.get("n_jobs") if isinstance(settings, dict) else None
    count = len(jobs) if isinstance(jobs, Sequence) else 0
    if type(n_jobs) is not int or n_jobs == 0 or count < 1:
        yield
        return
    from mia_defense.cli.launcher_checks import joblib_workers

    workers = joblib_workers(n_jobs)
    if workers <= count:
        yield
        return
    settings["n_jobs"] = count
    try:
        yield
    finally:
        settings["n_jobs"] = n_jobs


def _valued(job_return: Any) -> bool:
    """Whether ``job_return`` is of a job that finished and returned a value."""
    from hydra.core.utils import JobStatus

    status = getattr(job_return, "status", None)
    return status == JobStatus.COMPLETED and getattr(job_return, "_return_value", None) is not None


def print_refused(points: list[tuple[Path, str]], *, nothing: str, fix: str) -> None:
    """The sweep's end: its refused points (``nothing``: what that left undone there), and
    what to do: ``fix`` where a point was refused for its settings; where another process
    holds a point's run folder there is nothing to fix, but that run to wait for; where a
    point could not write a file (a full disk), what its own line says; where an Optuna
    trial's wait for the process holding its folder could not end of itself (its lock kept
    by a process a killed run started, or a holder silent for long), the process to end."""
    # (in use by a run of another config: the same command refuses it again, as the
    # caller's note on runs of other settings says, so no 'wait ... then run again')
    stuck = sum(any(words in message for words in _STUCK) for _, message in points)
    busy = sum(_IN_USE in message and _OTHER_CONFIG not in message
               and not any(words in message for words in _STUCK) for _, message in points)
    unwritten = sum(any(words in message for words in _UNWRITTEN) for _, message in points)
    wait = ("wait for the run that holds it (still going) to end, then run the same command "
            "again")
    end = "do as its line says (end that process, most often), then run the same command again"
    full = any(words in message for _, message in points for words in _FULL_DISK)
    space = (f"do as its line says{' (free disk space, most often)' if full else ''}, then run "
             "the same command again")
    advice = (f"each folder is in use by another process: {wait}" if busy == len(points) else
              f"each folder is held by a process that may never let it go: {end}"
              if stuck == len(points) else
              f"each could not write a file there: {space}" if unwritten == len(points) else
              "nothing to fix, each as said below" if busy + stuck + unwritten == len(points)
              else fix)  # fmt: skip
    print_points(f"{len(points)} run(s) of this sweep were refused ({nothing}; {advice})", points)
    if 0 < busy < len(points):
        print(f"  ({busy} of them: nothing to fix, the folder is in use: {wait})")
    if 0 < stuck < len(points):
        print(f"  ({stuck} of them: nothing to fix, the folder is held by a process that may "
              f"never let it go (its lock kept by a process a killed run started, or nothing "
              f"written there for long): {end})")
    if 0 < unwritten < len(points):
        print(f"  ({unwritten} of them: nothing to fix, a file could not be written: {space})")


def in_use_refusal(said: str) -> bool:
    """Whether ``said``, a point's refusal, refused it for its folder being in use by another
    process."""
    return _IN_USE in said


def in_another_runs_folder(said: str) -> bool:
    """Whether ``said``, a point's refusal, refused it in another run's folder (in use by
    another process, or holding a run of another config): what is there is that run's."""
    return _IN_USE in said or _OTHER_CONFIG in said


def print_points(heading: str, points: list[tuple[Path, str]]) -> None:
    """The sweep's end: ``heading`` and a line a point, its run folder and what it said."""
    print(f"\n{heading}:")
    for run_dir, message in points:
        print(f"  {shell_path(run_dir)}: {message}")

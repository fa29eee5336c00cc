"""Checks of the submitit launchers' settings before Hydra starts the sweep
(`mia_defense.cli.train.RunDirCheck`), which submitit checks late or not at all: a count of
0 or below ended the sweep in submitit's traceback after its folder was made
(``launcher=submitit_local hydra.launcher.tasks_per_node=0``: 'AssertionError: Nothing to
do!'; ``timeout_min=0``: each job killed at once, 'UncompletedJobError'), and SLURM reads
``--time=0`` as no time limit at all; more than one task a job (``tasks_per_node=2``, or
``nodes=2``) ran each point twice at once in its folder, one copy refused 'is in use', and
the sweep ended refused. And a joblib launcher's workers outnumbering the cores, warned of
for the workers it starts (no more than the jobs of a launch), and a negative
``hydra.launcher.n_jobs`` that joblib's rule leaves no worker here (it runs one)."""

from __future__ import annotations

import logging

from omegaconf import DictConfig

from mia_defense.cli.entry import end_refused
from mia_defense.hydra_setup import plugin_is

__all__ = [
    "check_submitit_settings",
    "joblib_workers",
    "warn_joblib_workers_below_one",
    "warn_oversubscribed_launcher",
]

log = logging.getLogger(__name__)

# The least each setting of the submitit launchers' (local and SLURM) takes, and what it is.
# (null, where the config allows it, leaves the choice to submitit or SLURM: not checked)
_LEAST = {
    "timeout_min": (1, "the minutes a run may take"),
    "cpus_per_task": (1, "the cores of each run"),
    "tasks_per_node": (1, "the processes of each job"),
    "nodes": (1, "the machines of each job"),
    "gpus_per_node": (0, "the GPUs of each job"),
    "mem_gb": (0, "the memory of each job in GB (0: SLURM's all of a node)"),
    "array_parallelism": (1, "the jobs of the array running at once"),
    "max_num_timeout": (0, "how often a run that hit the time limit is resubmitted"),
}


def check_submitit_settings(config: DictConfig) -> None:
    """Refuse, in one line and before anything runs, a count of the submitit launcher's
    (`_LEAST`) below what it takes, and more than one task a job."""
    launcher = config.hydra.launcher
    if not plugin_is(launcher, "submitit"):
        return
    problems = []
    for key, (least, what) in _LEAST.items():
        value = launcher.get(key)
        if value is None:
            continue
        if type(value) is not int or value < least:
            problems.append(f"hydra.launcher.{key}={value!r}: {what}, a whole number >= {least}")
    for key in ("tasks_per_node", "nodes"):
        value = launcher.get(key)
        if type(value) is int and value > 1:
            problems.append(f"hydra.launcher.{key}={value}: each task of a job runs the whole "
                            "run again (a run is one process): its copies share one folder and "
                            "all but one are refused there; set it to 1")
    if problems:
        them = "it" if len(problems) == 1 else "them"
        end_refused(log, "%s; nothing was run (leave %s out for launcher=%s's value)",
                    "; ".join(problems), them,
                    "submitit_slurm" if plugin_is(launcher, "slurm") else "submitit_local")


def warn_oversubscribed_launcher(config: DictConfig) -> None:
    """Warn of a joblib launcher asking for more cores than this machine lets the process
    use (the workers it starts, of ``train.threads`` each): the runs share the cores, so
    they end no sooner, and each process starts and holds its own torch. Measured on 2
    cores, 6 tiny runs: 28.5 s with n_jobs=8, 15.2 s with n_jobs=2. The workers are
    ``hydra.launcher.n_jobs`` no more than the jobs of a launch (`_jobs_per_launch`;
    `sweep_refusals._no_idle_pool_workers` starts no more): n_jobs=1000 on a 2-point sweep
    was said to ask for 1000 cores, and ran 2 workers. A negative ``n_jobs`` counts as the
    workers joblib's rule starts for it (`joblib_workers`: -1, one per core)."""
    from mia_defense import budget

    launcher = config.hydra.launcher
    n_jobs = launcher.get("n_jobs") if plugin_is(launcher, "joblib") else None
    threads = _train_threads(config)
    if type(n_jobs) is not int or n_jobs in (0, 1) or threads is None:
        return  # (a bad value is refused elsewhere)
    # a negative count as the workers joblib's rule starts for it (`joblib_workers`):
    # n_jobs=-1 with train.threads=2 on 2 cores asked for 4 without a word
    started = joblib_workers(n_jobs)
    jobs = _jobs_per_launch(config)
    workers = started if jobs is None else min(started, jobs)
    cores = budget.usable_cores()
    asked = workers * (threads or cores)
    if workers < 2 or asked <= cores:
        return
    rule = f" (joblib's cores + 1 - {-n_jobs}: {started} workers here)" if n_jobs < 0 else ""
    runs = f"runs {workers} workers for the {workers} jobs of a launch, which" \
        if workers < started else ""  # fmt: skip
    log.warning("hydra.launcher.n_jobs=%d%s %swith train.threads=%d asks for %d cores, and %d "
                "are usable here: the runs share them, ending no sooner, and each process "
                "holds its own torch in memory; hydra.launcher.n_jobs=%d runs as fast",
                n_jobs, rule, f"{runs} " if runs else "", threads, asked, cores,
                _fitting_workers(cores, threads))  # fmt: skip


def joblib_workers(n_jobs: int) -> int:
    """The workers joblib's loky backend runs for ``n_jobs`` (not 0), by its documented
    rule: ``n_jobs`` itself above 0, else its ``cpu_count()`` + 1 + ``n_jobs``, at least 1
    (-1: one per core, -2: all but one)."""
    if n_jobs > 0:
        return n_jobs
    from joblib import cpu_count

    return max(cpu_count() + 1 + n_jobs, 1)


def warn_joblib_workers_below_one(config: DictConfig) -> None:
    """Warn of a negative ``hydra.launcher.n_jobs`` that joblib's rule (`joblib_workers`)
    reads as fewer than one worker here, which joblib runs as one: ``n_jobs=-100`` on 2
    cores ran a sweep's jobs one at a time and said nothing of it. -1, a count that leaves a
    worker (-2 on 2 cores: one) and a launch of one job are not warned of; 0 and a value not
    a whole number are refused (`plugin_checks.check_parallel_settings`)."""
    launcher = config.hydra.launcher
    n_jobs = launcher.get("n_jobs") if plugin_is(launcher, "joblib") else None
    if type(n_jobs) is not int or n_jobs >= -1:
        return
    cores = joblib_workers(-1)
    if cores + 1 + n_jobs >= 1 or _jobs_per_launch(config) == 1:
        return
    threads = _train_threads(config)
    fit = cores if threads is None else _fitting_workers(cores, threads)
    instead = f", or hydra.launcher.n_jobs={fit} to run {fit} at once" if fit > 1 else ""
    log.warning("hydra.launcher.n_jobs=%d is joblib's cores + 1 - %d (-1: one per core, -2: "
                "all but one): %d with the %d cores here, so it runs 1 worker, the jobs one "
                "at a time; type hydra.launcher.n_jobs=1 for that%s", n_jobs, -n_jobs,
                cores + 1 + n_jobs, cores, instead)  # fmt: skip


def _train_threads(config: DictConfig) -> int | None:
    """``train.threads`` (0: all usable cores), ``None`` where it is no count (refused
    elsewhere)."""
    train = config.get("train")
    threads = train.get("threads") if isinstance(train, DictConfig) else None
    return threads if type(threads) is int and threads >= 0 else None


def _fitting_workers(cores: int, threads: int) -> int:
    """The workers of ``threads`` torch threads each (0: all cores) that ``cores`` hold."""
    return max(cores // (threads or cores), 1)


def _jobs_per_launch(config: DictConfig) -> int | None:
    """The most jobs the sweeper hands the launcher at once: an Optuna search's
    ``hydra.sweeper.n_jobs`` trials (no more than its ``n_trials``), a grid's points (no
    more than ``hydra.sweeper.max_batch_size``; the command line's value of a key replaces
    ``hydra.sweeper.params``' sweep of it). ``None``: not counted here (an unreadable
    value, a sweeper of another kind)."""
    from mia_defense.cli.run_dirs import task_overrides
    from mia_defense.cli.sweep_checks import sweep_size
    from mia_defense.override_checks import parsed_override

    sweeper = config.hydra.sweeper
    if plugin_is(sweeper, "optuna"):
        counts = [sweeper.get("n_jobs"), sweeper.get("n_trials")]
        return min(counts) if all(type(c) is int and c >= 1 for c in counts) else None
    if not plugin_is(sweeper, "basic"):
        return None
    params = sweeper.get("params") or {}
    sizes: dict[str, int | None] = {}
    try:
        for text in [*(f"{k}={v}" for k, v in params.items()), *task_overrides(config)]:
            override = parsed_override(str(text))
            if override is None:  # (Hydra's own error follows)
                return None
            sizes[override.get_key_element()] = sweep_size(override) \
                if override.is_sweep_override() else 1  # fmt: skip
    except Exception:  # (Hydra's own error, or a refusal, follows)
        return None
    if any(size is None for size in sizes.values()):
        return None
    points = 1
    for size in sizes.values():
        points *= max(size or 1, 1)
    batch = sweeper.get("max_batch_size")
    return min(points, batch) if type(batch) is int and batch >= 1 else points

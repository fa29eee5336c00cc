"""Checks of the submitit launchers' settings before Hydra starts the sweep
(`mia_defense.cli.train.RunDirCheck`), which submitit checks late or not at all: a count of
0 or below ended the sweep in submitit's traceback after its folder was made
(``launcher=submitit_local hydra.launcher.tasks_per_node=0``: 'AssertionError: Nothing to
do!'; ``timeout_min=0``: each job killed at once, 'UncompletedJobError'), and SLURM reads
``--time=0`` as no time limit at all; more than one task a job (``tasks_per_node=2``, or
``nodes=2``) ran each point twice at once in its folder, one copy refused 'is in use', and
the sweep ended refused."""

from __future__ import annotations

import logging

from omegaconf import DictConfig

from mia_defense.cli.entry import end_refused
from mia_defense.hydra_setup import plugin_is

__all__ = ["check_submitit_settings"]

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

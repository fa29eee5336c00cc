"""A user's own modules by ``_target_``: the directory mia-train was started from is
importable, as it is for ``python -m`` (no ``PYTHONPATH=.`` needed)."""

from __future__ import annotations

import sys
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

__all__ = ["LaunchDirOnPath", "add_launch_dir"]


def add_launch_dir(path: str) -> None:
    """Append ``path`` to ``sys.path`` once (after the installed packages, so a file in the
    user's folder never shadows a library module)."""
    if path and path not in sys.path:
        sys.path.append(path)


class LaunchDirOnPath(Callback):
    """Hydra callback: ``hydra.runtime.cwd`` (where ``mia-train`` was started) on
    ``sys.path`` before the config is checked or instantiated, in the launching process
    and in every job's process (joblib, submitit)."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        add_launch_dir(str(config.hydra.runtime.cwd))

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        add_launch_dir(str(config.hydra.runtime.cwd))

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        add_launch_dir(str(config.hydra.runtime.cwd))

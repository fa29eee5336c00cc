"""Tracking: the run's files (results.json, .npz arrays) and TensorBoard events.

`log_run` and `roc_figure` load on first use: TensorBoard's writer brings torch, and the
figures matplotlib, which mia-report's and mia-train's readers of results.json do not need.
"""

from typing import Any

from mia_defense.tracking.artifacts import (
    SCHEMA_VERSION,
    load_npz,
    read_json,
    schema_problem,
    write_json,
    write_npz,
)

__all__ = [
    "SCHEMA_VERSION",
    "load_npz",
    "log_run",
    "read_json",
    "roc_figure",
    "schema_problem",
    "write_json",
    "write_npz",
]


def __getattr__(name: str) -> Any:
    if name == "log_run":
        from mia_defense.tracking.tensorboard import log_run

        return log_run
    if name == "roc_figure":
        from mia_defense.tracking.figures import roc_figure

        return roc_figure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Tracking: the run's files (results.json, .npz arrays) and TensorBoard events."""

from mia_defense.tracking.artifacts import (
    SCHEMA_VERSION,
    load_npz,
    read_json,
    write_json,
    write_npz,
)
from mia_defense.tracking.tensorboard import log_run, roc_figure

__all__ = [
    "SCHEMA_VERSION",
    "load_npz",
    "log_run",
    "read_json",
    "roc_figure",
    "write_json",
    "write_npz",
]

"""Find and load the finished runs under sweep or run directories, skipping broken ones."""

from __future__ import annotations

import json
import logging
import math
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mia_defense.errors import DataError
from mia_defense.tracking import read_json

__all__ = [
    "LoadedRuns",
    "RunRecord",
    "finished_result",
    "load_runs",
    "normalise_config",
]

log = logging.getLogger(__name__)

RESULTS = "results.json"
# Config keys that do not change what a run computes: a rerun differing only here is the same run.
IGNORED_CONFIG_KEYS = ("progress",)
_REQUIRED = ("utility", "attacks", "defense")
# Where a run directory keeps the results and checkpoints of an earlier, different config.
STALE = "stale"


@dataclass(frozen=True)
class RunRecord:
    """One finished run: its directory and the content of its results.json.

    Attributes:
        path: the run directory.
        name: the run's name relative to the directory it was found under (its sweep
            sub-directory, e.g. ``train.epochs=10``; ``SWEEP/train.epochs=10`` when several
            directories are read), or the directory's own name.
        payload: results.json as a dict.
    """

    path: Path
    name: str
    payload: Mapping[str, Any]


@dataclass
class LoadedRuns:
    """The runs that could be read, and why the others were skipped.

    Attributes:
        runs: the finished runs, in directory order.
        skipped: ``(directory, reason)`` of every run left out.
    """

    runs: list[RunRecord] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _problem(payload: Mapping[str, Any]) -> str | None:
    """Why a parsed results.json cannot be reported, or ``None`` when it can."""
    status = payload.get("status")
    if status != "complete":
        return f"status is {status!r}, not 'complete' (failed or partial run)"
    missing = [key for key in _REQUIRED if not isinstance(payload.get(key), Mapping)]
    if missing:
        return f"missing {', '.join(missing)} (written by an incompatible version?)"
    if not payload["attacks"]:
        return "no attack results"
    if "test_accuracy" not in payload["utility"]:
        return "no utility.test_accuracy"
    return None


def _run_dirs(root: Path) -> list[Path]:
    """Directories under ``root`` (itself included) that hold a run: results.json or .hydra/."""
    found = {p.parent for p in root.rglob(RESULTS)}
    found |= {p.parent for p in root.rglob(".hydra") if p.is_dir()}
    return sorted(d for d in found if STALE not in d.relative_to(root).parts)


def load_runs(paths: Iterable[Path]) -> LoadedRuns:
    """Load every finished run under ``paths`` (sweep roots or run directories).

    A run whose results.json is missing (still running or crashed), corrupt or not
    ``complete`` is skipped with a warning naming its directory, never fatal.
    """
    loaded = LoadedRuns()
    seen: set[Path] = set()
    roots = [Path(p) for p in paths]
    for root in roots:
        if not root.is_dir():
            loaded.skipped.append((root, "not a directory"))
            log.warning("skipping %s: not a directory", root)
            continue
        dirs = _run_dirs(root)
        if not dirs:
            loaded.skipped.append((root, f"no {RESULTS} or .hydra/ found under it"))
            log.warning("skipping %s: no %s or .hydra/ found under it", root, RESULTS)
        for run_dir in dirs:
            if run_dir.resolve() in seen:
                continue
            seen.add(run_dir.resolve())
            payload: dict[str, Any] = {}
            if not (run_dir / RESULTS).exists():
                reason: str | None = f"no {RESULTS} (the run failed or is still running)"
            else:
                try:
                    payload = read_json(run_dir / RESULTS)
                except DataError as exc:
                    reason = str(exc)
                else:
                    reason = _problem(payload)
            if reason is not None:
                loaded.skipped.append((run_dir, reason))
                log.warning("skipping run %s: %s", run_dir, reason)
                continue
            name = run_dir.relative_to(root).as_posix() if run_dir != root else root.name
            if len(roots) > 1 and run_dir != root:  # names stay unique across sweeps
                name = f"{root.name}/{name}"
            loaded.runs.append(RunRecord(path=run_dir, name=name, payload=payload))
    return loaded


def normalise_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` as results.json stores it (JSON types, non-finite floats as null),
    without the keys that do not change the run; for comparing a new run's config."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, Mapping):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    cleaned = json.loads(json.dumps(clean(dict(config)), default=str))
    for key in IGNORED_CONFIG_KEYS:
        cleaned.pop(key, None)
    return cleaned


def finished_result(run_dir: Path, *, config: Mapping[str, Any]) -> dict[str, Any] | None:
    """results.json of ``run_dir`` when it is complete and was made by the same ``config``.

    Used to skip the runs of a resumed sweep. Returns ``None`` (run it) when the file is
    missing, corrupt or partial. When it holds a finished run of *another* config, that
    run's results.json and checkpoints are moved into ``run_dir/stale/`` first, so the new
    run neither resumes from models trained with the old config nor overwrites them.

    Args:
        run_dir: the run directory.
        config: the resolved config of the run about to start (a plain dict).
    """
    run_dir = Path(run_dir)
    path = run_dir / RESULTS
    if not path.exists():
        return None
    try:
        payload = read_json(path)
    except DataError as exc:
        log.warning("%s; running it again", exc)
        return None
    problem = _problem(payload)
    if problem is not None:
        log.info("%s: %s; running it again", path, problem)
        return None
    if normalise_config(payload.get("config", {})) != normalise_config(config):
        stale = run_dir / STALE
        if stale.exists():
            shutil.rmtree(stale)
        stale.mkdir()
        for name in (RESULTS, "checkpoints"):
            if (run_dir / name).exists():
                (run_dir / name).rename(stale / name)
        log.warning(
            "%s was written for another config: moved it and its checkpoints to %s; "
            "running again from scratch", path, stale
        )
        return None
    return payload

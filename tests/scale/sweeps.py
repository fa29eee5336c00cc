"""Shared by the scale-out tests: tiny sweeps through the real `mia-train`, and the comparison
of two sweeps' results (every figure and array, nothing that measures time or place)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.files import load_npz
from mia_defense.tracking import read_json

BIN = Path(sys.executable).parent
# K=2 on 200 records, one epoch, no bootstrap: a run takes about a second of training.
TINY = (
    "plan.num_models=2",
    "plan.population_size=200",
    "train.epochs=1",
    "progress=false",
    "attack.bootstrap=0",
)
# results.json keys that measure time, place or the store, not what a run computed (sha256:
# of its files as saved, checkpoints included, which torch.save stamps with a random id).
_VARYING = {"wall_seconds", "timings", "versions", "seconds", "reused", "store", "cache_dir",
            "sha256"}


def mia_train(
    *args: str, cwd: Path, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``mia-train ARGS`` to the end; fail the test with its output when it fails."""
    done = subprocess.run(
        [str(BIN / "mia-train"), *args], cwd=cwd, capture_output=True, text=True,
        timeout=timeout, check=False, env={**os.environ, **(env or {}), "HYDRA_FULL_ERROR": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done


def runs(sweep_dir: Path) -> dict[str, Path]:
    """The sweep's run directories (those holding a results.json), by name."""
    return {p.parent.name: p.parent for p in sorted(Path(sweep_dir).glob("*/results.json"))}


def complete(run_dir: Path) -> bool:
    """Whether the run finished (results.json is written at the start, ``running``)."""
    path = run_dir / "results.json"
    try:
        return path.exists() and read_json(path).get("status") == "complete"
    except Exception:  # being replaced at this very moment
        return False


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _VARYING}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def computed(run_dir: Path) -> dict[str, Any]:
    """What a run computed: results.json without its timings and places, and a digest of
    every array of observations.npz and scores.npz."""
    arrays = {}
    for name in ("observations.npz", "scores.npz"):
        for key, array in sorted(load_npz(run_dir / name).items()):
            arrays[f"{name}/{key}"] = hashlib.sha256(np.ascontiguousarray(array)).hexdigest()
    return {"results": _strip(read_json(run_dir / "results.json")), "arrays": arrays}


def assert_same_results(sweep: Path, reference: Path) -> None:
    """Both sweeps hold the same complete runs, and each computed the same numbers."""
    mine, theirs = runs(sweep), runs(reference)
    assert sorted(mine) == sorted(theirs)
    for name, run_dir in mine.items():
        assert read_json(run_dir / "results.json")["status"] == "complete", name
        assert computed(run_dir) == computed(theirs[name]), name


def interrupt_after_a_run(
    command: list[str],
    run_dirs: list[Path],
    *,
    cwd: Path,
    env: dict[str, str],
    stop_jobs: Callable[[], object] | None = None,
    grace: float = 5.0,
) -> None:
    """Start the sweep ``command``; as soon as one of ``run_dirs`` is complete, send it
    Ctrl-C, stop its running jobs (``stop_jobs``: what a time limit or a preemption does,
    e.g. ``scancel``) and, if the driver is still there after ``grace`` seconds (a driver
    may wait for its running jobs), kill it as a second Ctrl-C would, with what it started
    (a local Ray instance shares its fate). The runs in flight then never finish, whatever
    the machine's speed."""
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not any(complete(r) for r in run_dirs) and time.monotonic() < deadline:
        assert process.poll() is None, "the sweep ended before it could be interrupted"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    if stop_jobs is not None:
        stop_jobs()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)

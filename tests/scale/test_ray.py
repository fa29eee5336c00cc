"""Sweeps through Hydra's Ray launcher for real (issue 19, points 1 and 3): on a Ray cluster
started on this machine with `ray start --head`, the same numbers as the basic launcher;
interrupted, started again, finished runs skipped. Needs the ray extra (`make install-ray`,
which .ci/run does): skipped without it, failed without it under CI."""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mia_defense.tracking import read_json
from tests.scale.sweeps import (
    BIN,
    TINY,
    assert_same_results,
    complete,
    interrupt_after_a_run,
    mia_train,
    runs,
)

pytestmark = pytest.mark.slow  # a Ray instance takes ~10 s to start on 2 cores


def _require_ray() -> None:
    try:
        import hydra_plugins.hydra_ray_launcher  # noqa: F401
        import ray  # noqa: F401
    except ImportError as exc:
        reason = f"the ray extra is not installed ({exc}): make install-ray"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (.ci/run installs it)")
        pytest.skip(reason)


# Ray's token authentication (on by default since Ray 2.5x): the cluster and the sweep's
# driver read the same token file, which `ray_cluster` writes (a fresh machine has no
# ~/.ray/auth_token, and `ray start` refuses to make one). No drain on SIGTERM: the test
# ends at once.
TOKEN = Path(tempfile.gettempdir()) / f"mia-defense-ray-token-{os.getuid()}"
RAY_ENV = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(TOKEN),
           "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"}  # fmt: skip
# Two releases x two defenses: four runs, two trained ensembles, two workers.
GRID = ("release=full,topk", "defense=[],[label_smoothing]")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """A one-node Ray cluster on 127.0.0.1 with 2 CPUs (`ray start --head --block`, ended
    with it); yields its address. Only its own processes are stopped, never `ray stop`."""
    _require_ray()
    if not TOKEN.exists():
        TOKEN.touch(mode=0o600)
        TOKEN.write_text(secrets.token_hex(32))
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths are limited
    log = open(Path(temp) / "ray_start.log", "w")  # closed below
    head = subprocess.Popen(
        [str(BIN / "ray"), "start", "--head", "--block", "--node-ip-address=127.0.0.1",
         f"--port={port}", "--num-cpus=2", "--include-dashboard=false", f"--temp-dir={temp}",
         "--disable-usage-stats"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **RAY_ENV},
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while "Ray runtime started" not in (Path(temp) / "ray_start.log").read_text():
            assert head.poll() is None, (Path(temp) / "ray_start.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "ray start did not come up in 120 s"
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        head.send_signal(signal.SIGTERM)
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


def test_a_sweep_on_a_ray_cluster_equals_the_basic_launcher(ray_cluster, tmp_path):
    basic = tmp_path / "basic"
    mia_train("-m", *TINY, *GRID, f"hydra.sweep.dir={basic}", cwd=tmp_path)
    on_ray = tmp_path / "ray"
    done = mia_train(
        "-m", *TINY, *GRID, "launcher=ray", f"hydra.launcher.ray.init.address={ray_cluster}",
        f"hydra.sweep.dir={on_ray}", cwd=tmp_path, env=RAY_ENV,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert "Ray Launcher is launching 4 jobs" in output
    assert "Connected to Ray cluster" in output and "(_run_job pid=" in output
    assert_same_results(on_ray, basic)
    # the workers shared the store: each of the two ensembles was trained once
    reused = sorted(read_json(d / "results.json")["training"]["reused"]
                    for d in runs(on_ray).values())  # fmt: skip
    assert reused == [0, 0, 2, 2]
    assert len(list((on_ray / ".model_store").glob("*.pt"))) == 2


def _locks_free(run_dirs: list[Path]) -> bool:
    """No process holds a run directory (a Ray worker of the stopped sweep may still end)."""
    for run_dir in run_dirs:
        lock = run_dir / ".lock"
        if not lock.exists():
            continue
        with lock.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
    return True


def test_an_interrupted_ray_sweep_resumes_skipping_finished_runs(tmp_path):
    """Ctrl-C on a sweep whose driver started its own local Ray instance (num_cpus=2)."""
    _require_ray()
    sweep = tmp_path / "sweep"
    # the 2nd and 3rd runs train for ~30 s (curves at the end only): the driver, and the
    # local Ray instance it started, are stopped seconds after the 1st is complete, so they
    # cannot have finished
    command = [
        str(BIN / "mia-train"), "-m", *TINY, "train.epochs=1,12000,12001",
        "train.eval_every=12000", "launcher=ray",
        "hydra.launcher.ray.init.num_cpus=2", "hydra.launcher.ray.remote.num_cpus=2",
        f"hydra.sweep.dir={sweep}",
    ]  # fmt: skip
    names = [
        f"attack.bootstrap=0,plan.num_models=2,plan.population_size=200,train.epochs={e},"
        "train.eval_every=12000"
        for e in (1, 12000, 12001)
    ]
    run_dirs = [sweep / name for name in names]
    env = {**os.environ, **RAY_ENV}
    interrupt_after_a_run(command, run_dirs, cwd=tmp_path, env=env)
    deadline = time.monotonic() + 60
    while not _locks_free(run_dirs) and time.monotonic() < deadline:
        time.sleep(0.5)
    finished = [r for r in run_dirs if complete(r)]
    assert finished and len(finished) < len(run_dirs), "the interrupt should land mid-sweep"
    kept = {r: (r / "results.json").stat().st_mtime_ns for r in finished}

    resumed = mia_train(*command[1:], cwd=tmp_path, env=RAY_ENV)
    output = resumed.stdout + resumed.stderr
    for run_dir in run_dirs:
        assert complete(run_dir), run_dir
        skipped = f"skipping finished run {run_dir}" in output
        assert skipped == (run_dir in finished), output[-3000:]
    for run_dir, mtime in kept.items():
        assert (run_dir / "results.json").stat().st_mtime_ns == mtime

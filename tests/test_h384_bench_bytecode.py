"""`make bench` writes the package's bytecode before it times anything, as `make run` and
`make test` do: with PYTHONDONTWRITEBYTECODE set (as on these machines) each mia-train the bench
timed compiled every module edited since the last compile (32 of the 134 the default run
imports, 0.10 s of CPU a run, at the time of writing; up to 0.25 s), a cost no installed or
`make run` run pays."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _recipe(target: str) -> list[str]:
    done = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(ROOT), target,
                           "BENCH_ARGS=", "ARGS="], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_bench_compiles_the_package_right_before_timing():
    lines = _recipe("bench")
    at = next(i for i, line in enumerate(lines) if "scripts/bench.py" in line)
    assert "-m compileall -q mia_defense" in lines[at - 1]


def test_run_compiles_the_same_way():
    lines = _recipe("run")
    at = next(i for i, line in enumerate(lines) if "mia-train" in line)
    assert "-m compileall -q mia_defense" in lines[at - 1]

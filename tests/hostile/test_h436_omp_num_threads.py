"""h436: ``OMP_NUM_THREADS=abc mia-attack obs.npz`` (mia-train too; ``OMP_NUM_THREADS=`` from an
unset shell variable, ``0``, ``2.5``) let libgomp print its own 'libgomp: Invalid value for
environment variable OMP_NUM_THREADS' between blank lines, once per copy of libgomp loaded
(torch's, scikit-learn's) and again in each worker process. The tools now take such a value
out of their environment before torch loads, with one line naming it (libgomp ignored it
too: nothing else changes), and put it back as their main() ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mia_defense.cli.entry import _invalid_omp_threads_dropped
from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations


@pytest.fixture
def obs(tmp_path: Path) -> Path:
    path = tmp_path / "obs.npz"
    synthetic_observations(num_models=4, num_samples=40).save(path)
    return path


@pytest.mark.parametrize("given", ["abc", "", "0", "2.5", "3,", "+ 3", "9223372036854775808",
                                   "1" * 5000, "３"])  # fmt: skip
def test_a_value_openmp_cannot_read_is_dropped_with_one_line(given, monkeypatch, capsys):
    monkeypatch.setenv("OMP_NUM_THREADS", given)
    assert _invalid_omp_threads_dropped() == given
    assert "OMP_NUM_THREADS" not in os.environ
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("WARNING: OMP_NUM_THREADS=") and "no number of threads" in line
    assert len(line) < 500


@pytest.mark.parametrize("given", ["4", " 3 ", "4,2", " 3 , 2 ", "+2", "0002",
                                   "9223372036854775807", "\t1"])  # fmt: skip
def test_a_value_openmp_reads_is_left(given, monkeypatch, capsys):
    monkeypatch.setenv("OMP_NUM_THREADS", given)
    assert _invalid_omp_threads_dropped() is None
    assert os.environ["OMP_NUM_THREADS"] == given
    assert capsys.readouterr().err == ""


@pytest.mark.slow  # a whole mia-attack process (7 s): make test-slow
def test_the_console_gets_one_line_and_no_libgomp_lines(obs, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "abc"}
    done = subprocess.run(
        [sys.executable, "-m", "mia_defense.cli.attack", str(obs), *LEAN_ATTACKS,
         f"hydra.run.dir={tmp_path / 'out'}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "libgomp" not in done.stderr
    assert [line for line in done.stderr.splitlines() if "OMP_NUM_THREADS" in line] == [
        "WARNING: OMP_NUM_THREADS='abc' is no number of threads, which OpenMP takes as a whole "
        "number >= 1 (or a list of them, 4,2), so it is ignored, as OpenMP would; unset it, or "
        "set it so (OMP_NUM_THREADS=4); mia-defense sets its threads itself (train.threads)"
    ]


def test_main_in_process_puts_the_value_back(obs, tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "abc")
    done = mia_attack(str(obs), *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert os.environ["OMP_NUM_THREADS"] == "abc"

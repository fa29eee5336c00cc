"""h463: OpenMP settings libgomp cannot read (``OMP_PROC_BIND=abc``, ``OMP_PLACES=xyz``,
``OMP_SCHEDULE=abc``, ``OMP_DYNAMIC=maybe``) let libgomp print its own 'libgomp: Invalid value
for environment variable ...' between blank lines, twice a run (torch's copy and
scikit-learn's) and again in each worker process, before it ignored them. As h436 did for
OMP_NUM_THREADS, the tools take such a value out of their environment before torch loads,
with one line naming it, and put it back as their main() ends. MKL_NUM_THREADS=abc and
KMP_AFFINITY=abc are left: silent, and the tools set their thread counts themselves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mia_defense.cli.entry import _invalid_openmp_settings_dropped
from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations

_BAD = [("OMP_PROC_BIND", "abc"), ("OMP_PROC_BIND", "true,close"), ("OMP_PROC_BIND", ""),
        ("OMP_PLACES", "xyz"), ("OMP_PLACES", "threads()"), ("OMP_SCHEDULE", "abc"),
        ("OMP_SCHEDULE", "static,"), ("OMP_SCHEDULE", "runtime"), ("OMP_DYNAMIC", "maybe"),
        ("OMP_DYNAMIC", "1"), ("OMP_NESTED", "yes"), ("OMP_WAIT_POLICY", "abc"),
        ("OMP_PLACES", "x" * 5000)]  # fmt: skip
_GOOD = [("OMP_PROC_BIND", " spread , close "), ("OMP_PROC_BIND", "TRUE"),
         ("OMP_PLACES", " cores ( 2 ) "), ("OMP_PLACES", "{0,1}"), ("OMP_PLACES", "threads"),
         ("OMP_SCHEDULE", "monotonic : static"), ("OMP_SCHEDULE", " Dynamic , 2 "),
         ("OMP_DYNAMIC", " false "), ("OMP_WAIT_POLICY", "PASSIVE"),
         ("MKL_NUM_THREADS", "abc"), ("KMP_AFFINITY", "abc")]  # fmt: skip


@pytest.fixture
def obs(tmp_path: Path) -> Path:
    path = tmp_path / "obs.npz"
    synthetic_observations(num_models=4, num_samples=40).save(path)
    return path


@pytest.mark.parametrize(("name", "given"), _BAD)
def test_a_value_openmp_cannot_read_is_dropped_with_one_line(name, given, monkeypatch, capsys):
    monkeypatch.setenv(name, given)
    assert _invalid_openmp_settings_dropped() == {name: given}
    assert name not in os.environ
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"WARNING: {name}=") and "is no value OpenMP takes" in line
    assert len(line) < 500


@pytest.mark.parametrize(("name", "given"), _GOOD)
def test_a_value_openmp_reads_is_left(name, given, monkeypatch, capsys):
    monkeypatch.setenv(name, given)
    assert _invalid_openmp_settings_dropped() == {}
    assert os.environ[name] == given
    assert capsys.readouterr().err == ""


@pytest.mark.slow  # a whole mia-attack process (7 s): make test-slow
def test_the_console_gets_our_lines_and_no_libgomp_lines(obs, tmp_path):
    bad = {"OMP_PROC_BIND": "abc", "OMP_PLACES": "xyz", "OMP_SCHEDULE": "abc",
           "OMP_DYNAMIC": "maybe"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "mia_defense.cli.attack", str(obs), *LEAN_ATTACKS,
         f"hydra.run.dir={tmp_path / 'out'}"],
        cwd=tmp_path, env={**os.environ, **bad}, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "libgomp" not in done.stderr
    assert [line.split("=")[0] for line in done.stderr.splitlines() if "OpenMP" in line] == [
        f"WARNING: {name}" for name in bad]


def test_main_in_process_puts_the_values_back(obs, tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_PROC_BIND", "abc")
    monkeypatch.setenv("OMP_SCHEDULE", "abc")
    done = mia_attack(str(obs), *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "OMP_PROC_BIND='abc' is no value OpenMP takes" in done.stderr
    assert (os.environ["OMP_PROC_BIND"], os.environ["OMP_SCHEDULE"]) == ("abc", "abc")

"""A sweep point refused in another run's folder writes nothing there under every launcher.

With the basic launcher mia-train's point held its log lines and dropped them (test_h168).
Where the points run in processes of their own (``launcher=joblib``, ``submitit_local``,
Ray), the point still wrote its refusal into that run's train.log: the sweep's end learnt of
a refusal only from the point's log in its folder. The refusal now travels back on the job's
JobReturn (mia_defense.cli.sweep_refusals); mia-attack's sweep under such a launcher, which
left the refusals unnamed and exited 0, names them too and exits 2.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TINY
from tests.helpers import FAST, LEAN_ATTACKS, hold_run_lock

# fast_run's settings (TINY, then FAST), each key once as on a command line
RUN = list({arg.split("=")[0]: arg for arg in [*TINY, *FAST]}.values())
LINE = "[2026-01-01 00:00:00,000][mia_defense.cli.train][INFO] - the other run's line\n"
PLUGIN = {"joblib": "hydra_plugins.hydra_joblib_launcher",
          "submitit_local": "hydra_plugins.hydra_submitit_launcher",
          "ray": "hydra_plugins.hydra_ray_launcher"}  # fmt: skip


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}  # fmt: skip


def _console(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The console script ``tool`` (its jobs are processes of their own: the launcher's)."""
    script = Path(sys.executable).parent / tool
    if not script.is_file():
        pytest.skip(f"no {tool} beside {sys.executable}")
    env = {k: v for k, v in os.environ.items() if k != "MIA_DEFENSE_LAUNCH_DIR"}
    return subprocess.run([str(script), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def _launcher(name: str) -> list[str]:
    pytest.importorskip(PLUGIN[name])
    return ["launcher=ray", "hydra.launcher.ray.init.num_cpus=2"] if name == "ray" else [
        f"launcher={name}"]  # fmt: skip


def _sweep(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _console("mia-train", "-m", *RUN, f"hydra.sweep.dir={tmp_path / 'sweep'}",
                    "hydra.sweep.subdir=s${seed}", "seed=1,2", *args, cwd=tmp_path)  # fmt: skip


def _normal_point(folder: Path) -> None:
    """The sweep's other point ran as any does, its log in its own train.log."""
    log = (folder / "train.log").read_text()
    assert (folder / "results.json").is_file()
    assert "attack loss: AUC" in log and "][ERROR] - " not in log


@pytest.mark.slow  # a two-point sweep through the launcher's own processes: 7-10 s each
@pytest.mark.parametrize("launcher", ["joblib", "submitit_local", "ray"])
def test_a_point_refused_by_another_configs_run_leaves_its_files(fast_run, tmp_path, launcher):
    args = _launcher(launcher)
    other = Path(shutil.copytree(fast_run.run_dir, tmp_path / "sweep" / "s1"))
    (other / "train.log").write_text(LINE)
    (other / ".lock").write_text("pid 1 on elsewhere since 2026-01-01 00:00:00\n")
    before = _hashes(other)
    done = _sweep(tmp_path, *args)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "1 run(s) of this sweep were refused" in done.stdout
    assert "s1: ConfigError: " in done.stdout and "holds a complete run of another config" in (
        done.stdout)
    assert _hashes(other) == before  # train.log and .lock included
    _normal_point(tmp_path / "sweep" / "s2")


@pytest.mark.slow  # a two-point sweep through joblib's processes: 7 s
def test_a_point_refused_in_a_folder_in_use_leaves_its_files(tmp_path):
    args = _launcher("joblib")
    fd = hold_run_lock(tmp_path / "sweep" / "s1")
    try:
        (tmp_path / "sweep" / "s1" / "train.log").write_text(LINE)
        before = _hashes(tmp_path / "sweep" / "s1")
        done = _sweep(tmp_path, *args)
    finally:
        os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "s1: ConfigError: " in done.stdout and "is in use by pid 1 on elsewhere" in done.stdout
    assert _hashes(tmp_path / "sweep" / "s1") == before
    _normal_point(tmp_path / "sweep" / "s2")


@pytest.mark.slow  # two mia-attack sweeps, one through joblib's processes: 8 s
def test_mia_attack_names_a_point_refused_in_another_attacks_folder(attacked_run, tmp_path):
    pytest.importorskip(PLUGIN["joblib"])
    args = ("-m", "o.npz", *LEAN_ATTACKS, "progress=false", f"hydra.sweep.dir={tmp_path / 'sw'}",
            "hydra.sweep.subdir=s${seed}")  # fmt: skip
    assert _console("mia-attack", *args, "seed=1", cwd=tmp_path).returncode == 0
    first = tmp_path / "sw" / "s1"
    before = _hashes(first)
    done = _console("mia-attack", *args, "seed=1,2", "attack.num_targets=2",
                    "hydra/launcher=joblib", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "1 run(s) of this sweep were refused" in done.stdout
    assert "s1: ConfigError: hydra.sweep.subdir=" in done.stdout
    assert _hashes(first) == before
    assert "attack loss: AUC" in (tmp_path / "sw" / "s2" / "attack.log").read_text()


def test_a_refusal_travels_on_the_pickled_job_return(monkeypatch):
    """The job's process puts its refusal on its JobReturn, which the launcher pickles back;
    the sweep's process keeps it once, beside those it saw itself."""
    from hydra.core.utils import JobReturn

    import mia_defense.cli.sweep_refusals as refusals

    monkeypatch.setattr(refusals, "_SAID", [])
    monkeypatch.setattr(refusals, "_RETURNED", [])
    refusals.say(Path("/sweep/s1"), "ConfigError: taken")
    job, quiet = JobReturn(), JobReturn()
    refusals.carry(job)
    refusals.carry(quiet)  # the next job of the same process refused nothing

    class Launcher:
        def launch(self, job_overrides, initial_job_idx):
            return [pickle.loads(pickle.dumps(j)) for j in (job, quiet)]

    launch = refusals._gathering(Launcher.launch)
    assert len(launch(Launcher(), [], 0)) == 2
    assert refusals.returned([]) == [(Path("/sweep/s1"), "ConfigError: taken")]
    assert refusals.returned([(Path("/sweep/s1"), "ConfigError: taken")]) == []

"""``launcher=joblib hydra.launcher.n_jobs=1000`` on a 2-point sweep: loky starts every
worker of its pool at once, given a job or not, so the sweep started 1000 processes on 2
cores and had not ended in 2 minutes (tiny runs of seconds). The launcher now starts no more
workers than the jobs it launches (n_jobs=-1 alike where the cores outnumber them)."""

from __future__ import annotations

import pytest

from mia_defense.cli import sweep_refusals
from tests.conftest import TINY
from tests.helpers import LEAN_ATTACKS, mia_train


class _Launcher:
    """A launcher of the joblib plugin's shape: its settings in ``joblib``, a dict."""

    def __init__(self, n_jobs: int) -> None:
        self.joblib = {"n_jobs": n_jobs, "backend": "loky"}
        self.seen: list[int] = []

    def launch(self, job_overrides, initial_job_idx):
        self.seen.append(self.joblib["n_jobs"])
        return []


@pytest.mark.parametrize(("n_jobs", "cores", "jobs", "launched"), [
    (1000, 2, 2, 2),
    (8, 2, 3, 3),
    (-1, 64, 2, 2),   # one per core
    (-3, 64, 5, 5),
    (2, 2, 5, 2),     # fewer workers than jobs: as set
    (-1, 2, 5, -1),
    (1, 2, 1, 1),
])  # fmt: skip
def test_no_more_pool_workers_than_jobs(monkeypatch, n_jobs, cores, jobs, launched):
    monkeypatch.setattr("joblib.cpu_count", lambda *a, **k: cores)
    launcher = _Launcher(n_jobs)
    gathered = sweep_refusals._gathering(_Launcher.launch)
    gathered(launcher, [[f"seed={i}"] for i in range(jobs)], 0)
    assert launcher.seen == [launched]
    assert launcher.joblib["n_jobs"] == n_jobs  # (put back: an Optuna search's next batch)


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_a_joblib_sweep_starts_a_worker_per_point(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    done = mia_train("-m", *TINY, *LEAN_ATTACKS, "launcher=joblib", "hydra.launcher.n_jobs=6",
                     "seed=1,2", "hydra.sweep.dir=sweep", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Joblib.Parallel(n_jobs=2," in done.stderr, done.stderr[-3000:]
    assert len(list(tmp_path.glob("sweep/*/results.json"))) == 2

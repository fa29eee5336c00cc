"""``mia-train -m hydra/launcher=joblib hydra.launcher.n_jobs=-1 train.threads=2
defense=none,weight_decay seed=1,1`` on 2 cores asked for 4 cores without a word, while
``n_jobs=2`` warned "asks for 4 cores, and 2 are usable here": the oversubscription warning
returned early for any n_jobs below 2. A negative count is now checked as the workers
joblib's rule starts for it (`joblib_workers`); -1 with train.threads=1 stays silent, and a
count that leaves no worker is told of by its own warning alone (h487's)."""

from __future__ import annotations

import logging

import pytest
from omegaconf import OmegaConf

import mia_defense.budget as budget
from tests.helpers import mia_train

pytest.importorskip("hydra_plugins.hydra_joblib_launcher")

_LOGGER = "mia_defense.cli.launcher_checks"
_SWEEP = ("defense=none,weight_decay", "seed=1,2")  # 4 jobs in one launch


def _config(n_jobs: int, threads: int, *task: str):
    from hydra import compose, initialize_config_module

    with initialize_config_module("mia_defense.conf", version_base="1.3"):
        config = compose("config", ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={n_jobs}",
                                    f"train.threads={threads}", "hydra.sweep.dir=x"],
                         return_hydra_config=True)  # fmt: skip
    OmegaConf.update(config, "hydra.overrides.task", list(task))
    return config


def _warned(monkeypatch, caplog, config, cores: int) -> list[str]:
    from mia_defense.cli.launcher_checks import (
        warn_joblib_workers_below_one,
        warn_oversubscribed_launcher,
    )

    monkeypatch.setattr("joblib.cpu_count", lambda *a, **k: cores)
    monkeypatch.setattr(budget, "usable_cores", lambda: cores)
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        warn_joblib_workers_below_one(config)  # (as mia-train asks both, in this order)
        warn_oversubscribed_launcher(config)
    return [r.getMessage() for r in caplog.records if r.name == _LOGGER]


@pytest.mark.parametrize(("n_jobs", "threads", "cores", "said"), [
    (-1, 2, 2, "hydra.launcher.n_jobs=-1 (joblib's cores + 1 - 1: 2 workers here) with "
               "train.threads=2 asks for 4 cores, and 2 are usable here"),
    (-1, 0, 4, "hydra.launcher.n_jobs=-1 (joblib's cores + 1 - 1: 4 workers here) with "
               "train.threads=0 asks for 16 cores, and 4 are usable here"),
    (-2, 2, 4, "hydra.launcher.n_jobs=-2 (joblib's cores + 1 - 2: 3 workers here) with "
               "train.threads=2 asks for 6 cores, and 4 are usable here"),
    (-1, 2, 6, "hydra.launcher.n_jobs=-1 (joblib's cores + 1 - 1: 6 workers here) runs 4 "
               "workers for the 4 jobs of a launch, which with train.threads=2 asks for 8 "
               "cores, and 6 are usable here"),
])  # fmt: skip
def test_a_negative_n_jobs_is_checked_as_its_workers(monkeypatch, caplog, n_jobs, threads,
                                                     cores, said):
    lines = _warned(monkeypatch, caplog, _config(n_jobs, threads, *_SWEEP), cores)
    assert len(lines) == 1 and said in lines[0], lines
    fit = max(cores // (threads or cores), 1)
    assert lines[0].endswith(f"hydra.launcher.n_jobs={fit} runs as fast"), lines[0]


def test_the_same_workers_as_a_positive_count_are_said_alike(monkeypatch, caplog):
    """-1 on 2 cores starts the 2 workers n_jobs=2 does: the same cores asked."""
    [negative] = _warned(monkeypatch, caplog, _config(-1, 2, *_SWEEP), 2)
    caplog.clear()
    [positive] = _warned(monkeypatch, caplog, _config(2, 2, *_SWEEP), 2)
    tail = "with train.threads=2 asks for 4 cores, and 2 are usable here"
    assert tail in negative and tail in positive, (negative, positive)


@pytest.mark.parametrize(("n_jobs", "threads", "cores", "task"), [
    (-1, 1, 2, _SWEEP),  # one thread a worker on each core: fits
    (-1, 1, 16, _SWEEP),
    (-1, 2, 8, _SWEEP),  # 4 workers (4 jobs) of 2 threads on 8 cores
    (-3, 2, 4, _SWEEP),  # 2 workers of 2 threads on 4 cores
    (-1, 2, 2, ("defense=none",)),  # one job: one worker
    (-1, 2, 4, ("defense=none,weight_decay", "seed=1")),  # 2 jobs: 2 workers of 2 on 4
])  # fmt: skip
def test_silent_where_the_workers_fit(monkeypatch, caplog, n_jobs, threads, cores, task):
    assert _warned(monkeypatch, caplog, _config(n_jobs, threads, *task), cores) == []


def test_a_count_leaving_no_worker_is_told_once(monkeypatch, caplog):
    """-100 on 2 cores runs 1 worker: h487's warning says so; no oversubscription line."""
    lines = _warned(monkeypatch, caplog, _config(-100, 2, *_SWEEP), 2)
    assert len(lines) == 1 and "so it runs 1 worker" in lines[0], lines


def test_mia_train_says_it_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.setattr("joblib.cpu_count", lambda *a, **k: 2)
    monkeypatch.setattr(budget, "usable_cores", lambda: 2)
    # a repeated seed is refused after the launcher's checks, before any process starts
    done = mia_train("-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=-1",
                     "train.threads=2", "defense=none,weight_decay", "seed=1,1",
                     "plan.num_models=2", f"hydra.sweep.dir={tmp_path / 'sweep'}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "gives 1 more than once" in done.stderr, done.stderr[-2000:]
    said = "asks for 4 cores, and 2 are usable here"
    assert said in done.stderr, done.stderr[-2000:]
    assert done.stderr.index(said) < done.stderr.index("gives 1 more than once")

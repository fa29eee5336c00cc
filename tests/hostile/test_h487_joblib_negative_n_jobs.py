"""``mia-train -m hydra/launcher=joblib hydra.launcher.n_jobs=-100 defense=none,weight_decay``
on 2 cores ran its jobs one at a time and said nothing: joblib reads a negative n_jobs as its
cores + 1 + n_jobs (-1: one per core, -2: all but one), at least 1, and -100 leaves none. The
sweep now says so before anything runs, and what to type instead; -1 and a negative count
that leaves a worker stay silent (0 and non-integers were already refused in one line)."""

from __future__ import annotations

import logging

import pytest
from omegaconf import OmegaConf

from tests.helpers import mia_train

pytest.importorskip("hydra_plugins.hydra_joblib_launcher")

_LOGGER = "mia_defense.cli.launcher_checks"


def _config(n_jobs: int, *task: str, threads: int = 1):
    from hydra import compose, initialize_config_module

    with initialize_config_module("mia_defense.conf", version_base="1.3"):
        config = compose("config", ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={n_jobs}",
                                    f"train.threads={threads}", "hydra.sweep.dir=x"],
                         return_hydra_config=True)  # fmt: skip
    # the command line's sweep, as Hydra records it (compose takes no sweep)
    OmegaConf.update(config, "hydra.overrides.task", list(task))
    return config


def _warned(monkeypatch, caplog, config, cores: int) -> list[str]:
    from mia_defense.cli.launcher_checks import warn_joblib_workers_below_one

    monkeypatch.setattr("joblib.cpu_count", lambda *a, **k: cores)
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        warn_joblib_workers_below_one(config)
    return [r.getMessage() for r in caplog.records if r.name == _LOGGER]


@pytest.mark.parametrize(("n_jobs", "cores", "said"), [
    (-100, 2, "hydra.launcher.n_jobs=-100 is joblib's cores + 1 - 100 (-1: one per core, -2: "
              "all but one): -97 with the 2 cores here, so it runs 1 worker, the jobs one at a "
              "time; type hydra.launcher.n_jobs=1 for that, or hydra.launcher.n_jobs=2 to run 2 "
              "at once"),
    (-3, 2, ": 0 with the 2 cores here, so it runs 1 worker"),
    (-2, 1, ": 0 with the 1 cores here, so it runs 1 worker, the jobs one at a time; type "
            "hydra.launcher.n_jobs=1 for that"),
    (-9, 8, ": 0 with the 8 cores here"),
])  # fmt: skip
def test_a_negative_n_jobs_leaving_no_worker_is_said(monkeypatch, caplog, n_jobs, cores, said):
    config = _config(n_jobs, "defense=none,weight_decay")
    lines = _warned(monkeypatch, caplog, config, cores)
    assert len(lines) == 1 and said in lines[0], lines
    if cores == 1:
        assert "at once" not in lines[0]  # (one core: nothing more to offer)


@pytest.mark.parametrize(("n_jobs", "cores"), [
    (-1, 2), (-1, 1), (-2, 2), (-8, 8), (-3, 64), (2, 2), (1, 1),
])  # fmt: skip
def test_a_count_that_leaves_a_worker_is_silent(monkeypatch, caplog, n_jobs, cores):
    config = _config(n_jobs, "defense=none,weight_decay")
    assert _warned(monkeypatch, caplog, config, cores) == []


def test_a_launch_of_one_job_is_silent(monkeypatch, caplog):
    # one job runs in one worker whatever n_jobs
    assert _warned(monkeypatch, caplog, _config(-100, "defense=none"), 2) == []


def test_the_workers_offered_fit_the_threads(monkeypatch, caplog):
    config = _config(-100, "defense=none,weight_decay", threads=2)
    [line] = _warned(monkeypatch, caplog, config, 4)
    assert line.endswith("or hydra.launcher.n_jobs=2 to run 2 at once"), line


def test_joblib_workers_follows_joblibs_own_rule():
    from joblib import Parallel

    from mia_defense.cli.launcher_checks import joblib_workers

    for n_jobs in (-100, -3, -2, -1, 1, 5):
        assert joblib_workers(n_jobs) == Parallel(n_jobs=n_jobs)._effective_n_jobs(), n_jobs


def test_mia_train_says_it_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.setattr("joblib.cpu_count", lambda *a, **k: 2)
    # a repeated seed is refused after the launcher's checks, before any process starts
    done = mia_train("-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=-100",
                     "defense=none,weight_decay", "seed=1,1", "plan.num_models=2",
                     f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "gives 1 more than once" in done.stderr, done.stderr[-2000:]
    said = "hydra.launcher.n_jobs=-100 is joblib's cores + 1 - 100"
    assert said in done.stderr, done.stderr[-2000:]
    assert done.stderr.index(said) < done.stderr.index("gives 1 more than once")

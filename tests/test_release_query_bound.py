"""A release asked more answers than a run can give in minutes is refused before training:
attack.queries.num_augmented=1000 with repeats=1024 ran for hours before any attack."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from mia_defense.api import make_plan, observe_models
from mia_defense.defenses import NoiseRelease
from mia_defense.errors import ConfigError
from mia_defense.queries import MAX_RELEASE_QUERIES, QueryConfig, check_release_queries
from tests.conftest import TINY
from tests.helpers import mia_train

SAID = (r"attack\.queries\.num_augmented=10000 and attack\.queries\.repeats=1024 \(a "
        r"randomized release\) ask the release 1\.2e\+10 queries \(4 models x 300 population "
        r"records x \(1 \+ 10000\) queries x 1024 repeats\), over the 1e\+10 a run "
        r"may ask")  # fmt: skip


def _never(*args: object, **kwargs: object) -> None:
    raise AssertionError("reached: the queries were not refused before it")


def test_a_million_queries_a_record_are_refused_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr("mia_defense.experiment.run_experiment", _never)  # (no hour-long run)
    done = mia_train(*TINY, "release=noise", "attack.queries.num_augmented=10000",
                     "attack.queries.repeats=1024", "hydra.run.dir=run", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "ConfigError: " in done.stderr and "Traceback" not in done.stderr
    assert "lower attack.queries.num_augmented (default 8) or attack.queries.repeats" in (
        done.stderr)
    assert re.search(SAID, done.stderr), done.stderr[-2000:]
    assert not (tmp_path / "run" / "results.json").exists()
    assert "epoch" not in done.stderr.lower()  # no model trained


def test_the_defaults_are_far_below_the_bound_and_a_deterministic_release_asks_once():
    defaults = QueryConfig(num_augmented=8, repeats=16)
    assert 16 * 1000 * 9 * 16 * 40 < MAX_RELEASE_QUERIES
    check_release_queries(defaults, randomized=True, models=16, records=1000)
    many = QueryConfig(num_augmented=1000, repeats=1024)
    check_release_queries(many, randomized=False, models=4, records=10)  # 4e4: repeats unasked
    with pytest.raises(ConfigError, match=r"\(1 \+ 1000\) queries x 1 repeats"):
        check_release_queries(many, randomized=False, models=40000, records=1000)
    # LiRA's scale, 256 models on a 50,000-record population with the default queries
    check_release_queries(QueryConfig(num_augmented=8, repeats=16), randomized=True,
                          models=256, records=50_000)  # fmt: skip
    check_release_queries(QueryConfig(), randomized=True, models=10**5, records=10**4)  # no extra


def test_observe_models_refuses_them_before_any_query(monkeypatch):
    monkeypatch.setattr("mia_defense.api_models.observe_augmented", _never)
    x = np.random.default_rng(0).normal(size=(200, 3)).astype(np.float32)
    y = np.arange(200) % 2
    plan = make_plan(x, y, num_models=2, population_size=100)
    models = [torch.nn.Linear(3, 2) for _ in range(2)]
    with pytest.raises(ConfigError, match=r"ask the release 2e\+10 queries \(2 models x 100 "
                                          r"population records x \(1 \+ 100000\) queries x "
                                          r"1024"):
        observe_models(models, x, y, plan, release=NoiseRelease(scale=0.3), num_augmented=100_000,
                       repeats=1024)  # fmt: skip

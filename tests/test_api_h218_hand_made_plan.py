"""api.observe_models on a plan made by hand: masks under which no attack can run (all
True, one model, no record) are refused before the K models are queried, naming
plan.masks (after every query, named as observations_from_arrays' masks, before); an empty
float test_idx (np.array([])) and masks on the meta device were raw errors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from mia_defense import api
from mia_defense.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5)).astype(np.float32)
    y = rng.integers(0, 3, 60)
    torch.manual_seed(0)
    return x, y, api.make_plan(x, y, num_models=4), [torch.nn.Linear(5, 3) for _ in range(4)]


def _never_queried(models, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("queried")

    monkeypatch.setattr("mia_defense.api_models._probe_models", refuse)


def test_masks_all_true_are_refused_before_the_queries(setup, monkeypatch) -> None:
    x, y, plan, models = setup
    _never_queried(models, monkeypatch)
    with pytest.raises(ConfigError, match=r"observe_models: plan\.masks: 45 of the 45 records "
                       r"\(first: column 0\) are never OUT"):  # fmt: skip
        api.observe_models(models, x, y, replace(plan, masks=np.ones_like(plan.masks)))


def test_one_model_and_a_record_of_no_model(setup, monkeypatch) -> None:
    x, y, plan, models = setup
    _never_queried(models, monkeypatch)
    with pytest.raises(ConfigError, match=r"plan\.masks: 21 of the 45 records \(first: column "
                       r"\d+\) are never IN"):  # fmt: skip
        api.observe_models(models[:1], x, y, replace(plan, masks=plan.masks[:1]))
    with pytest.raises(ConfigError, match=r"plan\.population_idx is empty"):
        api.observe_models(models, x, y, replace(plan, population_idx=plan.population_idx[:0],
                                                 masks=plan.masks[:, :0]))  # fmt: skip


def test_an_empty_float_test_set(setup) -> None:
    x, y, plan, models = setup
    obs = api.observe_models(models, x, y, replace(plan, test_idx=np.array([])))
    assert obs.test_log_probs is None


def test_masks_on_the_meta_device(setup) -> None:
    x, y, plan, models = setup
    meta = torch.zeros(plan.masks.shape, device="meta")
    with pytest.raises(DataError, match=r"observe_models: plan\.masks: a tensor on the meta "
                       r"device"):  # fmt: skip
        api.observe_models(models, x, y, replace(plan, masks=meta))

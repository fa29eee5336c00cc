"""api.observe_models under a randomized release averages `repeats` answers per population
query and asks the test set once; `released_utility` (api.audit's utility) took the members'
accuracy from the averages, so the gap was the noise's, not the models': digits logistic
models, NoiseRelease(scale=0.5), train 0.973 against test 0.580, gap 0.393, where the full
release's gap is 0.039. mia-train measures the members on one answer each
(`release_members_once`); so do the api's observations now (metadata
train_accuracy_one_answer): train 0.618, gap 0.038."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from mia_defense import api
from mia_defense.defenses import NoiseRelease


@pytest.fixture(scope="module")
def setup():
    digits = load_digits()
    x, y = (digits.data / 16).astype(np.float32), digits.target
    plan = api.make_plan(x, y, num_models=4, seed=0)
    torch.manual_seed(0)
    models = []
    for k in range(4):
        model = nn.Linear(64, 10)
        optimizer = torch.optim.Adam(model.parameters(), 0.05)
        rows = plan.population_idx[plan.masks[k]]
        inputs, labels = torch.tensor(x[rows]), torch.tensor(y[rows])
        for _ in range(50):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(inputs), labels).backward()
            optimizer.step()
        models.append(model)
    return models, x, y, plan


def _utility(setup, **kwargs) -> dict[str, float]:
    models, x, y, plan = setup
    return api.released_utility(api.observe_models(models, x, y, plan, **kwargs))


def test_the_gap_of_a_randomized_release_compares_one_answer_with_one(setup):
    noise = NoiseRelease(scale=0.5)
    averaged = _utility(setup, release=noise, repeats=16)
    once = _utility(setup, release=noise, repeats=1)  # every query asked once
    full = _utility(setup)
    assert abs(averaged["train_accuracy"] - once["train_accuracy"]) < 0.05
    assert abs(averaged["generalization_gap"] - full["generalization_gap"]) < 0.1
    assert averaged["generalization_gap"] == pytest.approx(
        averaged["train_accuracy"] - averaged["test_accuracy"]
    )

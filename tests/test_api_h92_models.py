"""observe_models with a model finite on the records but NaN on their perturbed copies (a
sqrt of a feature the noise made negative): the attacks' signal turned the NaN into 0, so
LiRA's augmented queries read nothing of the model, without a word (helper h92)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import ConfigError, UnsupportedModelError


class SqrtOfFeatures(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.sqrt(x))


def test_nan_on_the_perturbed_copies_is_refused_naming_the_model():
    rng = np.random.default_rng(0)
    x, y = rng.random((80, 4)).astype(np.float32), rng.integers(0, 3, 80)
    plan = api.make_plan(x, y, num_models=2)
    torch.manual_seed(0)
    models = [SqrtOfFeatures() for _ in range(2)]
    api.observe_models(models, x, y, plan, num_augmented=0)  # finite on the records
    with pytest.raises(UnsupportedModelError, match=r"observe_models: models\[0\] "
                       r"\(SqrtOfFeatures\) released NaN on \d+ of the \d+ records' perturbed "
                       r"copies \(num_augmented=2\).*or pass num_augmented=0"):
        api.observe_models(models, x, y, plan, num_augmented=2)


def test_copies_of_one_trained_model_are_refused():
    # deepcopies of a model trained on plan.masks[0]: every model answered members and
    # non-members alike, and the attacks reported no leak (AUC 0.500) of a model that leaked
    rng = np.random.default_rng(0)
    x, y = rng.random((80, 4)).astype(np.float32), rng.integers(0, 3, 80)
    plan = api.make_plan(x, y, num_models=4)
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    models = [model, *(copy.deepcopy(model) for _ in range(3))]
    with pytest.raises(ConfigError, match=r"observe_models: models\[1\] holds exactly the "
                       r"weights of models\[0\]: copies of one model"):
        api.observe_models(models, x, y, plan)
    with torch.no_grad():
        for k, other in enumerate(models[1:], 1):
            other.bias.add_(k)  # separately "trained": accepted
    api.observe_models(models, x, y, plan)

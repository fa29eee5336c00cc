"""api.observe_models on a module that modifies its input in place on batches larger than
the probe's two rows, where the models are queried one at a time (not stackable: a
BatchNorm's running statistics): every later model got the rows it changed."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.errors import UnsupportedModelError


def _net() -> nn.Sequential:
    return nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))


class _DoublesBatches(nn.Module):
    """Doubles its input in place on batches of more than two rows."""

    def __init__(self) -> None:
        super().__init__()
        self.net = _net()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(x) > 2:
            x.mul_(2)
        return self.net(x)


class _Doubles(_DoublesBatches):
    """The same answers, its input left as it was."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * 2 if len(x) > 2 else x)


def _data() -> tuple[np.ndarray, np.ndarray, api.MembershipPlan]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    return x, y, api.make_plan(x, y, num_models=4, population_size=60)


def test_a_batch_modified_in_place_is_refused() -> None:
    # models[1:] were queried on rows doubled 1, 2, 3 times: their log-probabilities off by
    # up to 13 from their answers to x, attacked and audited without a word
    x, y, plan = _data()
    torch.manual_seed(0)
    models = [_DoublesBatches() for _ in range(4)]
    with pytest.raises(UnsupportedModelError, match=r"models\[0\] \(_DoublesBatches\) "
                       r"modifies its input in place.*every model queried after it"):  # fmt: skip
        api.observe_models(models, x, y, plan)


def test_the_same_answers_out_of_place_are_queried() -> None:
    x, y, plan = _data()
    torch.manual_seed(0)
    obs = api.observe_models([_Doubles() for _ in range(4)], x, y, plan)
    assert obs.log_probs.shape == (4, 60, 2)


class _MlpDoublesBatches(nn.Module):
    """Doubles its input in place on batches of more than two rows; stackable (no
    BatchNorm), so its queries run under vmap, its gradient norms batch by batch."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(x) > 2:
            x.mul_(2)
        return self.net(x)


def test_a_batch_modified_in_place_for_the_gradient_norms_is_refused() -> None:
    # the white-box gradient norms of models[1:] were taken on rows doubled 1, 2, 3 times
    x, y, plan = _data()
    torch.manual_seed(0)
    models = [_MlpDoublesBatches() for _ in range(4)]
    with pytest.raises(UnsupportedModelError, match=r"models\[0\] \(_MlpDoublesBatches\) "
                       r"modifies its input in place on the batches of its per-sample"):
        api.observe_models(models, x, y, plan, white_box=True)

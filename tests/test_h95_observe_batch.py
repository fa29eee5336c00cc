"""A model whose answer to a record depends on the other records of its query batch
(normalised by the batch mean in eval mode, a BatchNorm kept in training mode) is warned
of when queried: each record's membership score would mix in the other records'. The
shipped models, whose eval-mode answers are per record, are not."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.defenses.release import FullRelease
from mia_defense.models import MLP, LogisticRegression, ResNet, SmallCNN
from mia_defense.observe import observe

WARNED = "answers a record differently depending on the other records queried with it"


class BatchMeanNet(nn.Module):
    """Subtracts the batch's mean from its inputs, in eval mode too."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x - x.mean(dim=0, keepdim=True))


class TrainModeBatchNorm(nn.Module):
    """Keeps its BatchNorm in training mode whatever ``eval()`` asks."""

    def __init__(self) -> None:
        super().__init__()
        self.norm, self.linear = nn.BatchNorm1d(4), nn.Linear(4, 3)

    def train(self, mode: bool = True) -> TrainModeBatchNorm:
        super().train(mode)
        self.norm.train()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.norm(x))


class BatchSizeNet(nn.Module):
    """Scales its logits by its batch's size, in eval mode too (found by h414)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x) * 16 / x.shape[0]


def _observe(models: list[nn.Module], shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(0).normal(size=(64, *shape)).astype(np.float32)
    observe(models, x, release=FullRelease(), batch_size=16)


@pytest.mark.parametrize("kind", [BatchMeanNet, TrainModeBatchNorm, BatchSizeNet])
def test_a_model_answering_by_its_batch_is_warned_by_name(caplog, kind):
    torch.manual_seed(0)
    models = [kind(), kind()]
    with caplog.at_level("WARNING"):
        _observe(models, (4,))
    assert f"model {__name__}.{kind.__qualname__} {WARNED}" in caplog.text
    # the causes named cover each kind (a batch's size too: the warning had named only its
    # statistics and BatchNorm, a wrong cause for a division by len(x))
    assert "its eval-mode forward reads the batch (its statistics or its size" in caplog.text


def test_the_check_leaves_a_training_mode_batchnorm_s_statistics_as_found():
    from mia_defense.observe import _warn_batch_dependent

    torch.manual_seed(0)
    model = TrainModeBatchNorm()
    inputs = torch.randn(8, 4)
    logits = model(inputs).detach()
    before = model.norm.running_mean.clone()
    _warn_batch_dependent(model, inputs, logits)
    assert torch.equal(model.norm.running_mean, before)


@pytest.mark.parametrize(("build", "shape"), [
    (lambda: MLP(input_shape=(4,), num_classes=3), (4,)),
    (lambda: LogisticRegression(input_shape=(4,), num_classes=3), (4,)),
    (lambda: SmallCNN(input_shape=(3, 16, 16), num_classes=3), (3, 16, 16)),
    (lambda: ResNet(input_shape=(3, 16, 16), num_classes=3, depth=8), (3, 16, 16)),
], ids=["mlp", "logistic", "cnn", "resnet"])
def test_the_shipped_models_are_not_warned(caplog, build, shape):
    torch.manual_seed(0)
    with caplog.at_level("WARNING"):
        _observe([build(), build()], shape)
    assert WARNED not in caplog.text


class NoisyNet(nn.Module):
    """Dropout left on in eval mode: random answers, each record on its own."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.dropout(self.linear(x), p=0.5, training=True)


def test_random_answers_are_not_taken_for_batch_dependence_nor_move_the_run_s_draws(caplog):
    from mia_defense.observe import _warn_batch_dependent

    torch.manual_seed(0)
    model = NoisyNet()
    inputs = torch.randn(8, 4)
    logits = model(inputs).detach()
    state = torch.random.get_rng_state()
    with caplog.at_level("WARNING"):
        _warn_batch_dependent(model, inputs, logits)
    assert WARNED not in caplog.text
    assert torch.equal(torch.random.get_rng_state(), state)


def test_observe_models_warns_of_a_batch_dependent_model_once(caplog):
    """The library API queries the population and then the test set: the batch check runs
    on the population alone, so the warning comes once, not once per query."""
    from mia_defense import api

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(80, 4)).astype(np.float32), np.arange(80) % 3
    plan = api.make_plan(x, y, num_models=4, population_size=60)
    torch.manual_seed(0)
    models = [BatchMeanNet() for _ in range(4)]
    with caplog.at_level("WARNING"):
        api.observe_models(models, x, y, plan)
    assert caplog.text.count(WARNED) == 1

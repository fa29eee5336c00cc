"""A user's module whose logits are NaN or +inf before any training: refused as the model's
fault, not reported as a run that diverged at its learning rate."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import check_model_output
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk

C = 3


class NanOnRealData(nn.Module):
    """Finite on the checks' zeros, NaN on features above 1 (log of 1 - x)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) + torch.log(1 - x[:, :1])


class NanAlways(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) * float("nan")


class RulesOutAClass(nn.Module):
    """-inf for a class it rules out: logits still (log_softmax takes them)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x)
        return torch.cat([out[:, :-1], torch.full_like(out[:, -1:], -torch.inf)], 1)


def _train(models, x):
    y = torch.arange(len(x)) % (C - 1)
    masks = torch.ones((len(models), len(x)), dtype=torch.bool)
    return train_chunk(
        models, x=x, y=y, masks=masks, x_test=x[:4], y_test=y[:4], num_classes=C,
        config=TrainConfig(epochs=1, batch_size=8),
        generators=[torch.Generator().manual_seed(k) for k in range(len(models))],
    )


def test_logits_nan_on_the_first_batch_blame_the_model_not_the_learning_rate():
    # the run stopped as 'diverged' with "likely cause: train.lr=0.001 (lower the learning
    # rate first)": no step had been taken
    x = 2 + torch.rand(16, 4)
    torch.manual_seed(0)
    check_model_output(NanOnRealData(), input_shape=(4,), num_classes=C)  # zeros: fine
    with pytest.raises(UnsupportedModelError, match=r"NanOnRealData returns NaN or \+inf "
                       r"logits on the run's first training batch, at its initial weights"):
        _train([NanOnRealData(), NanOnRealData()], x)


def test_finite_logits_on_the_first_batch_train():
    x = torch.rand(16, 4) / 2
    histories = _train([NanOnRealData(), NanOnRealData()], x)
    assert all(h.final.epoch == 0 for h in histories)


def test_nan_logits_on_the_checks_zeros_are_refused_before_training():
    # passed the output check, then trained to a 'diverged' run blamed on train.lr
    with pytest.raises(UnsupportedModelError,
                       match=r"model._target_=m returns NaN or \+inf values, not logits"):
        check_model_output(NanAlways(), input_shape=(4,), num_classes=C, name="m")
    check_model_output(RulesOutAClass(), input_shape=(4,), num_classes=C)  # -inf: fine

"""A defense of the user's own whose loss cannot train the models: detached from the logits
(autograd's RuntimeError traceback, exit 1), or NaN on the first batch from finite logits
(stopped as 'training diverged ... lower the learning rate first', though no step had been
taken) (helper h92)."""

from __future__ import annotations

import pytest
import torch

from mia_defense.defenses.base import TrainingDefense, cross_entropy
from mia_defense.errors import ConfigError
from mia_defense.models import LogisticRegression
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk


class Detached(TrainingDefense):
    name = "detached"

    def loss(self, logits, batch, ctx):
        return cross_entropy(logits, batch).detach()


class LogOfZero(TrainingDefense):
    name = "log_of_zero"

    def loss(self, logits, batch, ctx):
        return cross_entropy(logits, batch) + torch.log(torch.zeros(()))


class Scaled(TrainingDefense):
    name = "scaled"

    def loss(self, logits, batch, ctx):
        return 2 * cross_entropy(logits, batch)


def _train(defense: TrainingDefense) -> None:
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn((40, 4), generator=gen), torch.randint(0, 3, (40,), generator=gen)
    train_chunk(
        [LogisticRegression(input_shape=(4,), num_classes=3) for _ in range(2)], x=x, y=y,
        masks=torch.ones((2, 40), dtype=torch.bool), x_test=x[:10], y_test=y[:10],
        num_classes=3, config=TrainConfig(epochs=1, batch_size=8),
        generators=[torch.Generator().manual_seed(s) for s in (1, 2)], defenses=[defense],
    )


@pytest.mark.parametrize(("defense", "message"), [
    (Detached(), r"defense Detached: its loss does not depend on the logits it is given"),
    (LogOfZero(), r"defense LogOfZero: its loss is NaN or inf on the run's first batch, from "
                  r"finite logits .* so no learning rate causes it"),
])
def test_a_defense_loss_that_cannot_train_is_named(defense, message):
    with pytest.raises(ConfigError, match=message):
        _train(defense)


def test_a_defense_loss_of_the_logits_trains():
    _train(Scaled())

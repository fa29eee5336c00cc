"""An early-stopping ``min_delta`` no epoch can beat is refused, not run as a fixed stop.

``defense.early_stopping.min_delta=1e30`` (monitor=loss) trained every model for
patience + 2 epochs, restored its first epoch's weights and exited 0 with results.json
reporting the run as defended by early stopping: a loss cannot fall by more than itself.
"""

from __future__ import annotations

import math

import pytest
import torch

from mia_defense.defenses import EarlyStopping
from mia_defense.errors import ConfigError
from mia_defense.models import MLP
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk


def _train(defense: EarlyStopping, *, epochs: int = 8):
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(64, 10, generator=g), torch.randint(0, 2, (64,), generator=g)
    x_ref, y_ref = torch.randn(64, 10, generator=g), torch.randint(0, 2, (64,), generator=g)
    return train_chunk(
        [MLP(input_shape=(10,), num_classes=2, hidden=(8,)) for _ in range(2)],
        x=x, y=y, masks=torch.ones((2, len(y)), dtype=torch.bool), x_test=x_ref,
        y_test=y_ref, num_classes=2, config=TrainConfig(epochs=epochs, batch_size=16),
        generators=[torch.Generator().manual_seed(k) for k in range(2)], defenses=[defense],
        x_reference=x_ref, y_reference=y_ref,
    )  # fmt: skip


def test_a_loss_min_delta_beyond_the_first_loss_is_refused_after_the_first_epoch():
    with pytest.raises(ConfigError, match=r"^defense\.early_stopping\.min_delta=1e\+30: no epoch "
                       r"can count as an improvement: the validation loss after the first epoch "
                       r"is [\d.]+ to [\d.]+ over the models and cannot fall below 0, .* lower "
                       r"min_delta below [\d.]+ \(0\.0 counts any improvement\)$"):
        _train(EarlyStopping(patience=2, min_delta=1e30))


def test_an_accuracy_min_delta_beyond_the_first_accuracy_is_refused():
    stopper = EarlyStopping(monitor="accuracy", min_delta=0.5)
    with pytest.raises(ConfigError, match=r"validation accuracy after the first epoch is 0\.6 "
                       r"and cannot exceed 1, .* below 0\.4 "):
        stopper._refuse_unreachable_delta(torch.tensor([0.6]), num_classes=2)


def test_reachable_deltas_and_converged_or_diverged_models_are_left_alone():
    (history, _) = _train(EarlyStopping(patience=100, min_delta=1e-3), epochs=3)
    assert len(history.epochs) == 3
    loss = EarlyStopping(min_delta=0.7)  # above ln(2)
    loss._refuse_unreachable_delta(torch.tensor([-0.4, -0.9]), num_classes=2)  # one can improve
    loss._refuse_unreachable_delta(torch.tensor([0.0, 0.0]), num_classes=2)  # at the bound
    loss._refuse_unreachable_delta(torch.tensor([-math.nan, -0.1]), num_classes=2)  # diverged
    EarlyStopping(min_delta=0.0)._refuse_unreachable_delta(torch.tensor([-0.1]), num_classes=2)
    EarlyStopping(monitor="accuracy", min_delta=0.01)._refuse_unreachable_delta(
        torch.tensor([1.0]), num_classes=2
    )
    # converged in the first epoch (loss 0.002), min_delta=0.01: rightly stopped, not refused
    EarlyStopping(min_delta=0.01)._refuse_unreachable_delta(torch.tensor([-0.002]),
                                                           num_classes=10)  # fmt: skip
    EarlyStopping(monitor="accuracy", min_delta=0.05)._refuse_unreachable_delta(
        torch.tensor([0.97]), num_classes=10
    )

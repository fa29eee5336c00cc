"""train.lr is refused at 0, below, nan or inf before any data is loaded, but the same value
as train.optimizer.lr (which wins over train.lr) passed: lr 0 trained every model, then was
refused after training as 'raise the learning rate (train.lr)', a key already fine; inf and
a weight_decay of inf trained to NaN. Both now meet train.lr's and train.weight_decay's rules
up front, named as train.optimizer.*."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.training import TrainConfig


@pytest.mark.parametrize(("key", "value"), [("lr", 0), ("lr", float("inf")),
                                            ("weight_decay", float("inf"))])  # fmt: skip
def test_optimizer_rates_meet_the_train_rules(key, value):
    with pytest.raises(ConfigError, match=rf"train\.optimizer\.{key}=.*must be a finite number"):
        TrainConfig(optimizer={"_target_": "torch.optim.AdamW", key: value})
    TrainConfig(optimizer={"_target_": "torch.optim.AdamW", key: 0.01})

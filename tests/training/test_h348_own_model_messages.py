"""What the user is told about their own model where it cannot stack, train under DP-SGD or
give white-box gradients: the reason that holds, and what works."""

from __future__ import annotations

import pytest
import torch

from mia_defense.defenses.dp import DPSGD
from mia_defense.errors import UnsupportedModelError
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk
from tests.training.test_h342_hostile_models import _Checkpointed


@pytest.mark.parametrize("engine", ["stacked", "opacus"])
def test_dp_on_a_checkpointed_model_says_neither_engine_and_what_works(engine) -> None:
    # the stacked engine said 'train.engine=opacus', Opacus 'set train.engine=stacked'
    x, y = torch.randn((16, 6)), torch.randint(0, 3, (16,))
    dp = DPSGD(noise_multiplier=1.0, max_grad_norm=1.0, poisson_sampling=False,
               allow_unaccounted_sampling=True)  # fmt: skip
    with pytest.raises(UnsupportedModelError, match="_Checkpointed: neither engine can train "
                       "it with DP-SGD") as err:  # fmt: skip
        train_chunk([_Checkpointed()], x=x, y=y, masks=torch.ones((1, 16), dtype=torch.bool),
                    x_test=x, y_test=y, num_classes=3,
                    config=TrainConfig(epochs=1, batch_size=8, engine=engine),
                    generators=[torch.Generator().manual_seed(0)], defenses=[dp],
                    vectorised=False)  # fmt: skip
    said = str(err.value)
    assert "train.engine=" not in said and "instead of through checkpoint(...)" in said
    assert "without defense=dp" in said

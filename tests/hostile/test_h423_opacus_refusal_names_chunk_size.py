"""nn.PReLU before nn.Bilinear under train.engine=opacus (Opacus' hooks fail on Bilinear's
two inputs) was refused as 'neither engine can train it as written ... or train it without
defense=dp', though the stacked engine trains it one model at a time
(train.chunk_size=1, h421). The refusal now names that fix, which trains (h423)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mia_defense.defenses.dp import DPSGD
from mia_defense.errors import UnsupportedModelError
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble
from tests.hostile.test_h421_stacked_per_sample_mix import C, D, N, PReLUBilinear

pytest.importorskip("opacus")


def _train(**config: object):
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    return train_ensemble(
        build_model=PReLUBilinear, x=x.numpy(), y=y.numpy(),
        masks=np.random.default_rng(0).random((2, N)) < 0.5, x_test=x[:10].numpy(),
        y_test=y[:10].numpy(), num_classes=C, seed=0, progress=False,
        config=TrainConfig(epochs=1, batch_size=8, lr=0.05, **config),
        build_defenses=lambda: [DPSGD(noise_multiplier=1.0)],
    )  # fmt: skip


@pytest.mark.filterwarnings("ignore:There is a performance drop")
def test_opacus_refusal_names_the_stacked_engine_one_model_at_a_time() -> None:
    with pytest.raises(UnsupportedModelError) as caught:
        _train(engine="opacus")
    said = str(caught.value)
    assert "neither engine" not in said
    assert said.endswith("Fix: set train.engine=stacked train.chunk_size=1")
    _train(engine="stacked", chunk_size=1)  # (the fix it names trains)

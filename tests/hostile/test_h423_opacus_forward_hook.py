"""train.engine=opacus formed a forward-hooked layer's per-sample gradients from the
gradient of the hook's output (Opacus' grad samplers read the layer's output gradient after
the hook): ``o.clamp(-1, 1)`` on fc left them 0.85 from each sample's own, and a clamp idle
on the run's first records passed used_outside_their_layers, so DP-SGD trained another
model than the one written, silently. Such a model is now refused, naming the layer, the
hook and train.engine=stacked, which differentiates through it (h423)."""

from __future__ import annotations

import pytest
import torch

from mia_defense.defenses import DPSGD
from mia_defense.errors import UnsupportedModelError
from mia_defense.training.config import TrainConfig
from tests.hostile.test_h423_forward_hooked_ghost_layer import HOOKS, Net, _data
from tests.training.engines import train_by_engine

pytest.importorskip("opacus")


@pytest.mark.filterwarnings("ignore:Full backward hook")
def test_opacus_refuses_a_forward_hooked_layer_naming_the_stacked_engine() -> None:
    torch.manual_seed(0)
    x, y = _data()
    with pytest.raises(UnsupportedModelError) as caught:
        train_by_engine([Net(HOOKS["clamped"])], x, y, torch.ones((1, 48), dtype=torch.bool),
                        config=TrainConfig(epochs=1, batch_size=16, lr=0.1), seeds=[1],
                        defenses=lambda: [DPSGD(noise_multiplier=1.0, max_grad_norm=1.0)],
                        engine="opacus", num_classes=3, test_size=16)  # fmt: skip
    said = str(caught.value)
    assert said.startswith("defense.dp: train.engine=opacus cannot train Net with DP-SGD: its "
                           "layer 'fc' has a forward hook (register_forward_hook)")
    assert "set train.engine=stacked" in said

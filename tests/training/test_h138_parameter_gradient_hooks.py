"""A module with a gradient hook on a parameter (Tensor.register_hook in its constructor:
a pruning mask, a per-parameter clip) trains one at a time: the stacked engine steps
copies of the parameters, on which the hook never ran."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import start_models, train_ensemble
from mia_defense.training.stack import vmap_blocker

N, C, D = 60, 4, 16


class Pruned(nn.Module):
    """Half of its first layer's weights pruned: their gradients masked to zero."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(D, 12)
        self.head = nn.Linear(12, C)
        self.register_buffer("keep", (torch.arange(12 * D).view(12, D) % 2).float())
        self.fc.weight.register_hook(lambda grad: grad * self.keep)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.fc(x)))


def test_a_parameter_with_a_gradient_hook_is_not_stacked() -> None:
    assert vmap_blocker(Pruned(), (D,)) == (
        "Pruned has a gradient hook on its parameter 'fc.weight' (Tensor.register_hook), which "
        "the stacked copies of its parameters would not run"
    )


def test_the_pruned_weights_stay_as_they_were() -> None:
    """Before: stacked, the masked weights moved (by up to 0.008 after one epoch of SGD);
    alone they did not."""
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    common = dict(build_model=Pruned, x=x.numpy(), y=y.numpy(), masks=np.ones((3, N), bool),
                  x_test=x[:20].numpy(), y_test=y[:20].numpy(), num_classes=C, seed=0,
                  progress=False)  # fmt: skip
    config = TrainConfig(epochs=1, batch_size=16, lr=2e-2, optimizer="sgd")
    trained = train_ensemble(config=config, **common)
    initial = start_models(Pruned, 3, config=config, seed=0, stage="model", checkpoint_dir=None,
                           fingerprint=None)[0]  # fmt: skip
    assert "gradient hook" in (trained.fallback_reason or "")
    for model, start in zip(trained.models, initial, strict=True):
        pruned = model.keep == 0
        assert torch.equal(model.fc.weight[pruned], start.fc.weight[pruned])
        assert not torch.equal(model.fc.weight, start.fc.weight)

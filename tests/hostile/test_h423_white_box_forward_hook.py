"""The white-box gradient norms' ghost path (observe._ghost_grad_norms) tapped an nn.Linear
after the model's own forward hook, so a hook that clamps fc's output gave the gradient of
the clamp's output, not of the layer's: norms up to 1.9x each sample's own, where the clamp
was idle on the 2 records used_outside_their_layers tried. Such a model now takes the vmap
path, through the hook (h423)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mia_defense.observe import gradient_norms
from tests.hostile.test_h423_forward_hooked_ghost_layer import HOOKS, Net, _data


def test_white_box_norms_of_a_forward_hooked_layer_are_each_samples_own() -> None:
    torch.manual_seed(0)
    model = Net(HOOKS["clamped"]).eval()
    x, y = _data()
    own = []
    for i in range(len(x)):
        model.zero_grad()
        nn.functional.cross_entropy(model(x[i : i + 1]), y[i : i + 1]).backward()
        own.append(float(torch.cat([p.grad.flatten() for p in model.parameters()]).norm()))
    norms = gradient_norms([model], x.numpy(), y.numpy(), batch_size=16)
    assert norms is not None
    np.testing.assert_allclose(norms[0], own, rtol=1e-4)

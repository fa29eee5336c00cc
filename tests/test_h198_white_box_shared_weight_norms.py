"""The white-box signal (per-sample gradient norms) of a model with a weight used twice:
two layers holding one parameter, or a decoder reading its encoder's weight. Ghost norms,
layer by layer, left out the cross terms of the weight's uses (4.6% and 13% off the true
norms); such models now take the vmap path, as DP-SGD's clipping does."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from mia_defense.observe import gradient_norms
from tests.defenses.test_h198_weight_read_outside_its_layer import TiedDecoder
from tests.training.test_h138_dp_tied_weights import TiedLayers


def _true_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    model.eval()
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(p: dict, xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(functional_call(model, p, (xi[None],)), yi[None])

    grads = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    return sum(g.reshape(len(g), -1).pow(2).sum(1) for g in grads.values()).sqrt().numpy()


@pytest.mark.parametrize("build", [
    TiedLayers, TiedDecoder,
    lambda: nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 4)),  # (ghost norms)
])  # fmt: skip
def test_gradient_norms_are_the_per_sample_gradients_norms(build) -> None:
    torch.manual_seed(0)
    model = build()
    x, y = torch.randn((20, 16)), torch.randint(0, 4, (20,))
    got = gradient_norms([model], x.numpy(), y.numpy())
    assert got is not None
    np.testing.assert_allclose(got[0], _true_norms(model, x, y), rtol=1e-4, atol=1e-6)


def test_the_outside_read_probe_runs_once_for_the_k_models(monkeypatch) -> None:
    """The probe for weights read outside their layer costs ~20 ms a model: it ran for each
    of the default run's 16 models (0.3 s, more than the signal itself); the K models of a
    call share one architecture, so it runs once, and each model's norms stay exact."""
    import mia_defense.observe as observe

    calls = []
    probe = observe.used_outside_their_layers
    monkeypatch.setattr(observe, "used_outside_their_layers",
                        lambda *a: calls.append(1) or probe(*a))  # fmt: skip
    torch.manual_seed(0)
    for build in (lambda: nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 4)),
                  TiedDecoder):  # fmt: skip
        calls.clear()
        models = [build() for _ in range(4)]
        x, y = torch.randn((20, 16)), torch.randint(0, 4, (20,))
        got = gradient_norms(models, x.numpy(), y.numpy())
        assert got is not None and len(calls) == 1
        for model, norms in zip(models, got, strict=True):
            np.testing.assert_allclose(norms, _true_norms(model, x, y), rtol=1e-4, atol=1e-6)

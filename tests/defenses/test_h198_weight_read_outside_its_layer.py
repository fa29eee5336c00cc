"""DP-SGD on a model whose forward reads a layer's weight outside that layer's call (a
decoder tied to its encoder: F.linear(z, self.enc.weight.t())). Per-sample gradients formed
layer by layer (the stacked engine's ghost norms, Opacus' hooks) dropped that use's part of
the gradient: without clipping or noise DP-SGD ended 2.5e-2 from plain SGD in both engines,
and the run reported a privacy verdict of a model trained as another than the one written."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mia_defense.defenses import DPSGD
from mia_defense.errors import UnsupportedModelError
from mia_defense.models.validation import used_outside_their_layers
from mia_defense.training.config import TrainConfig
from tests.training.engines import train_by_engine
from tests.training.test_h138_dp_tied_weights import TiedLayers


class TiedDecoder(nn.Module):
    """An encoder whose weight, transposed, decodes its output again."""

    def __init__(self) -> None:
        super().__init__()
        self.enc, self.head = nn.Linear(16, 8), nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = torch.tanh(self.enc(x))
        return self.head(torch.tanh(F.linear(z, self.enc.weight.t())))


def _trained(model: nn.Module, *, max_grad_norm: float | None, engine: str) -> nn.Module:
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn((64, 16), generator=gen), torch.randint(0, 4, (64,), generator=gen)

    def defenses() -> list[DPSGD]:
        if max_grad_norm is None:
            return []
        return [DPSGD(noise_multiplier=0.0, max_grad_norm=max_grad_norm,
                      poisson_sampling=False, allow_unaccounted_sampling=True)]  # fmt: skip

    config = TrainConfig(epochs=2, batch_size=16, lr=0.1, optimizer="sgd", momentum=0.0)
    model = copy.deepcopy(model)
    train_by_engine([model], x, y, torch.ones((1, 64), dtype=torch.bool), config=config,
                    seeds=[2], defenses=defenses, engine=engine, num_classes=4,
                    test_size=30)  # fmt: skip
    return model


def test_without_noise_or_clipping_stacked_dp_sgd_is_plain_sgd() -> None:
    torch.manual_seed(0)
    model = TiedDecoder()
    dp = _trained(model, max_grad_norm=1e6, engine="stacked")
    plain = _trained(model, max_grad_norm=None, engine="stacked")
    for p, q in zip(dp.parameters(), plain.parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)


def test_opacus_is_refused_naming_the_weight_and_the_engine_that_trains_it() -> None:
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError) as caught:
        _trained(TiedDecoder(), max_grad_norm=1.0, engine="opacus")
    said = str(caught.value)
    assert said.startswith("defense.dp: train.engine=opacus cannot train TiedDecoder with "
                           "DP-SGD: its forward reads enc.weight outside the calls")
    assert "set train.engine=stacked" in said


class SameLayerTwice(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.head = nn.Linear(16, 16), nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.fc(torch.tanh(self.fc(x)))))


class Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn, self.head = nn.GRU(4, 8, batch_first=True), nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.rnn(x.view(-1, 4, 4))[0][:, -1])


class Scaled(nn.Module):
    """A parameter of the root module beside a child layer (a learned temperature)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc, self.scale = nn.Linear(16, 4), nn.Parameter(torch.tensor(2.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) * self.scale


@pytest.mark.parametrize("build", [
    lambda: nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 4)),
    TiedLayers, SameLayerTwice, Recurrent, Scaled,
])  # fmt: skip
def test_weights_read_only_by_their_layers_are_not_flagged(build) -> None:
    """Tied parameters, a layer called twice, a tuple-returning layer: every use is a call
    of a module holding the weight (flagged, the stacked engine would lose its ghost norms
    and Opacus would be refused)."""
    torch.manual_seed(0)
    assert used_outside_their_layers(build(), torch.randn((2, 16))) == []
    assert used_outside_their_layers(TiedDecoder(), torch.randn((2, 16))) == ["enc.weight"]

"""``train.engine=opacus defense=dp`` on a model that holds its weights in an
``nn.ParameterList`` (or has a parameter its forward pass does not use) is refused before
training, naming the parameters and the fix. Measured: ``mia-train model=custom
model._target_=plmodel.PLNet train.engine=opacus defense=dp`` (weights in a ParameterList
the forward indexes) ended in Opacus' bare ``ValueError: Per sample gradient is not
initialized. Not updated in backward pass?`` at the first step; the stacked engine trains
it. Opacus forms a parameter's per-sample gradient from a forward call of the module that
holds it, and a ParameterList is never called."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.defenses import DPSGD
from mia_defense.errors import UnsupportedModelError
from mia_defense.training.config import TrainConfig
from tests.training.engines import train_by_engine


class InParameterList(nn.Module):
    """A linear model whose weight and bias live in an indexed ``nn.ParameterList``."""

    def __init__(self) -> None:
        super().__init__()
        self.params = nn.ParameterList(
            [nn.Parameter(0.1 * torch.randn(8, 3)), nn.Parameter(torch.zeros(3))]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.params[0] + self.params[1]


class OnTheModel(nn.Module):
    """The same model with its weight and bias registered on the model itself."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(0.1 * torch.randn(8, 3))
        self.bias = nn.Parameter(torch.zeros(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight + self.bias


class WithUnusedLayer(nn.Module):
    """A linear model beside a layer its forward pass never uses."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(8, 3)
        self.spare = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x)


def _train(model: nn.Module, engine: str) -> None:
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn((48, 8), generator=gen), torch.randint(0, 3, (48,), generator=gen)
    config = TrainConfig(epochs=1, batch_size=16, lr=0.1, optimizer="sgd", momentum=0.0)
    train_by_engine([model], x, y, torch.ones((1, 48), dtype=torch.bool), config=config,
                    seeds=[1], defenses=lambda: [DPSGD(noise_multiplier=1.0)],
                    engine=engine, num_classes=3, test_size=16)  # fmt: skip


def test_opacus_refuses_weights_in_a_parameter_list_naming_them_and_the_fix() -> None:
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError) as caught:
        _train(InParameterList(), "opacus")
    message = str(caught.value)
    assert message.startswith("defense.dp: train.engine=opacus cannot train InParameterList")
    assert "params.0, params.1 (held by params (ParameterList)" in message
    assert "train.engine=stacked" in message
    assert "register the parameters directly on the model" in message


def test_opacus_refuses_a_parameter_the_forward_pass_does_not_use() -> None:
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError, match=r"spare\.weight, spare\.bias \(not used "
                       r"by the forward pass\).*requires_grad=False"):  # fmt: skip
        _train(WithUnusedLayer(), "opacus")


@pytest.mark.parametrize(("make", "engine"), [(OnTheModel, "opacus"),
                                              (InParameterList, "stacked")])  # fmt: skip
def test_the_fixes_the_refusal_names_train(make: type[nn.Module], engine: str) -> None:
    torch.manual_seed(0)
    model = make()
    before = [p.detach().clone() for p in model.parameters()]
    _train(model, engine)
    assert all(not torch.equal(p, q) for p, q in zip(model.parameters(), before, strict=True))

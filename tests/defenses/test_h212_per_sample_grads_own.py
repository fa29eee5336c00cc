"""DP-SGD's per-sample gradients must be each sample's own, in both engines: a setup-time
check on 4 of the run's records against each row's own gradient (one backward per row).

Measured before the check: a model that reorders the batch around a layer
(``h = self.fc(x[perm])[inverse]``) trained under ``defense=dp`` on both engines with ε
reported valid, though each engine took the layer's row i as sample i's: the stacked
engine's ghost norms and Opacus' per-sample gradients clipped one sample's gradient in parts
(a sample joining a batch of one moved the stacked engine's clipped sum by 1.81·C). A model
whose output depends on a sample's position in its batch passed every check too. Now the
stacked engine forms such a model's per-sample gradients by ``vmap(grad)`` (a WARNING says
why), Opacus' engine refuses it, and a position-dependent model is refused by both.
"""

from __future__ import annotations

import logging

import pytest
import torch
from torch import nn

from mia_defense.defenses import DPSGD
from mia_defense.defenses.base import Batch, cross_entropy
from mia_defense.defenses.dp_stacked import (
    clipped_grad_sums,
    ghost_norms_not_own,
    sample_output_grads,
)
from mia_defense.errors import UnsupportedModelError
from mia_defense.models import MLP, LogisticRegression, ResNet, SmallCNN
from mia_defense.models.validation import depends_on_batch_position, opacus_rows_not_own
from mia_defense.training.config import TrainConfig
from mia_defense.training.stack import ModelStack
from tests.defenses.test_h208_mixing_past_the_first_row import BetaGate
from tests.training.engines import train_by_engine

C = 0.01


class Permuted(nn.Module):
    """The first Linear on the batch in reverse order, its output put back in order: each
    sample's output is its own, but the layer's row i is another sample's."""

    def __init__(self) -> None:
        super().__init__()
        self.fc, self.out = nn.Linear(8, 6), nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        perm = torch.arange(len(x) - 1, -1, -1)
        return self.out(torch.relu(self.fc(x[perm])[torch.argsort(perm)]))


class Sorted(Permuted):
    """The first Linear on the batch sorted by the first feature, put back in order."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        order = x[:, 0].argsort()
        return self.out(torch.relu(self.fc(x[order])[order.argsort()]))


class PermutedWhole(Permuted):
    """The whole model on the reversed batch: every layer's row i is one sample's."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        perm = torch.arange(len(x) - 1, -1, -1)
        return self.out(torch.relu(self.fc(x[perm])))[torch.argsort(perm)]


class ByPosition(nn.Module):
    """Each sample's logits scaled by its position in the batch."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) * torch.arange(1, len(x) + 1, dtype=x.dtype).unsqueeze(1)


class Squeezing(nn.Module):
    """``x.squeeze()``: a batch of one loses its batch axis (the output checks' case)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.squeeze())


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn((48, 8), generator=gen) * torch.linspace(0.1, 10, 48)[:, None]
    return x, torch.randint(0, 3, (48,), generator=gen)


def _train(model: nn.Module, engine: str, *, data=None) -> DPSGD:
    x, y = _data() if data is None else data
    defense = DPSGD(noise_multiplier=1.0, max_grad_norm=C)
    config = TrainConfig(epochs=1, batch_size=16, lr=0.1, optimizer="sgd", momentum=0.0)
    train_by_engine([model], x, y, torch.ones((1, 48), dtype=torch.bool), config=config,
                    seeds=[1], defenses=lambda: [defense], engine=engine, num_classes=3,
                    test_size=16)  # fmt: skip
    return defense


def _largest_contribution(model: nn.Module, strategy: str) -> float:
    """The largest change, over pairs of the data's samples, of the clipped sum of a batch
    of one sample when the other joins it: at most C where each is clipped whole."""
    x, y = _data()
    stack = ModelStack([model], [2])
    largest = 0.0
    for first in range(0, 48, 6):
        for second in range(1, 48, 10):
            sums = []
            for rows in ([second], [first, second]):
                xb, yb = x[rows][None], y[rows][None]
                valid = torch.ones((1, len(rows)), dtype=torch.bool)
                logits = stack.forward(xb)
                batch = Batch(x=xb, y=yb, target=yb, valid=valid,
                              stepping=torch.ones(1, dtype=torch.bool))  # fmt: skip
                out_grads = sample_output_grads(logits, cross_entropy(logits, batch), valid)
                found, _ = clipped_grad_sums(stack, xb, out_grads, valid, max_grad_norm=C,
                                             strategy=strategy)  # fmt: skip
                sums.append(torch.cat([v.detach().flatten() for v in found.values()]))
            largest = max(largest, float((sums[1] - sums[0]).norm()))
    return largest


def test_the_stacked_engine_forms_per_sample_gradients_for_a_reordered_layer(caplog):
    torch.manual_seed(0)
    model = Permuted()
    assert _largest_contribution(model, "ghost") > 1.2 * C  # ghost norms under-clip it
    with caplog.at_level(logging.WARNING, logger="mia_defense.defenses.dp"):
        defense = _train(model, "stacked")
    assert defense._strategy == "materialised"
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("the ghost norms of Permuted's layers fc on 4 of the run's records are not "
               "each sample's own" in m and "vmap(grad)" in m for m in said), said
    assert _largest_contribution(model, defense._strategy) <= C * (1 + 1e-5)


@pytest.mark.filterwarnings("ignore:Full backward hook")
def test_opacus_refuses_a_reordered_layer_naming_the_stacked_engine():
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError) as caught:
        _train(Permuted(), "opacus")
    message = str(caught.value)
    assert message.startswith("defense.dp: train.engine=opacus cannot train Permuted with "
                              "DP-SGD: Opacus' per-sample gradients of fc.weight, fc.bias "
                              "on 4 of the run's records are not each sample's own")
    assert "Fix: set train.engine=stacked" in message


@pytest.mark.filterwarnings("ignore:Full backward hook")
@pytest.mark.parametrize("engine", ["stacked", "opacus"])
def test_a_model_reading_a_sample_s_position_is_refused(engine):
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError, match=(
        r"^defense\.dp: ByPosition gives a sample in a batch another gradient than alone "
        r"\(each of 4 of the run's records.*torch\.arange\(len\(x\)\)")):
        _train(ByPosition(), engine)


@pytest.mark.filterwarnings("ignore:Full backward hook")
def test_a_consistent_reordering_is_each_sample_s_own(caplog):
    torch.manual_seed(0)
    x = _data()[0][:4]
    assert ghost_norms_not_own(PermutedWhole(), x) == []
    assert opacus_rows_not_own(PermutedWhole(), x) == []
    with caplog.at_level(logging.WARNING, logger="mia_defense.defenses.dp"):
        assert _train(PermutedWhole(), "stacked")._strategy == "ghost"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.filterwarnings("ignore:Full backward hook")
@pytest.mark.parametrize(("build", "shape"), [
    (lambda: MLP(input_shape=(8,), num_classes=3, hidden=(16,)), (8,)),
    (lambda: MLP(input_shape=(8,), num_classes=3, hidden=(16, 16), dropout=0.5), (8,)),
    (lambda: LogisticRegression(input_shape=(8,), num_classes=3), (8,)),
    (lambda: SmallCNN(input_shape=(1, 12, 12), num_classes=3, channels=(4,), hidden=8,
                      groups=2, dropout=0.5), (1, 12, 12)),
    (lambda: ResNet(input_shape=(3, 8, 8), num_classes=3, depth=8, groups=4), (3, 8, 8)),
    (lambda: ResNet(input_shape=(3, 8, 8), num_classes=3, depth=10, widen_factor=2,
                    groups=4), (3, 8, 8)),  # (wide_resnet's form)
    (BetaGate, (8,)),
])  # fmt: skip
def test_shipped_and_random_models_are_each_sample_s_own(build, shape):
    torch.manual_seed(0)
    model = build()
    x = torch.randn((4, *shape), generator=torch.Generator().manual_seed(1))
    assert ghost_norms_not_own(model, x) == []
    assert not depends_on_batch_position(model, x)
    assert opacus_rows_not_own(model, x) == []


def test_another_output_for_a_batch_of_one_is_not_called_a_position():
    x = _data()[0][:4]
    assert not depends_on_batch_position(Squeezing(), x)
    assert depends_on_batch_position(ByPosition(), x)


@pytest.mark.filterwarnings("ignore:Full backward hook")
def test_a_model_sorting_the_batch_is_checked_on_records_out_of_its_order(caplog):
    """The run's first records already sorted by the model's key: the check's other order
    is not."""
    x, y = _data()
    x[:4] = x[:4][x[:4, 0].argsort()]
    torch.manual_seed(0)
    with caplog.at_level(logging.WARNING, logger="mia_defense.defenses.dp"):
        assert _train(Sorted(), "stacked", data=(x, y))._strategy == "materialised"
    assert any("the ghost norms of Sorted's layers fc" in r.getMessage() for r in caplog.records)
    with pytest.raises(UnsupportedModelError, match=r"Opacus' per-sample gradients of fc\.weight"):
        _train(Sorted(), "opacus", data=(x, y))

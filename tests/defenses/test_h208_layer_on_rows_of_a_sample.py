"""DP-SGD on a model that applies a layer to several rows of each sample
(``self.a(x.reshape(B * T, F))``, a per-position layer of a sequence model).

Measured before the fix: ``mia-train defense=dp model=custom model._target_=rows.Tok1
train.engine=opacus`` trained and wrote ε 8.0 with ``epsilon_valid: true``, though Opacus
formed that layer's per-sample gradients with B·T rows and clipped each row as a sample: one
sample's clipped contribution had norm 2.76·C (C=0.01, one sample of 8 rows), so the noise
σC bounded nothing the accountant assumed. The stacked engine stopped at the first step
with "model._target_=rows.Tok1 raised RuntimeError ... fix that code", blaming a model
that trains without DP: its ghost taps added a [B, out] probe to the layer's [B·T, out]
output. Now Opacus' engine refuses the model before its first step, naming the layer and
the fix, and the stacked engine forms the per-sample gradients (``vmap(grad)``), each
sample's clipped to C.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.defenses import DPSGD
from mia_defense.defenses.base import Batch, cross_entropy
from mia_defense.defenses.dp import refuse_no_grad_samples
from mia_defense.defenses.dp_stacked import clipped_grad_sums, sample_output_grads
from mia_defense.errors import UnsupportedModelError
from mia_defense.training.config import TrainConfig
from mia_defense.training.stack import ModelStack
from tests.training.engines import train_by_engine


class Rows(nn.Module):
    """One Linear on the 8 rows of 8 features of each sample; the logits their mean."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x.reshape(len(x) * 8, 8)).reshape(len(x), 8, 5).mean(1)


class RowsThenHead(nn.Module):
    """A LayerNorm (no ghost rule: the mixed strategy), a Linear on rows, a Linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.norm, self.a, self.head = nn.LayerNorm(64), nn.Linear(8, 3), nn.Linear(24, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.a(self.norm(x).reshape(len(x) * 8, 8)))
        return self.head(h.reshape(len(x), 24))


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return 3 * torch.randn((48, 64), generator=gen), torch.randint(0, 5, (48,), generator=gen)


def _clipped(model_class: type[nn.Module], count: int, strategy: str):
    """The clipped sums of 2 models of ``model_class`` on ``count`` samples each at
    C=0.01, by ``strategy``, and by ``materialised`` (vmap(grad): each sample whole)."""
    torch.manual_seed(0)
    x, y = (t[: 2 * count].view(2, count, *t.shape[1:]) for t in _data())
    valid = torch.ones((2, count), dtype=torch.bool)
    stack = ModelStack([model_class(), model_class()], [2])
    logits = stack.forward(x)
    batch = Batch(x=x, y=y, target=y, valid=valid, stepping=torch.ones(2, dtype=torch.bool))
    out_grads = sample_output_grads(logits, cross_entropy(logits, batch), valid)
    ours = clipped_grad_sums(stack, x, out_grads, valid, max_grad_norm=0.01, strategy=strategy)
    whole, _ = clipped_grad_sums(stack, x, out_grads, valid, max_grad_norm=0.01,
                                 strategy="materialised")  # fmt: skip
    return ours, whole


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize(("model_class", "strategy"), [(Rows, "ghost"), (RowsThenHead, "mixed")])
def test_the_stacked_engine_clips_each_sample_whole(model_class, strategy, count):
    (sums, used), whole = _clipped(model_class, count, strategy)
    assert used == "materialised"  # the taps do not fit a layer on rows: no ghost norms
    for name, value in whole.items():
        torch.testing.assert_close(sums[name], value)
    if count == 1:  # one sample's clipped gradient has norm at most C
        norm = sum(v[0].square().sum() for v in sums.values()).sqrt()
        assert float(norm) <= 0.01 * (1 + 1e-5)


def _train(model: nn.Module, engine: str) -> None:
    x, y = _data()
    config = TrainConfig(epochs=1, batch_size=16, lr=0.1, optimizer="sgd", momentum=0.0)
    train_by_engine([model], x, y, torch.ones((1, 48), dtype=torch.bool), config=config,
                    seeds=[1], defenses=lambda: [DPSGD(noise_multiplier=1.0)],
                    engine=engine, num_classes=5, test_size=16)  # fmt: skip


@pytest.mark.filterwarnings("ignore:Full backward hook")
def test_opacus_refuses_a_layer_on_rows_naming_it_and_the_fix():
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError) as caught:
        _train(Rows(), "opacus")
    message = str(caught.value)
    assert message.startswith("defense.dp: train.engine=opacus cannot train Rows with DP-SGD: "
                              "Opacus forms the per-sample gradients of a.weight, a.bias with "
                              "16 rows for 2 samples")
    assert "clips each row as if it were a sample" in message
    assert "train.engine=stacked" in message and "x.view(B, T, F)" in message
    with pytest.raises(UnsupportedModelError, match="with 16 rows for 2 samples"):
        refuse_no_grad_samples(RowsThenHead(), torch.ones((2, 64)))


def test_the_stacked_engine_trains_it():
    torch.manual_seed(0)
    model = Rows()
    before = model.a.weight.detach().clone()
    _train(model, "stacked")
    assert not torch.equal(model.a.weight, before)

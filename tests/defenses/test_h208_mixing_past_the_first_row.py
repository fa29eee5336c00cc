"""DP-SGD on a model whose output for a sample depends on the samples before it in its batch
(a cumulative mean over the batch; attention with a causal mask over the batch, a
MultiheadAttention fed [B, E] as one unbatched sequence): refused, as a batch mean is; and
one that cannot run on random inputs (token ids as features, ``nn.Embedding(x.long())``) is
checked on the run's own records.

Measured before the fix: ``mia-train defense=dp model=custom model._target_=m.CumMean``
trained and wrote ε 8.0 with ``epsilon_valid: true``. ``mixes_samples`` compared the first
row's output across two batches that differed in the other rows; such a model leaves the
first row alone and gives every later row the rows before it, so one member reached other
members' clipped terms and the accounting did not hold. So did a model embedding digits'
pixel counts (0..16) as token ids and centring them on the batch's mean: its check ran on
random (negative) inputs, failed, and said "no mixing".
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.defenses import DPSGD
from mia_defense.defenses.dp import refuse_batch_mixing
from mia_defense.errors import UnsupportedModelError
from mia_defense.models.validation import mixes_samples
from mia_defense.training.config import TrainConfig
from tests.training.engines import train_by_engine


class CumMean(nn.Module):
    """Each sample's logits from the mean of its hidden features and the earlier samples'."""

    def __init__(self, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = dropout
        self.a, self.b = nn.Linear(8, 6), nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = nn.functional.dropout(torch.relu(self.a(x)), self.dropout, training=self.training)
        counts = torch.arange(1, len(h) + 1, dtype=h.dtype).unsqueeze(1)
        return self.b(h.cumsum(0) / counts)


class CumMeanDropout(CumMean):
    """The cumulative mean, with dropout: its draws differ with the seed."""

    def __init__(self) -> None:
        super().__init__(dropout=0.5)


class BetaGate(nn.Module):
    """Each sample's hidden features times a Beta draw of its own parameters (training mode):
    Beta samples by rejection, so how many uniforms a row takes depends on its values."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(8, 6), nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.a(x)
        if self.training:
            c = nn.functional.softplus(h) + 0.1
            h = h * torch.distributions.Beta(c, c).rsample()
        return self.b(h)


class FromTheNext(nn.Module):
    """The middle sample reads the last one: rows 0 and 2 depend on themselves alone."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.a(x)
        weight = torch.zeros(len(x), 1)
        weight[1:2] = 1.0
        return out + weight * out.roll(-1, 0)


class CausalAttention(nn.Module):
    """Attention with a causal mask over the batch (nn.MultiheadAttention given [B, E])."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.q, self.b = nn.Linear(8, 6), nn.Linear(6, 6), nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.a(x)
        scores = self.q(h) @ h.T
        mask = torch.ones(len(h), len(h), dtype=torch.bool).triu(1)
        return self.b(scores.masked_fill(mask, float("-inf")).softmax(-1) @ h)


class TokensBatchMean(nn.Module):
    """Features as token ids (0..16), embedded and centred on the batch's mean embedding."""

    def __init__(self, centred: bool = True) -> None:
        super().__init__()
        self.centred = centred
        self.emb, self.b = nn.Embedding(17, 4), nn.Linear(32, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.emb(x.long()).flatten(1)
        return self.b(h - h.mean(0, keepdim=True) if self.centred else h)


class PerSample(nn.Module):
    """The same layers, each sample on its own (with dropout: the same draws per row)."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(8, 6), nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(nn.functional.dropout(torch.relu(self.a(x)), 0.5, training=self.training))


@pytest.mark.parametrize("model", [CumMean, CumMeanDropout, FromTheNext, CausalAttention])
def test_a_model_mixing_rows_after_the_first_is_refused(model):
    torch.manual_seed(0)
    assert mixes_samples(model(), (8,))
    with pytest.raises(UnsupportedModelError,
                       match=rf"defense.dp: {model.__name__} mixes the samples of a batch"):
        refuse_batch_mixing(model(), (8,))


@pytest.mark.parametrize("model", [PerSample, BetaGate])
def test_a_model_of_samples_on_their_own_passes(model):
    # (BetaGate: in batches of other values, its later rows' draws move, not its inputs)
    torch.manual_seed(0)
    assert not mixes_samples(model(), (8,))


def test_a_model_that_cannot_run_on_random_inputs_is_checked_on_the_records():
    torch.manual_seed(0)
    tokens = torch.randint(0, 17, (6, 8)).float()
    assert not mixes_samples(TokensBatchMean(), (8,))  # (random inputs: negative token ids)
    assert mixes_samples(TokensBatchMean(), (8,), rows=tokens)
    assert not mixes_samples(TokensBatchMean(centred=False), (8,), rows=tokens)


def _train(model: nn.Module, x: torch.Tensor) -> None:
    y = torch.randint(0, 3, (48,), generator=torch.Generator().manual_seed(0))
    config = TrainConfig(epochs=1, batch_size=16, lr=0.1, optimizer="sgd", momentum=0.0)
    train_by_engine([model], x, y, torch.ones((1, 48), dtype=torch.bool), config=config,
                    seeds=[1], defenses=lambda: [DPSGD(noise_multiplier=1.0)],
                    engine="stacked", num_classes=3, test_size=16)  # fmt: skip


@pytest.mark.parametrize("model", [CumMean, TokensBatchMean])
def test_training_refuses_it_before_the_first_step(model):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn((48, 8), generator=gen)
    if model is TokensBatchMean:
        x = torch.randint(0, 17, (48, 8), generator=gen).float()
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError, match=f"{model.__name__} mixes the samples"):
        _train(model(), x)
    _train(TokensBatchMean(centred=False), torch.randint(0, 17, (48, 8), generator=gen).float())

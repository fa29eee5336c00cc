"""DP-SGD on a model whose output for a sample depends on the samples before it in its batch
(a cumulative mean over the batch; attention with a causal mask over the batch, a
MultiheadAttention fed [B, E] as one unbatched sequence): refused, as a batch mean is.

Measured before the fix: ``mia-train defense=dp model=custom model._target_=m.CumMean``
trained and wrote ε 8.0 with ``epsilon_valid: true``. ``mixes_samples`` compared the first
row's output across two batches that differed in the other rows; such a model leaves the
first row alone and gives every later row the rows before it, so one member reached other
members' clipped terms and the accounting did not hold.
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

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(8, 6), nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.a(x))
        counts = torch.arange(1, len(h) + 1, dtype=h.dtype).unsqueeze(1)
        return self.b(h.cumsum(0) / counts)


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


class PerSample(nn.Module):
    """The same layers, each sample on its own (with dropout: the same draws per row)."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(8, 6), nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(nn.functional.dropout(torch.relu(self.a(x)), 0.5, training=self.training))


@pytest.mark.parametrize("model", [CumMean, FromTheNext, CausalAttention])
def test_a_model_mixing_rows_after_the_first_is_refused(model):
    torch.manual_seed(0)
    assert mixes_samples(model(), (8,))
    with pytest.raises(UnsupportedModelError,
                       match=rf"defense.dp: {model.__name__} mixes the samples of a batch"):
        refuse_batch_mixing(model(), (8,))


def test_a_model_of_samples_on_their_own_passes():
    torch.manual_seed(0)
    assert not mixes_samples(PerSample(), (8,))


def test_training_refuses_it_before_the_first_step():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn((48, 8), generator=gen), torch.randint(0, 3, (48,), generator=gen)
    config = TrainConfig(epochs=1, batch_size=16, lr=0.1, optimizer="sgd", momentum=0.0)
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError, match="CumMean mixes the samples of a batch"):
        train_by_engine([CumMean()], x, y, torch.ones((1, 48), dtype=torch.bool),
                        config=config, seeds=[1], defenses=lambda: [DPSGD(noise_multiplier=1.0)],
                        engine="stacked", num_classes=3, test_size=16)  # fmt: skip

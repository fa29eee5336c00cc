"""observe_augmented reads the query signals of a block of models at a time (`per_model`),
with the figures of one model at a time, bit for bit.

h452: `observe._query_signals` called `query_signals` once a model a perturbed copy (the
default run: 16 models x 8 copies, 128 calls; K models of a tiny population, K calls a
copy). It is now one call a block of models (`signals._BLOCK_CELLS` values).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import observe as observe_module
from mia_defense.attacks import signals
from mia_defense.defenses.release import FullRelease, LabelOnlyRelease, TopKRelease
from mia_defense.observe import observe_augmented
from mia_defense.queries import QueryConfig


class _Withholding(nn.Module):
    """A model that never answers class 3 (-inf): true_class_logit answers it in float64."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.linear(x)
        return torch.cat([out[:, :3], torch.full_like(out[:, 3:], -torch.inf)], dim=1)


def _models(k: int) -> list[nn.Module]:
    torch.manual_seed(0)
    # scaled weights: confident answers, some float32 log-probabilities of 0 and far tails
    models = [nn.Linear(3, 4) for _ in range(k)]
    with torch.no_grad():
        for i, model in enumerate(models):
            model.weight.mul_(1 + 10 * (i % 3))
    return models


def _data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(9, 3)).astype(np.float32)
    return x, np.arange(9) % 4


def test_many_models_are_one_signal_call_a_copy(monkeypatch) -> None:
    calls = []

    def counted(log_probs, labels):
        calls.append(log_probs.shape)
        return signals.query_signals(log_probs, labels)

    monkeypatch.setattr(observe_module, "query_signals", counted)
    x, y = _data()
    queries = QueryConfig(num_augmented=3)
    logits, _ = observe_augmented(_models(40), x, y, release=FullRelease(), queries=queries, seed=0)
    assert logits.shape == (40, 3, 9)
    assert calls == [(40, 9, 4)] * 3


@pytest.mark.parametrize("cells", [1, 7, 2**20])
@pytest.mark.parametrize(
    "release", [FullRelease(), LabelOnlyRelease(), TopKRelease(k=1)], ids=["full", "label", "top1"]
)
def test_blocks_give_the_figures_of_one_model_at_a_time(monkeypatch, release, cells) -> None:
    x, y = _data()
    models = _models(6)
    models[2] = _Withholding()  # one model of the block withholds a class, the others not
    queries = QueryConfig(num_augmented=2, noise_std=0.5)

    def one_at_a_time(log_probs, labels):  # the loop _query_signals ran
        if log_probs.ndim == 2:  # (called a model at a time already)
            return signals.query_signals(log_probs, labels)
        pairs = [signals.query_signals(model_log_probs, labels) for model_log_probs in log_probs]
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])

    with monkeypatch.context() as m:
        m.setattr(observe_module, "query_signals", one_at_a_time)
        want = observe_augmented(models, x, y, release=release, queries=queries, seed=3)
    monkeypatch.setattr(signals, "_BLOCK_CELLS", cells)
    got = observe_augmented(models, x, y, release=release, queries=queries, seed=3)
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))

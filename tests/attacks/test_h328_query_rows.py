"""The queries' rows per forward (and per per-sample-gradient batch) are bounded in bytes:
a fixed row count held ~8 GB of activations for model=cnn on 32x32x3 images (K=16), and
512 rows of per-sample gradients ~22 GB for an 11M-parameter ResNet."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import mia_defense.observe as observe_module
from mia_defense.models import MLP
from mia_defense.observe import _all_logits, gradient_norms
from mia_defense.training.stack import ModelStack

N = 64


@pytest.mark.parametrize("query", ["logits", "grad_norms"])
def test_rows_per_forward_stay_within_the_bytes_bound(monkeypatch, query):
    budget = 1 << 20 if query == "logits" else 128 << 10
    monkeypatch.setattr(observe_module, "MATERIALISED_BUDGET", budget, raising=False)
    torch.manual_seed(0)
    rows: list[int] = []
    if query == "logits":  # 4 models of a 4096-wide layer: [K, rows, 4096] activations
        models = [MLP(input_shape=(8,), num_classes=3, hidden=(4096,)) for _ in range(4)]
        forward = ModelStack.forward
        monkeypatch.setattr(ModelStack, "forward",
                            lambda self, x, **kw: rows.append(len(x)) or forward(self, x, **kw))
        logits = _all_logits(models, torch.rand(N, 8), 4096)
        assert logits.shape == (4, N, 3)
        bytes_per_row = 4 * len(models) * 4096
    else:  # a conv layer (no ghost norms): per-sample gradients, a float per parameter
        models = [nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Flatten(), nn.Linear(256, 3))]
        vmap = torch.func.vmap

        def counting_vmap(fn, *args, **kwargs):
            batched = vmap(fn, *args, **kwargs)
            return lambda p, xs, ys: rows.append(len(xs)) or batched(p, xs, ys)

        monkeypatch.setattr(torch.func, "vmap", counting_vmap)
        x = np.random.default_rng(0).random((N, 1, 8, 8), dtype=np.float32)
        norms = gradient_norms(models, x, np.arange(N) % 3)
        assert norms is not None and norms.shape == (1, N)
        bytes_per_row = 4 * sum(p.numel() for p in models[0].parameters())
    assert sum(rows) == N
    assert max(rows) * bytes_per_row <= budget, rows

"""api.observe_models of models with very many outputs (200,000,000 logits per record, on
80 records) ran into the system's memory killer, 22 GB in, without a word: nothing checked
the answers' size once the probe had told C (the augmented queries' size was). It is
refused now, after the probe, naming C, the records and the memory needed."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api, budget
from mia_defense.errors import UnsupportedModelError

K, ROWS, FEATURES, C = 4, 80, 5, 3


def test_answers_beyond_memory_are_refused_after_the_probe(monkeypatch) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, FEATURES)).astype(np.float32)
    y = rng.integers(0, C, ROWS)
    plan = api.make_plan(x, y, num_models=K)
    models = []
    for k in range(K):
        torch.manual_seed(k)
        models.append(nn.Linear(FEATURES, C))
    need = 8 * K * ROWS * C  # logits and released outputs, float32, of every record
    monkeypatch.setattr(budget, "available_memory", lambda: int(need / 0.8) - 1)
    with pytest.raises(UnsupportedModelError, match=rf"observe_models: the models return {C} "
                       rf"logits per record: their answers on the plan's {ROWS} records need "
                       r"about .* of memory \(4 models x 80 records x 3 classes"):  # fmt: skip
        api.observe_models(models, x, y, plan)
    monkeypatch.setattr(budget, "available_memory", lambda: int(need / 0.8) + 8)
    assert api.observe_models(models, x, y, plan).log_probs.shape == (K, len(plan.masks[0]), C)

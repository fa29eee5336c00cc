"""api.audit of api.observe_models' observations under a randomized release records, as
mia-train does, the release's name and how often the attacker asked each query: its table
said nothing of the query budget under which the figures hold (no RANDOMIZED RELEASE line)
and results named the release 'unknown'."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

from mia_defense import api
from mia_defense.defenses import NoiseRelease
from mia_defense.pipeline.evaluate import RANDOMIZED_RELEASE_REPEATS

LEAN = ["attack.bootstrap=0", "attack.num_targets=2", "~attack.attacks.shokri",
        "~attack.attacks.label_only"]  # fmt: skip


def _observed(**kwargs):
    digits = load_digits()
    x, y = (digits.data / 16).astype(np.float32), digits.target
    plan = api.make_plan(x, y, num_models=4, seed=0)
    torch.manual_seed(0)
    models = []
    for k in range(4):  # logistic models, above chance: a run with a verdict
        model = nn.Linear(64, 10)
        optimizer = torch.optim.Adam(model.parameters(), 0.05)
        rows = plan.population_idx[plan.masks[k]]
        inputs, labels = torch.tensor(x[rows]), torch.tensor(y[rows])
        for _ in range(20):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(inputs), labels).backward()
            optimizer.step()
        models.append(model)
    return api.observe_models(models, x, y, plan, **kwargs)


def test_the_audit_of_a_randomized_release_says_its_query_budget(tmp_path):
    observed = _observed(release=NoiseRelease(scale=0.3), repeats=4)
    observed.save(tmp_path / "observations.npz")  # (what mia-attack reads)
    for obs in (observed, api.load_observations(tmp_path / "observations.npz")):
        audit = api.audit(obs, overrides=LEAN)
        assert audit.result.privacy[RANDOMIZED_RELEASE_REPEATS] == 4
        assert audit.result.defense["release"] == "noise"
        assert ("RANDOMIZED RELEASE: release=noise answers every query with fresh noise"
                in audit.table())  # fmt: skip
        assert "asks each query 4 times and averages the answers" in audit.table()


def test_a_deterministic_release_says_no_query_budget():
    audit = api.audit(_observed(), overrides=LEAN)
    assert RANDOMIZED_RELEASE_REPEATS not in audit.result.privacy
    assert audit.result.defense["release"] == "full"
    assert "RANDOMIZED RELEASE" not in audit.table()

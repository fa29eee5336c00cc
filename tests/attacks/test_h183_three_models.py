"""Observations of K=3 models (valid: every record IN for one model and OUT for another) were
refused by api.audit and mia-attack whatever they held: the rehearsal before the attacks drew
its 8 records' masks at random per record, one of its 3 models held a single member, and
Shokri's two halves of that lone shadow left one half without members ('attack.attacks.shokri:
attack shokri: its 3 training rows are all non-members, so it cannot learn')."""

from functools import partial

import numpy as np
import pytest

from mia_defense import api
from mia_defense.attacks import runner
from mia_defense.attacks.shokri import shokri


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(runner, "_REHEARSED", set())


@pytest.mark.parametrize("num_models", [2, 3, 5])
def test_the_rehearsal_lets_shokri_through_at_few_models(fresh, num_models):
    runner.check_attacks({"shokri": partial(shokri)}, num_models=num_models, num_classes=3,
                         targets=np.arange(num_models))


def test_audit_of_three_models_gives_shokri_figures(fresh):
    rng = np.random.default_rng(0)
    n = 60
    masks = np.zeros((3, n), dtype=bool)
    masks[rng.integers(0, 3, n), np.arange(n)] = True  # each record trains one of the three
    logits = rng.normal(size=(3, n, 3))
    audit = api.audit(
        api.observations_from_arrays(logits, masks, rng.integers(0, 3, n), kind="logits"),
        overrides=["attack.bootstrap=0"],
    )
    assert "shokri" in audit.result.attacks
    assert 0.3 < audit.result.attacks["shokri"]["auc"] < 0.7

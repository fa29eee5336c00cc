"""api.observe_models under a randomized release averages `repeats` answers per population
query and asks the test set once (the utility a user gets). The masks check compared the two
as alike: averaged answers fit better than single ones, members or not, so the right masks
were flagged MASKS SUSPECT ('... the attacks were judged against the wrong truth and
understate the leak ...'): 4 models, NoiseRelease(scale=0.3), AUC 0.610 of the OUT records
against the test set, 8.0 standard errors. The observations now say that they are averages
(metadata), and the check compares IN with OUT records only."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from mia_defense import api
from mia_defense.defenses import NoiseRelease
from mia_defense.metrics.consistency import mask_check
from mia_defense.observations import Observations

LEAN = ["attack.bootstrap=0", "attack.num_targets=2", "~attack.attacks.shokri",
        "~attack.attacks.rmia", "~attack.attacks.label_only"]  # fmt: skip


@pytest.fixture(scope="module")
def averaged() -> Observations:
    digits = load_digits()
    x, y = (digits.data / 16).astype(np.float32), digits.target
    plan = api.make_plan(x, y, num_models=4, seed=0)
    torch.manual_seed(0)
    models = [nn.Linear(64, 10) for _ in range(4)]  # the masks are theirs: no model trained
    with torch.no_grad():
        for model in models:
            model.weight.mul_(8)
    return api.observe_models(models, x, y, plan, release=NoiseRelease(scale=0.3), repeats=16)


def test_averaged_answers_against_single_test_answers_are_no_suspect_masks(averaged, caplog):
    assert mask_check(averaged).suspect  # (what the check alone makes of them)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        audit = api.audit(averaged, overrides=LEAN)
    assert audit.result.privacy["masks_suspect"] is None  # (written always, h315)
    assert "MASKS SUSPECT" not in caplog.text


def test_a_saved_file_keeps_saying_its_answers_are_averages(averaged, tmp_path, caplog):
    averaged.save(tmp_path / "observations.npz")  # (what mia-attack reads)
    loaded = api.load_observations(tmp_path / "observations.npz")
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        audit = api.audit(loaded, overrides=LEAN)
    assert audit.result.privacy["masks_suspect"] is None  # (written always, h315)

"""api.observe_models of a plan whose masks are 0/1 integers (accepted as the plan's masks)
under a randomized release: the members' accuracy of one answer each was read with the
integer masks as indices (rows 0 and 1 of every model), and recorded as
train_accuracy_one_answer 2.01; api.audit then fell back on the averaged answers' train
accuracy and its gap, which h134 had fixed. The plan's masks are taken as bool now."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from mia_defense import api
from mia_defense.defenses.release import NoiseRelease

K, ROWS, FEATURES, C = 4, 80, 5, 3


def test_integer_masks_give_the_one_answer_accuracy_of_bool_ones() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, FEATURES)).astype(np.float32)
    y = rng.integers(0, C, ROWS)
    plan = api.make_plan(x, y, num_models=K)
    models = []
    for k in range(K):
        torch.manual_seed(k)
        models.append(nn.Sequential(nn.Linear(FEATURES, 8), nn.ReLU(), nn.Linear(8, C)))
    facts = [
        api.observe_models(models, x, y, dataclasses.replace(plan, masks=masks),
                           release=NoiseRelease(scale=0.3), repeats=2).metadata
        for masks in (plan.masks, plan.masks.astype(np.int64))
    ]  # fmt: skip
    assert facts[0] == facts[1]
    assert 0 <= facts[1]["train_accuracy_one_answer"] <= 1

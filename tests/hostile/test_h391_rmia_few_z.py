"""rmia with few population samples z (attack.attacks.rmia.num_z=10) was read as a run of
coarse outputs (helper 391): mia-train plan.num_models=8 train.epochs=5
attack.attacks.rmia.num_z=10, with rmia alone, read TPR 0.000 [0.000, 0.000] at 0.1% and 1%
FPR, and its one note said '85 of the 4000 non-member scores share rmia's highest one ...
(coarse released outputs give few distinct scores); ... raise plan.num_models or
plan.population_size', neither of which helps. A record's score is the share of the num_z
samples it beats, num_z + 1 values: rmia now says so, and that num_z null compares with
all."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.attacks import rmia
from tests.helpers import synthetic_observations


def test_few_z_are_said_with_the_share_of_records_tied_at_the_top(caplog):
    obs = synthetic_observations(num_models=8, num_samples=600, signal=1.0)
    with caplog.at_level(logging.WARNING, logger="mia_defense.attacks.rmia"):
        scores = np.asarray(rmia(obs, np.arange(8), num_z=10))
    (line,) = [r.getMessage() for r in caplog.records if "num_z=10" in r.getMessage()]
    assert "11 values at most" in line and "about 1 in 11 records" in line
    assert "below an FPR of about 9.1%" in line and "set num_z null" in line
    # (what it says holds: the share of each target's records at its highest score)
    top = (scores == scores.max(axis=1, keepdims=True)).mean()
    assert 1 / 22 < top < 2 / 11


@pytest.mark.parametrize("num_z", [None, 600, 5000])
def test_all_z_are_not_warned_of(caplog, num_z):
    obs = synthetic_observations(num_models=4, num_samples=600, signal=1.0)
    with caplog.at_level(logging.WARNING, logger="mia_defense.attacks.rmia"):
        rmia(obs, np.arange(4), num_z=num_z)
    assert "num_z" not in caplog.text

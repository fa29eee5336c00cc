"""mia-attack's arguments and the bootstrap's resamples (helper 269).

- attack.bootstrap=2 gave each attack's "95%" intervals from two resamples (the 2.5th and
  97.5th percentiles of two numbers: '0.853 [0.870, 0.883]' under 'AUC [95% CI]'), warned
  in the log above the table only below 40 resamples. A percentile interval needs 5
  resamples in each tail (200 at 95%, 1000 at 99%): `few_resamples_note` says so, in the
  attack stage's warning and under the end-of-run table, where the intervals are read.
"""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.metrics.bootstrap import few_resamples_note, resamples_needed
from mia_defense.tracking import read_json
from tests.helpers import LEAN_ATTACKS, mia_attack, overridden, synthetic_observations


@pytest.mark.parametrize(("count", "confidence", "needed"),
                         [(2, 0.95, 200), (199, 0.95, 200), (999, 0.99, 1000)])
def test_fewer_than_five_resamples_a_tail_are_said(count, confidence, needed):
    note = few_resamples_note(count, confidence)
    level = f"{confidence:.0%}"
    assert note is not None and f"attack.bootstrap={count} resamples" in note
    assert f"of the {level} intervals" in note
    assert f"use attack.bootstrap={needed} or more for {level} intervals" in note
    assert resamples_needed(confidence) == needed


@pytest.mark.parametrize(("count", "confidence"), [(0, 0.95), (200, 0.95), (1000, 0.99)])
def test_enough_resamples_or_none_say_nothing(count, confidence):
    assert few_resamples_note(count, confidence) is None


def test_two_resamples_are_said_under_the_table_and_recorded(attacked_template, tmp_path):
    (tmp_path / "o.npz").symlink_to(attacked_template / "o.npz")
    done = mia_attack("o.npz", *overridden(LEAN_ATTACKS, "attack.bootstrap=2"),
                      "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout.split("\nattacked:")[0]
    assert "FEW RESAMPLES: attack.bootstrap=2 resamples leave 0.05 in each 2.5% tail" in table
    assert "use attack.bootstrap=200 or more for 95% intervals" in table
    assert "FEW RESAMPLES: attack.bootstrap=2" in done.stderr  # (the log's warning)
    assert read_json(tmp_path / "run" / "results.json")["config"]["attack"]["bootstrap"] == 2


def test_the_api_table_says_it_too():
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    done = api.audit(obs, overrides=["attack.bootstrap=20", "attack.confidence=0.99",
                                     "~attack.attacks.shokri", "attack.queries.num_augmented=0"])
    assert "FEW RESAMPLES: attack.bootstrap=20" in done.table()
    assert "use attack.bootstrap=1000 or more for 99% intervals" in done.table()
    assert np.isfinite(done.result.attacks["loss"]["auc_ci_low"])


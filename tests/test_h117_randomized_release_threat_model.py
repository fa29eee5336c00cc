"""A release that answers every query with fresh noise (release=noise) is measured by an
attacker who asks each query ``attack.queries.repeats`` times (16) and averages; one who may
ask more averages more of the noise away (digits, release.scale=1, K=8, 30 epochs: RMIA's AUC
0.547 at 16 repeats, 0.622 at 1024, 0.651 without the noise; the run sat on the Pareto front
as its most private point). Neither the table nor mia-report said under which query budget
the figures hold. Now results.json records ``privacy.randomized_release_repeats``, the table
ends with ``RANDOMIZED RELEASE: ...`` and mia-report lists the run under "Figures to read with
care"."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.pipeline.evaluate import RANDOMIZED_RELEASE_REPEATS, attack_observations
from mia_defense.report.checks import caveats
from mia_defense.report.run_table import format_table
from tests.attacks.synthetic import full_observations
from tests.helpers import FAST, mia_train

SAID = "asks each query 16 times and averages the answers (attack.queries.repeats=16)"


def _payload(release: str, privacy: dict, repeats: int = 16) -> dict:
    return {"defense": {"defense": "none", "release": release}, "privacy": privacy, "attacks": {},
            "config": {"attack": {"queries": {"repeats": repeats}}}}  # fmt: skip


def test_the_report_says_how_often_the_attacker_asked_a_randomized_release():
    notes = caveats(_payload("noise", {RANDOMIZED_RELEASE_REPEATS: 16}))
    assert any(SAID in note for note in notes), notes
    # a run of an earlier version, without the count: release=noise's config says it
    assert any(SAID in note for note in caveats(_payload("noise", {})))
    # a release of one's own that declared itself randomized, asked once
    notes = caveats(_payload("my_noise", {RANDOMIZED_RELEASE_REPEATS: 1}, repeats=1))
    assert any("asks each query once" in note for note in notes), notes
    # a deterministic release: its repeats setting asks nothing more of it
    assert not any("fresh noise" in note for note in caveats(_payload("full", {})))


def _table(privacy: dict, release: str) -> str:
    obs = full_observations(signal=1.0, num_models=4, num_samples=100)
    utility = {"test_accuracy": 0.9, "train_accuracy": 0.95, "generalization_gap": 0.05,
               "chance_accuracy": 0.5}  # fmt: skip
    result, _ = attack_observations(
        obs, {"loss": loss_attack}, targets=np.arange(obs.num_models),
        evaluation=EvaluationConfig(bootstrap=0), is_canary=np.zeros(len(obs.labels), bool),
        population_idx=np.arange(len(obs.labels)), utility=utility, privacy=privacy,
        defense={"defense": "none", "release": release}, training={},
    )
    return format_table(result, [0.001])


def test_the_table_ends_with_the_threat_model_of_a_randomized_release():
    table = _table({RANDOMIZED_RELEASE_REPEATS: 16}, "noise")
    assert table.splitlines()[-1].startswith("RANDOMIZED RELEASE: release=noise answers")
    assert SAID in table
    assert f"{RANDOMIZED_RELEASE_REPEATS} 16" not in table  # (said once, in words)
    assert "RANDOMIZED RELEASE" not in _table({}, "full")


@pytest.mark.slow  # 3-5 s: a tiny mia-train release=noise run
def test_mia_train_records_and_says_the_attackers_repeats(tmp_path: Path):
    done = mia_train(*FAST, "plan.num_models=2", "plan.population_size=100",
                     "train.batch_size=16", "release=noise", "attack.queries.repeats=16",
                     "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert SAID in done.stdout
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["privacy"][RANDOMIZED_RELEASE_REPEATS] == 16

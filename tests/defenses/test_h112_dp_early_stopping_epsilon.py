"""DP-SGD beside early_stopping: a model that stopped early was reported with the ε of the
steps it took (train.epochs=30, patience=0, σ=5: ε 0.317 after 2 epochs), but when it stopped
was decided from its noisy trajectory, so that ε is no guarantee; the mechanism (every planned
step, cut where the rule says: a post-processing of the whole) is that of the planned steps
(ε 1.38 here, 4.3x the figure reported). Its ε now accounts the planned steps, and
privacy.per_model says how many it took (``steps_taken``)."""

from __future__ import annotations

import pytest

from mia_defense.cli.train import run
from mia_defense.defenses.accounting import epsilon_spent
from mia_defense.tracking import read_json
from tests.conftest import compose_cfg
from tests.hostile.test_run_dir import FAST


@pytest.fixture(scope="module")
def stopped(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dp_early_stopping")
    cfg = compose_cfg(*FAST, "defense=[dp,early_stopping]", "plan.reference_size=50",
                          "train.epochs=12", "defense.early_stopping.patience=0",
                          "defense.dp.target_epsilon=null", "defense.dp.noise_multiplier=5",
                          "train.lr=0.05")  # fmt: skip
    run(cfg, folder)
    return read_json(folder / "results.json")


def test_a_model_stopped_early_is_accounted_for_its_planned_steps(stopped):
    privacy = stopped["privacy"]
    models = privacy["per_model"]
    assert any(m.get("steps_taken", m["steps"]) < m["steps"] for m in models)
    for m in models:
        per_epoch = round(1 / m["sample_rate"])  # steps per epoch: int(1 / q)
        assert m["steps"] == 12 * per_epoch
        planned = epsilon_spent("rdp", ((m["noise_multiplier"], m["sample_rate"], m["steps"]),),
                                m["delta"])  # fmt: skip
        assert m["epsilon"] == pytest.approx(planned)
    assert privacy["epsilon"] == pytest.approx(max(m["epsilon"] for m in models))
    assert privacy["epsilon_valid"] is True  # (the recomputed ε agrees with the recorded)

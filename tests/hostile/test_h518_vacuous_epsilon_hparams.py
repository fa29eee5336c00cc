"""TensorBoard's HParams showed a vacuous ε as a guarantee (helper 518): an explicit-σ DP run
that spent ε above `MAX_TARGET_EPSILON` (mia-train defense=dp defense.dp.target_epsilon=null
defense.dp.noise_multiplier=0.15 defense.dp.secure_mode=true: 1.8e3, results.json's
epsilon_valid true; here the fake run of σ 0.05, 1.6e4) had it in the column 'ε (DP
accountant, max over models)' beside the guarantees, and its ε curve in the chart of theirs,
though mia-report says it is no guarantee (`mia_defense.report.checks.vacuous_epsilon`). It
is in the column 'ε, no guarantee' now, as an ε that is invalid or refuted, and so is its
curve."""

from __future__ import annotations

import pytest

from mia_defense.defenses.accounting import MAX_TARGET_EPSILON
from mia_defense.report.checks import vacuous_epsilon
from mia_defense.tracking import write_json
from mia_defense.tracking.hparams import sessions_under, write_experiment
from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.loop import EpochRecord, ModelHistory
from tests.report.fake_runs import dp_payload
from tests.tracking.tb_api import TensorBoardAPI

EPS = "privacy/epsilon"
NO_GUARANTEE = "privacy/epsilon_no_guarantee"


def _run(root, sigma):
    """A DP run of noise ``sigma`` logged as mia-train logs it: its headline holds
    results.json's numeric privacy figures (epsilon_valid true among them)."""
    payload = dp_payload(root / "fake" / str(sigma), sigma, rate=0.125, steps=80, delta=1e-4)
    privacy = payload["privacy"]
    headline = {"utility/test_accuracy": 0.8, "privacy/strongest_tpr@0.1%fpr": 0.01,
                **{f"privacy/{k}": v for k, v in privacy.items()
                   if isinstance(v, int | float)}}  # fmt: skip
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.2, 0.8)],
                           epoch_stats=[{"epsilon": privacy["epsilon"]}])  # fmt: skip
    hparams = {"defense": "dp", "defense.dp.noise_multiplier": sigma}
    name = f"sigma{sigma}"
    log_run(root / name / "tb", histories=[history], attacks={}, scalars=headline,
            hparams=hparams, figures=False)  # fmt: skip
    write_json(root / name / "results.json", {"status": "complete", "hparams": hparams,
                                              "defense": {}, "headline": headline})  # fmt: skip
    return privacy


def test_a_vacuous_epsilon_is_in_the_no_guarantee_column(tmp_path):
    vacuous, sound = _run(tmp_path, 0.05), _run(tmp_path, 1.0)
    assert vacuous["epsilon"] > MAX_TARGET_EPSILON and vacuous["epsilon_valid"] is True
    assert vacuous_epsilon(vacuous) is not None and vacuous_epsilon(sound) is None
    write_experiment(tmp_path, sessions_under(tmp_path), swept=["defense.dp.noise_multiplier"])
    api = TensorBoardAPI(tmp_path)
    experiment = api.experiment()
    names = {m["name"]["tag"]: m["displayName"] for m in experiment["metricInfos"]}
    assert f"above {MAX_TARGET_EPSILON:g}" in names[NO_GUARANTEE]  # (its header says why)
    groups = api.session_groups(experiment)
    assert EPS not in groups["sigma0.05/tb"]["metrics"]
    assert groups["sigma0.05/tb"]["metrics"][NO_GUARANTEE] == pytest.approx(vacuous["epsilon"])
    assert groups["sigma1.0/tb"]["metrics"][EPS] == pytest.approx(sound["epsilon"])
    assert NO_GUARANTEE not in groups["sigma1.0/tb"]["metrics"]
    tags = TensorBoardAPI(tmp_path).tags("scalars")  # its ε curve: not in the guarantees'
    assert "defense/epsilon" not in tags["sigma0.05/tb"]
    assert "defense/epsilon_no_guarantee" in tags["sigma0.05/tb"]
    assert "defense/epsilon" in tags["sigma1.0/tb"]

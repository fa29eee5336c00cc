"""An ε its own config doubts was still a plain figure to a search and in HParams' ε column
(helper 521): a results.json above its ``target_epsilon`` without ``privacy.per_model``
(test_h511's run: σ searched for ε 8, the target then set to 2, per_model and the writer's
mark deleted) reads '(not a guarantee)' in mia-report (`epsilon_doubt`), but
``objectives(payload, ['privacy.epsilon'])`` returned 7.995 and `sessions_under` filed it
in the column 'ε (DP accountant, max over models)' beside the guarantees. Both ask the
report's rule now (`mia_defense.report.objectives.epsilon_doubted`): infinity for a search,
as for an invalid or vacuous ε, and the no-guarantee column; a run within its target reads
as before."""

from __future__ import annotations

import json
import math

import pytest

from mia_defense.report.checks import epsilon_doubt
from mia_defense.report.objectives import objective, objectives
from mia_defense.tracking.hparams import (
    EPSILON,
    EPSILON_NO_GUARANTEE,
    sessions_under,
    write_experiment,
)
from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.loop import EpochRecord, ModelHistory
from tests.hostile.test_h511_above_target_without_per_model import _write
from tests.tracking.tb_api import TensorBoardAPI


def _with_headline(run_dir, payload) -> dict:
    """``payload`` as a complete mia-train run's results.json, its headline the privacy
    block's figures (HParams reads the headline)."""
    headline = {f"privacy/{k}": v for k, v in payload["privacy"].items()
                if isinstance(v, int | float)}  # fmt: skip
    payload = {**payload, "status": "complete", "headline": headline}
    (run_dir / "results.json").write_text(json.dumps(payload))
    return payload


@pytest.mark.parametrize("maximized", [(), ("privacy.epsilon",)])
def test_a_doubted_epsilon_is_no_figure_for_a_search(tmp_path, monkeypatch, maximized):
    payload = _write(tmp_path / "run", monkeypatch, target=2.0, per_model=False)
    assert epsilon_doubt(payload) is not None and payload["privacy"]["epsilon_valid"] is True
    assert 2.0 < objective(payload, "privacy.epsilon") < math.inf  # (results.json keeps it)
    assert objectives(payload, ["privacy.epsilon"], maximized=maximized) == [math.inf]
    within = _write(tmp_path / "within", monkeypatch, target=8.0, per_model=False)
    assert epsilon_doubt(within) is None
    assert objectives(within, ["privacy.epsilon"]) == [objective(within, "privacy.epsilon")]


def test_a_gdp_run_keeps_its_rdp_bound_unless_its_config_doubts_it_otherwise():
    # an edited or older gdp run (epsilon_valid true): the approximation gives way to the
    # RDP bound beside it, but features scaled with the members' statistics void both
    config = {"defense": {"dp": {"_target_": "mia_defense.defenses.DPSGD",
                                 "accountant": "gdp"}}}  # fmt: skip
    gdp = {"privacy": {"epsilon": 8.0, "epsilon_rdp_bound": 8.9, "accountant": "gdp"},
           "config": config}  # fmt: skip
    assert objectives(gdp, ["privacy.epsilon"]) == [8.9]
    scaled = {**gdp, "config": {**config, "dataset": {"standardize": True}}}
    assert epsilon_doubt(scaled).startswith("accountant gdp")  # (mia-report's first reason)
    assert objectives(scaled, ["privacy.epsilon"]) == [math.inf]
    unbounded = {**gdp, "privacy": {"epsilon": 8.0, "accountant": "gdp"}}
    assert objectives(unbounded, ["privacy.epsilon"]) == [math.inf]


def test_a_doubted_epsilon_is_in_the_no_guarantee_column(tmp_path, monkeypatch):
    runs = {}
    for name, target in (("doubted", 2.0), ("within", 8.0)):
        (tmp_path / name).mkdir()
        payload = _write(tmp_path / name, monkeypatch, target=target, per_model=False)
        runs[name] = _with_headline(tmp_path / name, payload)
    sessions = {s.name: s.metrics for s in sessions_under(tmp_path)}
    epsilon = runs["doubted"]["privacy"]["epsilon"]
    assert EPSILON not in sessions["doubted"]
    assert sessions["doubted"][EPSILON_NO_GUARANTEE] == pytest.approx(epsilon)
    assert EPSILON_NO_GUARANTEE not in sessions["within"]
    assert sessions["within"][EPSILON] == pytest.approx(runs["within"]["privacy"]["epsilon"])


def test_the_no_guarantee_column_says_a_doubted_epsilon_is_there(tmp_path, monkeypatch):
    (tmp_path / "doubted").mkdir()
    payload = _write(tmp_path / "doubted", monkeypatch, target=2.0, per_model=False)
    _with_headline(tmp_path / "doubted", payload)
    write_experiment(tmp_path, sessions_under(tmp_path), swept=["defense.dp.target_epsilon"])
    experiment = TensorBoardAPI(tmp_path).experiment()
    names = {m["name"]["tag"]: m["displayName"] for m in experiment["metricInfos"]}
    assert "doubted by its config" in names[EPSILON_NO_GUARANTEE]  # (its header says why)


@pytest.mark.parametrize("doubted", [True, False])
def test_log_run_files_a_doubted_epsilon_and_its_curve_apart(tmp_path, doubted):
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.2, 0.8)],
                           epoch_stats=[{"epsilon": 7.99}])  # fmt: skip
    log_run(tmp_path / "run" / "tb", histories=[history], attacks={},
            scalars={"privacy/epsilon": 7.99, "privacy/epsilon_valid": 1.0},
            hparams={"defense": "dp"}, figures=False, epsilon_doubted=doubted)  # fmt: skip
    tags = TensorBoardAPI(tmp_path).tags("scalars")["run/tb"]
    assert (EPSILON_NO_GUARANTEE in tags) is doubted and (EPSILON in tags) is not doubted
    assert ("defense/epsilon_no_guarantee" in tags) is doubted

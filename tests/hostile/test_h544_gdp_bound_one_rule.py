"""A run of the gdp accountant was one thing to a search and another to HParams (helper
544): `objectives(payload, ['privacy.epsilon'])` gave its RDP upper bound
(``privacy.epsilon_rdp_bound``, README: "under defense.dp.accountant=gdp ... it is the RDP
upper bound when larger"), while HParams filed the gdp approximation under 'ε, no
guarantee' (results.json's ``epsilon_valid`` false, for gdp alone). Both ask
`report.objectives.standing_epsilon` now: where gdp alone makes the ε invalid, the bound
stands in as the run's guarantee in the ε column too; beside another reason, neither has
one. The per-epoch curve (the approximation's) stays in the no-guarantee chart."""

from __future__ import annotations

import math
from urllib.parse import quote

from mia_defense.defenses.accounting import _gdp_reason
from mia_defense.report.objectives import objectives
from mia_defense.tracking.hparams import EPSILON, EPSILON_NO_GUARANTEE, comparison_metrics
from mia_defense.tracking.tensorboard import log_run
from mia_defense.training.loop import EpochRecord, ModelHistory
from tests.tracking.tb_api import TensorBoardAPI

_CONFIG = {"defense": {"dp": {"_target_": "mia_defense.defenses.DPSGD", "accountant": "gdp"}}}


def _gdp(reason: str = "") -> dict:
    """A gdp run's results.json as mia-train writes it (ε 8.0, its RDP bound 8.9), with
    ``reason`` before the gdp accountant's in ``epsilon_invalid_reason``."""
    privacy = {"epsilon": 8.0, "epsilon_rdp_bound": 8.9, "accountant": "gdp",
               "epsilon_valid": False, "epsilon_refuted": False,
               "epsilon_invalid_reason": "; ".join(filter(None, [reason, _gdp_reason(8.9)]))}
    return {"privacy": privacy, "config": _CONFIG}  # fmt: skip


def _headline(payload) -> dict:
    return {f"privacy/{k}": v for k, v in payload["privacy"].items()
            if isinstance(v, int | float)}  # fmt: skip


def test_the_rdp_bound_stands_in_for_gdp_alone_in_both():
    payload = _gdp()
    assert objectives(payload, ["privacy.epsilon"]) == [8.9]
    metrics = comparison_metrics(_headline(payload), privacy=payload["privacy"])
    assert metrics == {EPSILON: 8.9}


def test_gdp_beside_another_reason_is_no_guarantee_in_both():
    payload = _gdp("defense.dp.poisson_sampling=false: shuffled batches")
    assert objectives(payload, ["privacy.epsilon"]) == [math.inf]
    metrics = comparison_metrics(_headline(payload), privacy=payload["privacy"])
    assert metrics == {EPSILON_NO_GUARANTEE: 8.0}


def test_log_run_writes_the_bound_and_keeps_the_curve_apart(tmp_path):
    payload = _gdp()
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.2, 0.8)],
                           epoch_stats=[{"epsilon": 8.0}])  # fmt: skip
    log_run(tmp_path / "tb", histories=[history], attacks={}, scalars=_headline(payload),
            hparams={"defense": "dp"}, figures=False,
            epsilon_privacy=payload["privacy"])  # fmt: skip
    api = TensorBoardAPI(tmp_path)
    tags = api.tags("scalars")["tb"]
    assert EPSILON in tags and EPSILON_NO_GUARANTEE not in tags
    assert "defense/epsilon_no_guarantee" in tags and "defense/epsilon" not in tags
    [point] = api.get(f"/data/plugin/scalars/scalars?run=tb&tag={quote(EPSILON)}")
    assert math.isclose(point[2], 8.9, rel_tol=1e-6)


def test_the_epsilon_column_says_a_gdp_run_is_there_by_its_bound():
    from mia_defense.tracking.hparams import _display_name

    assert _display_name(EPSILON) == (
        "ε (DP accountant, max over models; accountant gdp: its RDP upper bound)")

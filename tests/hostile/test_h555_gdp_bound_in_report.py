"""mia-report was a third tool disagreeing on a gdp-accountant run (helper 555): a search's
objective and HParams' ε column take its RDP upper bound (``privacy.epsilon_rdp_bound``) as
its guarantee where gdp's approximation is the only reason ``epsilon_valid`` is false
(`report.objectives.standing_epsilon`, 227a7626), while mia-report's table counted the
approximation as a doubt and showed it: mia-train defense=dp defense.dp.accountant=gdp
(σ 1.0, ε 2.33, bound 3.65) was '2.33 (not a guarantee)' on its front and ``epsilon_valid
no`` in tradeoff.csv. The table asks `standing_epsilon` now: the bound, a guarantee; a run
with any other reason for none stays none, its ε shown as recorded (as HParams shows it)."""

from __future__ import annotations

import copy
import csv
import json
import logging
import math
from pathlib import Path

import pytest

from mia_defense.report import write_report
from mia_defense.report.objectives import objectives
from mia_defense.report.run_record import RunRecord
from mia_defense.report.table import summarise
from mia_defense.tracking import read_json
from mia_defense.tracking.hparams import EPSILON, EPSILON_NO_GUARANTEE, comparison_metrics
from tests.helpers import FAST

# a real gdp run, no other reason for no guarantee (dataset.standardize=true is one); an
# explicit σ spares the gdp calibration
_GDP = ["defense=dp", "defense.dp.accountant=gdp", "defense.dp.target_epsilon=null",
        "defense.dp.noise_multiplier=1.0", "dataset.standardize=false", "plan.num_models=2",
        *FAST]  # fmt: skip
_SHUFFLED = ("defense.dp.poisson_sampling=false: the models trained on shuffled batches, "
             "not the Poisson sampling the accountant analyses")  # fmt: skip


@pytest.fixture(scope="module")
def gdp_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sweep folder holding ``gdp``, a finished run of the gdp accountant. Read-only."""
    from mia_defense.cli.build import run
    from tests.conftest import compose_cfg

    sweep = tmp_path_factory.mktemp("h555")
    logging.getLogger("mia_defense").setLevel(logging.ERROR)  # (the tiny run's warnings)
    try:
        run(compose_cfg(*_GDP), sweep / "gdp")
    finally:
        logging.getLogger("mia_defense").setLevel(logging.NOTSET)
    return sweep


def _verdicts(payload: dict) -> tuple[tuple[float, bool], float, dict[str, float]]:
    """(ε, guarantee) of mia-report's table, a search's objective, HParams' ε columns."""
    (summary,) = summarise([RunRecord(path=Path("gdp"), name="gdp", payload=payload)])
    headline = {f"privacy/{k}": payload["privacy"][k]
                for k in ("epsilon", "epsilon_valid", "epsilon_refuted")}  # fmt: skip
    return ((summary.epsilon, summary.epsilon_valid),
            objectives(payload, ["privacy.epsilon"])[0],
            comparison_metrics(headline, privacy=payload["privacy"]))  # fmt: skip


def test_mia_report_shows_a_gdp_runs_rdp_bound_as_its_guarantee(gdp_sweep, tmp_path):
    privacy = read_json(gdp_sweep / "gdp" / "results.json")["privacy"]
    bound = privacy["epsilon_rdp_bound"]
    assert privacy["epsilon_valid"] is False and bound > privacy["epsilon"]
    report = write_report([gdp_sweep], out_dir=tmp_path / "out", tensorboard=False,
                          charts=False)  # fmt: skip
    [group] = report.groups
    assert (group.epsilon, group.epsilon_valid) == (bound, True)
    front = (tmp_path / "out" / "README.md").read_text()
    row = next(line for line in front.splitlines() if line.startswith("| 1 | `gdp`"))
    assert row.endswith(f"| {bound:.3g} |") and "not a guarantee" not in row
    assert f"{privacy['epsilon']:.3g} (not a guarantee)" not in front
    with (tmp_path / "out" / "runs.csv").open(encoding="utf-8") as handle:
        [line] = csv.DictReader(handle)
    assert (float(line["epsilon"]), line["epsilon_valid"]) == (bound, "yes")


def test_the_table_a_search_and_hparams_agree_on_the_real_run(gdp_sweep):
    payload = read_json(gdp_sweep / "gdp" / "results.json")
    bound = payload["privacy"]["epsilon_rdp_bound"]
    assert _verdicts(payload) == ((bound, True), bound, {EPSILON: bound})


def _edited(payload: dict, **privacy) -> dict:
    edited = copy.deepcopy(payload)
    edited["privacy"].update(privacy)
    return json.loads(json.dumps(edited))


def test_any_other_reason_leaves_no_guarantee_in_all_three(gdp_sweep):
    payload = read_json(gdp_sweep / "gdp" / "results.json")
    privacy = payload["privacy"]
    recorded, reason = privacy["epsilon"], privacy["epsilon_invalid_reason"]
    for edited in (
        _edited(payload, epsilon_invalid_reason=f"{_SHUFFLED}; {reason}"),
        _edited(payload, epsilon_refuted=True),
        _edited(payload, epsilon_rdp_bound=None),  # (no bound: an older file)
    ):
        assert _verdicts(edited) == ((recorded, False), math.inf,
                                     {EPSILON_NO_GUARANTEE: recorded})  # fmt: skip


def test_a_bound_below_the_approximation_leaves_the_approximation(gdp_sweep):
    payload = read_json(gdp_sweep / "gdp" / "results.json")
    recorded = payload["privacy"]["epsilon"]
    lower = _edited(payload, epsilon_rdp_bound=recorded / 2)
    assert _verdicts(lower) == ((recorded, True), recorded, {EPSILON: recorded})

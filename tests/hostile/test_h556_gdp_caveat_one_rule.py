"""mia-report gave a gdp-accountant run two verdicts (helper 556): its ε column showed the
RDP upper bound (``privacy.epsilon_rdp_bound``) as the run's guarantee (35cd91a3, by
`report.objectives.standing_epsilon`), while `report.checks.notes._invalid_note` still said
'its ε 2.33 is not a guarantee (epsilon_valid false): ...' and marked the row '(read with
care)'. The caveat asks `standing_epsilon` now: where gdp's approximation is the only
reason and its bound stands, no caveat (the front's ε header says a gdp row holds its RDP
bound); any other reason keeps it. Also: payload.py's refusal of a non-text
``privacy.no_verdict_reason`` ends as every edited-file refusal does (`doubt.edited`)."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pytest

from mia_defense.report import write_report
from mia_defense.report.checks import caveats, payload_problem, reasons_said_below, run_end_lines
from mia_defense.tracking import read_json, write_json
from tests.hostile.test_h555_gdp_bound_in_report import gdp_sweep  # noqa: F401 (a fixture)
from tests.report.fake_runs import dp_payload, make_run

_SIGMA, _RATE, _STEPS, _DELTA = 1.0, 0.125, 80, 1e-4
_SHUFFLED = ("defense.dp.poisson_sampling=false: the models trained on shuffled batches, "
             "not the Poisson sampling the accountant analyses")  # fmt: skip
NO_GUARANTEE = "is not a guarantee (epsilon_valid false)"


def _gdp_run(run_dir: Path, **privacy) -> dict:
    """A hand-made gdp run (σ 1.0: ε 6.03, RDP bound 7.70) as mia-train records one, with
    ``privacy`` edits; written to ``run_dir``."""
    from mia_defense.defenses.accounting import _gdp_reason, schedule_epsilon

    with warnings.catch_warnings():  # (Opacus: gdp is experimental; said once)
        warnings.simplefilter("ignore", UserWarning)
        gdp = schedule_epsilon("gdp", _SIGMA, _RATE, _STEPS, _DELTA)
    bound = schedule_epsilon("rdp", _SIGMA, _RATE, _STEPS, _DELTA)
    payload = dp_payload(run_dir, _SIGMA, rate=_RATE, steps=_STEPS, delta=_DELTA,
                         dp={"accountant": "gdp"})  # fmt: skip
    for model in payload["privacy"]["per_model"]:
        model.update(epsilon=gdp, accountant="gdp")
    payload["privacy"].update({
        "epsilon": gdp, "accountant": "gdp", "epsilon_valid": False,
        "epsilon_rdp_bound": bound, "epsilon_invalid_reason": _gdp_reason(bound),
        "epsilon_refuted": False, "outputs_saturated": None, **privacy})  # fmt: skip
    payload.update(data_duplicates=0)
    write_json(run_dir / "results.json", payload)
    return payload


def _front_row(tmp_path: Path, run: str) -> str:
    write_report([tmp_path / "sweep"], out_dir=tmp_path / "out", tensorboard=False,
                 charts=False)  # fmt: skip
    front = (tmp_path / "out" / "README.md").read_text()
    return next(line for line in front.splitlines() if line.startswith(f"| 1 | `{run}`"))


def test_a_gdp_run_by_its_bound_is_not_read_with_care(tmp_path):
    payload = _gdp_run(tmp_path / "sweep" / "gdp")
    bound = payload["privacy"]["epsilon_rdp_bound"]
    assert caveats(payload) == []
    row = _front_row(tmp_path, "gdp")
    assert "(read with care)" not in row and row.endswith(f"| {bound:.3g} |"), row
    # mia-train's end of run: no READ WITH CARE on its ε; the table keeps the reason's
    # line (it names the bound), as a plain one
    assert not [line for line in run_end_lines(payload) if "ε" in line]
    assert "epsilon_invalid_reason" not in reasons_said_below(payload["privacy"])


@pytest.mark.parametrize("edit", ["another reason", "refuted", "no bound", "vacuous bound"])
def test_any_other_reason_keeps_the_caveat_and_the_mark(tmp_path, edit):
    from mia_defense.defenses.accounting import _gdp_reason

    privacy = {
        "another reason": lambda: {"epsilon_invalid_reason": f"{_SHUFFLED}; {_gdp_reason(7.7)}"},
        "refuted": lambda: {"epsilon_refuted": True, "epsilon_refuted_reason": "a bound of 9"},
        "no bound": lambda: {"epsilon_rdp_bound": None},
        "vacuous bound": lambda: {"epsilon_rdp_bound": 5000.0},
    }[edit]()
    payload = _gdp_run(tmp_path / "sweep" / "gdp", **privacy)
    recorded = payload["privacy"]["epsilon"]
    said = [note for note in caveats(payload) if NO_GUARANTEE in note]
    assert said and said[0].startswith(f"its ε {recorded:.3g} "), caveats(payload)
    assert "epsilon_invalid_reason" in reasons_said_below(payload["privacy"])
    row = _front_row(tmp_path, "gdp")
    assert "(read with care)" in row and f"{recorded:.3g} (not a guarantee)" in row, row


def test_the_real_gdp_runs_caveats_say_nothing_of_its_epsilon(gdp_sweep):  # noqa: F811
    payload = read_json(gdp_sweep / "gdp" / "results.json")
    assert payload["privacy"]["epsilon_valid"] is False
    assert not [note for note in caveats(payload) if "ε" in note.split(":")[0]]
    edited = copy.deepcopy(payload)
    reason = edited["privacy"]["epsilon_invalid_reason"]
    edited["privacy"]["epsilon_invalid_reason"] = f"{_SHUFFLED}; {reason}"
    assert any(NO_GUARANTEE in note for note in caveats(edited))


def test_the_front_header_says_a_gdp_row_holds_its_bound(tmp_path):
    _gdp_run(tmp_path / "sweep" / "gdp")
    write_report([tmp_path / "sweep"], out_dir=tmp_path / "out", tensorboard=False,
                 charts=False)  # fmt: skip
    front = (tmp_path / "out" / "README.md").read_text()
    assert "| ε (accountant gdp: its RDP upper bound) |" in front


def test_a_front_without_an_epsilon_keeps_the_bare_header(tmp_path):
    make_run(tmp_path / "sweep" / "plain", test_accuracy=0.9, signal=0.5)
    write_report([tmp_path / "sweep"], out_dir=tmp_path / "out", tensorboard=False,
                 charts=False)  # fmt: skip
    front = (tmp_path / "out" / "README.md").read_text()
    assert "| AUC [95% CI] | ε |" in front and "gdp" not in front


def test_a_front_of_rdp_runs_only_keeps_the_bare_header(tmp_path):
    """The gdp words head a front only where one of its rows holds a gdp run: on a front of
    rdp runs they read as if its ε were a bound of another accountant's."""
    dp_payload(tmp_path / "sweep" / "rdp", _SIGMA, rate=_RATE, steps=_STEPS, delta=_DELTA)
    row = _front_row(tmp_path, "rdp")
    front = (tmp_path / "out" / "README.md").read_text()
    assert "| AUC [95% CI] | ε |" in front and "gdp" not in front, front
    assert "(not a guarantee)" not in row, row


def test_a_non_text_no_verdict_reason_ends_as_every_edited_file(tmp_path):
    payload = _gdp_run(tmp_path / "gdp", no_verdict_reason=True)
    problem = payload_problem(payload)
    assert problem is not None and problem.startswith("privacy.no_verdict_reason is ")
    assert problem.endswith("and null where they could: the file was edited; rerun the run")

"""An explicit-σ DP run that spent ε above `MAX_TARGET_EPSILON` (helper 511): mia-train only
warns of it (defense.dp.noise_multiplier=0.05 spent 1.6e4 here; `_warn_meaningless_epsilon`)
and records it with epsilon_valid true, and mia-report showed it as a guarantee: 'epsilon
1.59e+04 | epsilon_valid yes' in tradeoff.md, the ε column of the front bare, no caveat; a
DP row beside guaranteed ones. Its ε is now said to be no guarantee (the table's 'no', the
front's '(not a guarantee)') and a caveat says it is vacuous, at mia-train's own limit."""

from __future__ import annotations

import json
from pathlib import Path

from mia_defense.defenses.accounting import MAX_TARGET_EPSILON
from mia_defense.report import write_report
from mia_defense.report.checks import run_end_lines
from tests.report.fake_runs import dp_payload, make_run

_RATE, _STEPS, _DELTA = 0.125, 80, 1e-4


def _report(tmp_path: Path, sigma: float):
    root = tmp_path / "sweep"
    make_run(root / "none", test_accuracy=0.9, signal=3.0)
    payload = dp_payload(root / "dp", sigma, rate=_RATE, steps=_STEPS, delta=_DELTA)
    (root / "dp" / "results.json").write_text(json.dumps(payload))
    report = write_report([root], out_dir=tmp_path / "out", charts=False, tensorboard=False)
    rows = {g.runs[0].name: g for g in report.groups}
    notes = " | ".join(note for name, note in report.caveats if name == "dp")
    return payload, rows["dp"], notes, tmp_path / "out"


def test_an_epsilon_above_the_limit_is_said_to_be_vacuous(tmp_path):
    payload, row, notes, out = _report(tmp_path, 0.05)
    epsilon = payload["privacy"]["epsilon"]
    assert epsilon > MAX_TARGET_EPSILON  # (a finite ε past the limit, recorded valid)
    assert payload["privacy"]["epsilon_valid"] is True
    assert row.epsilon == epsilon and not row.epsilon_valid
    said = (f"its ε {epsilon:.3g} is vacuous: defense.dp.noise_multiplier=0.05 spent ε above "
            f"{MAX_TARGET_EPSILON:g}, where ε guarantees nothing")
    assert said in notes, notes
    assert f"{epsilon:.3g} (not a guarantee)" in (out / "README.md").read_text()
    assert any(said in line for line in run_end_lines(payload))  # (mia-train's end says it)


def test_an_epsilon_within_the_limit_is_a_guarantee(tmp_path):
    payload, row, notes, out = _report(tmp_path, 1.0)
    assert payload["privacy"]["epsilon"] <= MAX_TARGET_EPSILON
    assert row.epsilon_valid and "vacuous" not in notes
    assert "(not a guarantee)" not in (out / "README.md").read_text()

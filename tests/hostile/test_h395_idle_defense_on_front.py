"""A run whose defense did not act (results.json's training.defenses_idle, 5860c793) was
listed by mia-report under 'Figures to read with care' alone: its table row and its place on
the Pareto front named it by the defense with nothing beside it (mia-train
defense=early_stopping plan.reference_size=300 train.epochs=8 plan.num_models=4 beside an
undefended run: '1. es ... [early_stopping]', '2. und ... [no defense]', the same figures),
read as a defense that costs nothing and protects nothing. The table now has a defense_idle
column beside the defense, and the fronts (summary and terminal) mark the family '(did not
act)' and say what that means. The run stays on the front: its figures are those of the
models it trained (not understated, as those of the runs left off the front are)."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest

from mia_defense.cli.report import _print_report
from mia_defense.report import write_report


@pytest.fixture
def runs(idle_early_stopping_runs: Path) -> Path:
    """``es``, a fast early-stopping run that never acted, and ``und``, the same undefended
    (`tests.conftest.idle_early_stopping_runs`). Read-only."""
    return idle_early_stopping_runs


def _csv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["runs"]: row for row in csv.DictReader(handle)}


def test_an_idle_defense_is_marked_beside_its_name_and_kept_on_the_front(
    runs, tmp_path, capsys
):
    report = write_report([runs], out_dir=tmp_path / "report", tensorboard=False, charts=False)

    rows = _csv(report.files["csv"])
    assert rows["es"]["defense"] == "early_stopping"
    assert rows["es"]["defense_idle"] == "early_stopping"
    assert rows["und"]["defense_idle"] == ""
    assert rows["es"]["pareto"] == "yes"  # a real point for the models it trained
    assert _csv(report.files["runs_csv"])["es"]["defense_idle"] == "early_stopping"

    summary = report.files["summary"].read_text(encoding="utf-8")
    front_rows = [line for line in summary.splitlines() if line.startswith(("| 1 |", "| 2 |"))]
    (es_row,) = [line for line in front_rows if "`es`" in line]
    assert "| early_stopping (did not act) |" in es_row
    (und_row,) = [line for line in front_rows if "`und`" in line]
    assert "did not act" not in und_row
    assert "A family marked (did not act) names a defense that did not act" in summary

    _print_report(report)
    out = capsys.readouterr().out
    (es_line,) = [line for line in out.splitlines() if line.lstrip().startswith(("1. es", "2. es"))]
    assert "[early_stopping (did not act)]" in es_line
    assert "A family marked (did not act)" in out


def test_a_row_of_seeds_says_how_many_runs_the_defense_did_not_act_in(runs, tmp_path):
    report = write_report([runs], out_dir=tmp_path / "report", tensorboard=False, charts=False)
    (group,) = [g for g in report.groups if g.defense == "early_stopping"]
    (run,) = group.runs
    assert run.defenses_idle == ("early_stopping",)
    acted = replace(run, name="es_seed1", seed=1, defenses_idle=())
    assert replace(group, runs=(run, acted)).defenses_idle == "early_stopping (1 of 2 runs)"
    assert replace(group, runs=(run, run)).defenses_idle == "early_stopping"
    assert replace(group, runs=(acted,)).defenses_idle == ""

"""A run whose defense did not act (results.json's training.defenses_idle) was marked
'(did not act)' on the report's fronts (h395) and beside its point (h402), but where its
family's name is shown elsewhere it read as the defense's own result (helper h431): two tiny
runs (early_stopping that never acted, undefended), then mia-report: tradeoff.md's family
cell 'early_stopping' (its defense_idle column further on), the chart's legend
'early_stopping' and its caption 'Drawn over one another (at or near one point):
early_stopping and no defense'. Each now says 'early_stopping (did not act)'
(`charts.family_text`, the fronts' words); the figures are kept, and tradeoff.csv's family
stays the bare name to group by."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mia_defense.report import write_report
from mia_defense.report.build import careful_rows
from mia_defense.report.charts import tradeoff_figure

MARKED = "early_stopping (did not act)"


@pytest.fixture
def report(idle_early_stopping_runs: Path, tmp_path: Path):
    """mia-report of ``es`` (early stopping that never acted) and ``und`` (undefended)
    (`tests.conftest.idle_early_stopping_runs`)."""
    return write_report([idle_early_stopping_runs], out_dir=tmp_path / "report",
                        tensorboard=False, charts=False)  # fmt: skip


def test_the_table_marks_the_family_of_an_idle_defense(report) -> None:
    lines = report.files["markdown"].read_text(encoding="utf-8").splitlines()
    headers = [c.strip() for c in next(ln for ln in lines if ln.startswith("| run |")).split("|")]
    family = headers.index("family")
    cells = {row[1]: row for row in ([c.strip() for c in ln.split("|")] for ln in lines
             if ln.startswith(("| es |", "| und |")))}  # fmt: skip
    assert cells["es"][family] == MARKED
    assert cells["und"][family] == "no defense"
    with open(report.files["csv"], newline="", encoding="utf-8") as handle:
        rows = {r["run"]: r for r in csv.DictReader(handle)}
    assert rows["es"]["family"] == "early_stopping"  # (the CSV's, to group by)
    assert rows["es"]["test_accuracy"] == rows["und"]["test_accuracy"]  # (figures kept)


def test_the_chart_names_an_idle_defense_as_such(report) -> None:
    fig = tradeoff_figure(report.groups, fronts=report.fronts, careful=careful_rows(report))
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert MARKED in labels and "early_stopping" not in labels
    caption = fig.texts[-1].get_text()
    assert f"Drawn over one another (at or near one point): {MARKED} and no defense" in caption

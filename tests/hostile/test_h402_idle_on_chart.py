"""The tradeoff charts drew the row of a run whose defense did not act (results.json's
training.defenses_idle) as a point of that defense, its legend's 'early_stopping', with only
the front number's generic '*' (which marks any caveat: an understated leak, an ε that is no
guarantee), while the report's fronts say 'early_stopping (did not act)' (two tiny runs,
early_stopping that never acted and undefended, then mia-report on the folder). The point now
says 'did not act' beside it, as a DP point says its ε '(no guarantee)'."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.report import write_report
from mia_defense.report.build import careful_rows, family_text
from mia_defense.report.charts import tradeoff_figure


@pytest.fixture
def runs(idle_early_stopping_runs: Path) -> Path:
    """``es``, a fast early-stopping run that never acted, and ``und``, the same undefended
    (`tests.conftest.idle_early_stopping_runs`). Read-only."""
    return idle_early_stopping_runs


def test_the_point_of_an_idle_defense_says_it_did_not_act(runs, tmp_path) -> None:
    report = write_report([runs], out_dir=tmp_path / "report", tensorboard=False, charts=False)
    (es,) = [i for i, g in enumerate(report.groups) if g.defense == "early_stopping"]
    assert family_text(report.groups[es]) == "early_stopping (did not act)"  # (as before)
    es_group = report.groups[es]
    where = (es_group.leak_tpr.value, es_group.test_accuracy.value)
    fig = tradeoff_figure(report.groups, fronts=report.fronts, careful=careful_rows(report))
    notes = [(t.xy, t.get_text()) for t in fig.axes[0].texts if "did not act" in t.get_text()]
    assert notes == [(where, "did not act")]

"""A run whose defense did not act (results.json's training.defenses_idle, 5860c793,
32c7547b): the '(read with care)' legend (terminal and the summary's fronts) listed why a
row is marked (understated leak, ε no guarantee, test accuracy not established) but not an
idle defense, though that caveat alone marks the row (two tiny runs, early_stopping that
never acted and undefended, then mia-report on the folder): it now says it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.cli.report import _print_report
from mia_defense.report import write_report
from mia_defense.report.build import careful_rows


@pytest.fixture
def runs(idle_early_stopping_runs: Path) -> Path:
    """``es``, a fast early-stopping run that never acted, and ``und``, the same undefended
    (`tests.conftest.idle_early_stopping_runs`). Read-only."""
    return idle_early_stopping_runs


def test_the_read_with_care_legend_names_an_idle_defense(runs, tmp_path, capsys) -> None:
    report = write_report([runs], out_dir=tmp_path / "report", tensorboard=False, charts=False)
    (es,) = [i for i, g in enumerate(report.groups) if g.defense == "early_stopping"]
    assert es in careful_rows(report)
    said = ("or its defense did not act (its models trained, or their outputs were released, "
            "as without it)")
    assert said in report.files["summary"].read_text(encoding="utf-8")
    _print_report(report)
    assert said in capsys.readouterr().out

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
from mia_defense.cli.train import run as train
from mia_defense.report import write_report
from mia_defense.report.build import careful_rows
from tests.conftest import compose_cfg
from tests.helpers import FAST, built_once


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``es``, early stopping that never acted, and ``und``, the same undefended."""
    fast = [o for o in FAST if not o.startswith("train.epochs=")]

    def build(folder: Path) -> Path:
        for name, defense in (("es", "early_stopping"), ("und", "none")):
            train(compose_cfg(*fast, "plan.reference_size=300", "train.lr=0.001",
                              f"defense={defense}"), folder / name)  # fmt: skip
        return folder

    return built_once(tmp_path_factory, "h398_idle_early_stopping", build)


def test_the_read_with_care_legend_names_an_idle_defense(runs, tmp_path, capsys) -> None:
    report = write_report([runs], out_dir=tmp_path / "report", tensorboard=False, charts=False)
    (es,) = [i for i, g in enumerate(report.groups) if g.defense == "early_stopping"]
    assert es in careful_rows(report)
    said = "or its defense did not act (its models trained as without it)"
    assert said in report.files["summary"].read_text(encoding="utf-8")
    _print_report(report)
    assert said in capsys.readouterr().out

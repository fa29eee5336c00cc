"""mia-report read a run's strongest attack's scores from scores.npz up to four times: the
check of its recorded ties, the check of its TPRs, the count of its ties for the caveats,
and its ROC curve. It reads them once per run now, and passes the arrays along (h294)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.report import scores as scores_module
from mia_defense.report.charts import runs_roc_figure
from mia_defense.report.runs import load_runs
from mia_defense.report.table import summarise
from tests.report.fake_runs import make_run, rewrite_results


@pytest.mark.parametrize("ties_recorded", [True, False])
def test_strongest_scores_read_once(tmp_path: Path, monkeypatch, ties_recorded: bool) -> None:
    payload = make_run(tmp_path / "run", test_accuracy=0.8, signal=1.0)
    strongest = payload["strongest_attack"]
    if ties_recorded:
        rewrite_results(tmp_path / "run", lambda p: p["attacks"][strongest].update(
            nonmember_top_ties=1))  # fmt: skip
    reads: list[str] = []
    read_arrays = scores_module.read_arrays

    def counted(path, names):
        reads.extend(name for name in names if name == f"scores/{strongest}")
        return read_arrays(path, names)

    monkeypatch.setattr(scores_module, "read_arrays", counted)
    loaded = load_runs([tmp_path])
    assert len(loaded.runs) == 1 and not loaded.skipped
    assert runs_roc_figure(summarise(loaded.runs), labels=["run"]) is not None
    assert reads == [f"scores/{strongest}"]

"""Study 4 (experiments/reference_models): its script end to end in tiny settings."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "experiments/reference_models"
TINY = ["plan.population_size=200", "train.epochs=1", "figures=false", "attack.bootstrap=0"]


@pytest.mark.slow  # 4 tiny runs (K=2, 4 x seeds 0, 1) and plot.py: about 10 s
def test_the_study_runs_with_overrides_of_its_sweep_into_its_root(tmp_path):
    """plan.num_models and seed given as overrides replace the study's sweep over them
    (mia-train refuses a key given twice), and the tables go into ROOT/results."""
    root = tmp_path / "refs"
    before = {p: p.stat().st_mtime_ns for p in (HERE / "results").iterdir()}
    env = {**os.environ, "BIN": str(Path(sys.executable).parent)}
    done = subprocess.run(
        ["bash", str(HERE / "run.sh"), str(root), "plan.num_models=2,4", "seed=0,1", *TINY],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(list(root.glob("*/results.json"))) == 4
    out = root / "results"
    assert (out / "tpr_vs_k.png").stat().st_size > 1000
    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["K"], r["seed"]) for r in rows] == [("2", "0"), ("2", "1"), ("4", "0"), ("4", "1")]
    for row in rows:
        for key in ("test_accuracy", "lira_online.auc", "lira_offline.tpr@0.1%fpr", "rmia.auc"):
            assert 0.0 <= float(row[key]) <= 1.0, (key, row[key])
    assert set(rows[0]) == {"K", "seed", "test_accuracy"} | {
        f"{a}.{m}" for a in ("lira_online", "lira_offline", "rmia") for m in ("auc", "tpr@0.1%fpr")
    }
    table = (out / "results.md").read_text()
    assert [line.split(" | ")[0] for line in table.splitlines()[2:4]] == ["| 2", "| 4"]
    assert "Seeds: 0, 1;" in table and "Left out" not in table
    after = {p: p.stat().st_mtime_ns for p in (HERE / "results").iterdir()}
    assert after == before  # the recorded study is left alone

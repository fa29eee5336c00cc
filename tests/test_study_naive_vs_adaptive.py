"""Study 3 (experiments/naive_vs_adaptive): its script end to end in tiny settings."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "experiments/naive_vs_adaptive"
TINY = ["plan.num_models=2", "plan.population_size=200", "train.epochs=1", "figures=false",
        "attack.bootstrap=0", "attack.queries.num_augmented=0"]  # fmt: skip


@pytest.mark.slow  # 4 tiny runs (two defenses x two recipes) and compare.py: about 10 s
def test_the_study_runs_with_overrides_into_its_root_and_tabulates_every_run(tmp_path):
    root = tmp_path / "naive"
    before = {p: p.stat().st_mtime_ns for p in (HERE / "results").iterdir()}
    env = {**os.environ, "BIN": str(Path(sys.executable).parent)}
    done = subprocess.run(
        ["bash", str(HERE / "run.sh"), str(root), "defense=[],[dp]", *TINY],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(list(root.glob("*/results.json"))) == 4
    out = root / "results"
    assert (out / "naive_vs_adaptive.png").stat().st_size > 1000
    with (out / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["defense"], r["shadow_recipe"]) for r in rows} == {
        (d, r) for d in ("none", "dp") for r in ("same", "undefended")
    }
    for row in rows:
        for key, value in row.items():
            if key in ("defense", "shadow_recipe") or key.endswith(".attack"):
                assert value and value != "-", key
            else:
                assert 0.0 <= float(value) <= 1.0, (key, value)
    table = (out / "results.md").read_text().splitlines()
    assert [line.split(" | ")[0] for line in table[2:4]] == ["| none", "| dp"]
    assert "Left out" not in "\n".join(table)  # every run made a row
    after = {p: p.stat().st_mtime_ns for p in (HERE / "results").iterdir()}
    assert after == before  # the recorded study is left alone


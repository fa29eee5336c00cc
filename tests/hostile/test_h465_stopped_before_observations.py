"""h465: ``mia-attack RUN`` of a run stopped before it wrote observations.npz (Ctrl-C while
training: results.json status 'interrupted'; 'failed') said 'no observations.npz in it; give a
finished mia-train run directory', as for a folder of no run, while the same run stopped a
moment later (observations written) was told its status and to finish it. Both now get the
second: the status results.json records and what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import LEAN_ATTACKS, mia_attack


@pytest.mark.parametrize("status", ["interrupted", "failed"])
def test_a_run_stopped_before_its_observations_is_told_its_status(tmp_path: Path,
                                                                   status: str) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "train.log").write_text("")
    (run / "results.json").write_text(json.dumps({"schema_version": 1, "status": status}))
    done = mia_attack(str(run), *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"DataError: {run / 'results.json'}: status {status!r}, not complete; finish the run "
        "first (run the same mia-train command again)")
    assert not (tmp_path / "out").exists()


def test_a_complete_run_without_observations_is_said_as_before(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.json").write_text(json.dumps({"schema_version": 1, "status": "complete"}))
    done = mia_attack(str(run), *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"DataError: {run}: no observations.npz in it; give a finished mia-train run directory "
        "(for a sweep, one of its run folders) or an observations .npz")

"""The check that results.json's config trained the run's models read the fingerprint of
checkpoints/model_0000.pt alone: with that one file deleted (or made a link to a copy of
itself), a results.json whose config.train.lr was edited after the run was ranked by
mia-report and attacked by mia-attack under the edited config (found by h564). It reads the
first checkpoint the folder holds now, the one whose sha256 `checkpoint_mismatch` checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mia_defense.report import load_runs
from mia_defense.tracking.artifacts import config_mismatch
from tests.report.fake_runs import rewrite_results


def _first_made_a_link(run: Path, tmp_path: Path) -> None:
    first = run / "checkpoints" / "model_0000.pt"
    copy = tmp_path / "elsewhere.pt"
    shutil.copyfile(first, copy)
    first.unlink()
    first.symlink_to(copy)


@pytest.mark.parametrize("first", ["deleted", "a link"])
def test_an_edited_config_is_caught_without_the_first_checkpoint(fast_run, tmp_path, first):
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    if first == "deleted":
        (run / "checkpoints" / "model_0000.pt").unlink()
    else:
        _first_made_a_link(run, tmp_path)
    assert [r.name for r in load_runs([run]).runs] == ["run"]  # (unedited: ranked)
    payload = rewrite_results(run, lambda p: p["config"]["train"].update(lr=0.5))
    assert config_mismatch(run, payload) is not None
    loaded = load_runs([run])
    assert loaded.runs == []
    name = "model_0001.pt" if first == "deleted" else "model_0000.pt"
    assert f"the one that trained the run's models: checkpoints/{name}, the file" in dict(
        loaded.skipped)[run]

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


def test_a_held_checkpoint_without_its_digest_is_skipped_as_mia_attack_refuses_it(
        fast_run, tmp_path):  # fmt: skip
    """Every checkpoint's digest deleted, and the config edited: mia-attack refused the run
    (3cac4b36), mia-report ranked it under the edited config (one rule now: digests_problem)."""
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))

    def edit(payload):
        for name in [n for n in payload["sha256"] if n.startswith("checkpoints/")]:
            del payload["sha256"][name]
        payload["config"]["train"]["lr"] = 0.5

    rewrite_results(run, edit)
    loaded = load_runs([run])
    assert loaded.runs == []
    assert dict(loaded.skipped)[run].startswith(
        "results.json's sha256 records no digest of checkpoints/model_0000.pt, which the run "
        "folder holds")

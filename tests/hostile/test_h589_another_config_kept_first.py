"""h589: a finished run of another config in the run folder (mia-train hydra.run.dir=X
seed=1, where X holds a complete run of seed=0) was refused ending 'Run in a new directory
(...), or delete that directory yourself to replace it': the way that keeps the run moved
aside was not offered, and a user wanting this config's run there deleted the other's.
Said now as a run made by other code is (7cf8832e, `run_dir.keep_or_discard`): the ways
that keep it first (a new directory, or mv X X.old), deletion last."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.tracking import SCHEMA_VERSION, write_json
from mia_defense.tracking.run_dir import another_config, finished_run

CONFIG = {"seed": 0, "model": {"_target_": "mia_defense.models.MLP"}}


def _kept_first(said: str, run, new_dir: str) -> None:
    assert (f"nothing was changed. To keep that run: run in a new directory ({new_dir}), or "
            f"move it aside (mv {run} {run}.old) and run the same command again; to discard "
            "it, delete that directory yourself, then run the same command again") in said, said
    assert said.index("mv ") < said.index("delete")


def test_a_finished_run_of_another_config_is_kept_first_deleted_last(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    write_json(run / "results.json", {"schema_version": SCHEMA_VERSION, "status": "complete",
                                      "config": CONFIG})
    with pytest.raises(ConfigError) as refused:
        finished_run(run, config={**CONFIG, "seed": 1}, data_fingerprint=None)
    said = str(refused.value)
    assert said.startswith(f"{run} holds a complete run of another config (seed: 0 -> 1)"), said
    _kept_first(said, run, "hydra.run.dir=... or a new hydra.sweep.dir")


def test_the_launchers_refusal_names_its_own_keys(tmp_path):
    """mia-train's refusal before Hydra appends to that run's train.log (cli.run_dirs)."""
    said = another_config(tmp_path, "interrupted", ["seed: 0 -> 1"], new_dir="hydra.run.dir=...")
    assert said.startswith(f"{tmp_path} holds an interrupted run of another config"), said
    _kept_first(said, tmp_path, "hydra.run.dir=...")

"""h585: a complete run of this config made by other code (mia-train hydra.run.dir=X after
an upgrade, or an edit of a model's file) was refused ending 'Run in a new directory ..., or
delete that directory yourself to run it again': a user wanting this code's figures in X
deleted the finished run, whose figures are the only ones of the old code. The way that
keeps it comes first now: a new directory, or the old one moved aside (mv X X.old), then
the same command; deletion last."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.tracking import SCHEMA_VERSION, write_json
from mia_defense.tracking.run_dir import finished_run


def test_a_run_of_other_code_is_kept_first_deleted_last(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    config = {"seed": 0, "model": {"_target_": "mia_defense.models.MLP"}}
    write_json(run / "results.json", {"schema_version": SCHEMA_VERSION, "status": "complete",
                                      "config": config, "versions": {"code": "0" * 64}})
    with pytest.raises(ConfigError) as refused:
        finished_run(run, config=config, data_fingerprint=None)
    said = str(refused.value)
    assert (f"nothing was changed. To keep that run: run in a new directory (hydra.run.dir=... "
            f"or a new hydra.sweep.dir), or move it aside (mv {run} {run}.old) and run the same "
            "command again; to discard it, delete that directory yourself, then run the same "
            "command again") in said, said  # fmt: skip
    assert said.index("mv ") < said.index("delete")

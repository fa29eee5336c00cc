"""h596: a killed run of another config in the run folder (mia-train hydra.run.dir=X seed=1,
where X holds a run of seed=0 that reads 'running' while no process holds its lock) was
refused ending 'Resume it with its own settings ..., run in a new directory (...), or
delete that directory yourself to replace it': the way that keeps the run moved aside was
not offered (40fb49a2 offers it for a finished run). Said now as for a finished run
(`run_dir.keep_or_discard`), after the resume: the ways that keep it, deletion last."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.tracking import SCHEMA_VERSION, write_json
from mia_defense.tracking.run_dir import LOCK, another_config, finished_run
from tests.hostile._locks import gone_pid, line_of

CONFIG = {"seed": 0, "model": {"_target_": "mia_defense.models.MLP"}}


def _killed(run):
    """``run`` holding a run of `CONFIG` whose writer (a gone pid of this host) was killed."""
    run.mkdir()
    write_json(run / "results.json", {"schema_version": SCHEMA_VERSION, "status": "running",
                                      "config": CONFIG})
    (run / LOCK).write_text(f"{line_of(gone_pid())}\n")  # (no process holds it)
    return run


def _resumed_then_kept(said: str, run, new_dir: str) -> None:
    assert "holds a killed run of another config (seed: 0 -> 1)" in said, said
    assert ("nothing was changed. Resume it with its own settings (those left of each '->') "
            "and the same directory. To keep that run: run in a new directory "
            f"({new_dir}), or move it aside (mv {run} {run}.old) and run the same command "
            "again; to discard it, delete that directory yourself, then run the same command "
            "again") in said, said
    assert said.index("Resume") < said.index("mv ") < said.index("delete")


def test_a_killed_run_of_another_config_is_resumed_or_kept_first(tmp_path):
    run = _killed(tmp_path / "run")
    with pytest.raises(ConfigError) as refused:
        finished_run(run, config={**CONFIG, "seed": 1}, data_fingerprint=None)
    _resumed_then_kept(str(refused.value), run, "hydra.run.dir=... or a new hydra.sweep.dir")


def test_the_launchers_refusal_of_a_killed_run_names_its_own_keys(tmp_path):
    """mia-train's refusal before Hydra appends to that run's train.log (cli.run_dirs)."""
    run = _killed(tmp_path / "run")
    said = another_config(run, "running", ["seed: 0 -> 1"], new_dir="hydra.run.dir=...")
    _resumed_then_kept(said, run, "hydra.run.dir=...")

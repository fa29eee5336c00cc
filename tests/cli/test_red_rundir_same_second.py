"""Two mia-train started in the same second with the default run directory
(outputs/<date>/<time>): both got the same folder; the second was refused as 'in use' by
the first (a directory it never chose) and its log lines went into the first run's
train.log (or, a little later, it was refused as 'another config', or skipped the first's
finished run as its own). A directory named by the clock is now claimed by one process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import DictConfig, OmegaConf


def claim_timestamped_dir(config: DictConfig, key: str):
    from mia_defense.cli.run_dirs import claim_timestamped_dir as claim

    return claim(config, key)


def _config(tmp_path: Path, run_dir: str) -> DictConfig:
    return OmegaConf.create({"hydra": {"run": {"dir": run_dir}, "sweep": {"dir": run_dir},
                                      "overrides": {"hydra": []}}})  # fmt: skip


@pytest.fixture
def clock():
    """Hydra's ``now`` resolver, stopped at 12:00:00 for the test."""
    from hydra.core.utils import setup_globals

    OmegaConf.register_new_resolver("now", lambda pattern: "12-00-00", replace=True)
    yield
    setup_globals()


def test_a_clock_named_run_dir_taken_by_another_run_gets_a_new_name(tmp_path, clock):
    taken = tmp_path / "12-00-00"
    taken.mkdir()
    (taken / "train.log").write_text("the first run's log\n")
    cfg = _config(tmp_path, f"{tmp_path}/${{now:%H-%M-%S}}")
    with claim_timestamped_dir(cfg, "hydra.run.dir") as claimed:
        assert claimed
    assert cfg.hydra.run.dir == f"{taken}-2" and Path(f"{taken}-2").is_dir()
    assert (taken / "train.log").read_text() == "the first run's log\n"
    again = _config(tmp_path, f"{tmp_path}/${{now:%H-%M-%S}}")
    with claim_timestamped_dir(again, "hydra.run.dir") as claimed:
        assert claimed
    assert again.hydra.run.dir == f"{taken}-3"


def test_a_sweep_dir_named_by_the_clock_is_claimed_for_its_jobs_too(tmp_path, clock):
    (tmp_path / "12-00-00").mkdir()
    cfg = _config(tmp_path, f"{tmp_path}/${{now:%H-%M-%S}}")
    with claim_timestamped_dir(cfg, "hydra.sweep.dir") as claimed:
        assert claimed
    assert cfg.hydra.sweep.dir == f"{tmp_path}/12-00-00-2"
    assert list(cfg.hydra.overrides.hydra) == [f"hydra.sweep.dir='{tmp_path}/12-00-00-2'"]


def test_a_refused_run_leaves_no_folder_behind(tmp_path, clock):
    cfg = _config(tmp_path, f"{tmp_path}/outputs/${{now:%H-%M-%S}}")
    with pytest.raises(SystemExit), claim_timestamped_dir(cfg, "hydra.run.dir"):
        assert (tmp_path / "outputs" / "12-00-00").is_dir()
        raise SystemExit(2)
    assert list(tmp_path.iterdir()) == []


def test_a_directory_the_user_named_is_left_as_named(tmp_path):
    """A resume names its directory: it must get that one, taken or not."""
    (tmp_path / "run").mkdir()
    cfg = _config(tmp_path, str(tmp_path / "run"))
    with claim_timestamped_dir(cfg, "hydra.run.dir") as claimed:
        assert not claimed
    assert cfg.hydra.run.dir == str(tmp_path / "run")


def test_a_daily_folder_is_shared_on_purpose(tmp_path, clock):
    (tmp_path / "12-00-00").mkdir()
    cfg = _config(tmp_path, f"{tmp_path}/${{now:%Y-%m-%d}}")
    with claim_timestamped_dir(cfg, "hydra.sweep.dir") as claimed:
        assert not claimed
    assert cfg.hydra.sweep.dir == f"{tmp_path}/12-00-00"


@pytest.mark.slow  # two tiny mia-train at once, about 8 s
def test_two_runs_started_together_keep_apart(tmp_path):
    command = [sys.executable, "-m", "mia_defense.cli.train", "plan.num_models=2",
               "train.epochs=1", "figures=false", "progress=false",
               "hydra.run.dir=outputs/${now:%H-%M-%S}"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    procs = [subprocess.Popen([*command, f"seed={seed}"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for seed in (0, 1)]  # fmt: skip
    outs = [p.communicate(timeout=120)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    folders = sorted(path.name for path in (tmp_path / "outputs").iterdir())
    assert len(folders) == 2  # (the same second, as a rule: then the second is NAME-2)
    for folder in folders:
        log = (tmp_path / "outputs" / folder / "train.log").read_text()
        assert log.count("plan: population") == 1 and "ERROR" not in log

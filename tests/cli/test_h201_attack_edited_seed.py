"""mia-attack on a run whose results.json ``seed`` was edited (or removed) beside an
untouched config: the run's checkpoints and config agreed, so the edit passed; the run was
attacked with the edited seed and the new record said ``config.seed`` 5 (or 0) of models
trained under seed 1. The seed must be config.seed's, or the run is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from threadpoolctl import threadpool_limits

from mia_defense.cli import attack as attack_cli
from mia_defense.cli.build import run as train_run
from mia_defense.constraints import hydra_quoted
from mia_defense.errors import DataError
from mia_defense.tracking import read_json, write_json
from tests.helpers import FAST, built_once


def _compose(config: str, overrides: list[str]):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose(config, overrides=overrides)


def _trained(folder: Path) -> Path:
    with threadpool_limits(1):
        train_run(_compose("config", [*FAST, "plan.num_models=4", "plan.population_size=200",
                                      "progress=false", "seed=1"]), folder / "run")  # fmt: skip
    return folder / "run"


@pytest.fixture(scope="module")
def seed_one_run(tmp_path_factory) -> Path:
    return built_once(tmp_path_factory, "h201_seed_one_run", _trained)


def _attack(source: Path, out: Path):
    cfg = _compose(attack_cli.CONFIG_NAME, [f"source={hydra_quoted(str(source))}",
                                            "progress=false", *FAST[1:]])  # fmt: skip
    with threadpool_limits(1):
        return attack_cli.run(cfg, out)


@pytest.mark.parametrize("edit", ["changed", "removed"])
def test_a_seed_edited_beside_the_config_is_refused(seed_one_run, tmp_path, edit):
    run = tmp_path / "run"
    shutil.copytree(seed_one_run, run)
    results = read_json(run / "results.json")
    assert results["seed"] == results["config"]["seed"] == 1
    if edit == "changed":
        results["seed"] = 5
    else:
        del results["seed"]
    write_json(run / "results.json", results)
    said = "seed is 5" if edit == "changed" else "seed is missing"
    with pytest.raises(DataError, match=f"{said}.*but config.seed, with which the run "
                                        "trained its models, is 1"):  # fmt: skip
        _attack(run, tmp_path / "out")
    assert not (tmp_path / "out" / "results.json").exists()


def test_the_runs_own_seed_is_attacked_and_recorded(seed_one_run, tmp_path):
    result = _attack(seed_one_run, tmp_path / "out")
    assert result is not None
    record = read_json(tmp_path / "out" / "results.json")
    assert record["seed"] == record["config"]["seed"] == 1

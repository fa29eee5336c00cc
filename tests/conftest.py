"""Shared fixtures: the real Hydra config, composed and shrunk for tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_module
from omegaconf import DictConfig

from mia_defense.config import register_configs
from tests.helpers import mia_train

torch.set_num_threads(1)
register_configs()

TINY = [
    "plan.num_models=4",
    "plan.population_size=300",
    "train.epochs=3",
    "train.lr=0.01",
    "progress=false",
]


@pytest.fixture
def make_cfg() -> Callable[..., DictConfig]:
    """Compose the packaged config with the given overrides (after the tiny defaults)."""

    def _compose(*overrides: str, tiny: bool = True) -> DictConfig:
        with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
            return compose("config", overrides=[*(TINY if tiny else []), *overrides])

    return _compose


@pytest.fixture(scope="session")
def optuna_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished two-trial Optuna search of tiny runs (``hparams_search=optuna_tradeoff``),
    run once through `mia-train -m` for the tests that read it; its directory is
    ``optuna`` under the folder it was started from. Read-only."""
    cwd = tmp_path_factory.mktemp("optuna")
    done = mia_train(
        "-m", "hparams_search=optuna_tradeoff", "plan.num_models=2", "plan.population_size=200",
        "attack.bootstrap=0", "progress=false", "hydra.sweeper.n_trials=2",
        "hydra.sweeper.n_jobs=1", "train.epochs=int(interval(1,2))", "hydra.sweep.dir=optuna",
        cwd=cwd,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return cwd / "optuna"

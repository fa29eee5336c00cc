"""`load_trained_model`: a model of a finished run, rebuilt from its checkpoint and the
config in results.json, gives back the run's observations (issue 18, point 10)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

import mia_defense.data
from mia_defense.cli.build import run
from mia_defense.data import load_digits
from mia_defense.errors import ConfigError, DataError
from mia_defense.tracking.trained_model import load_trained_model
from tests.helpers import built_once
from tests.test_bad_inputs import FAST  # tiny and quick: no bootstrap, queries or Shokri

RUN = ["plan.num_models=2", "plan.population_size=200", "defense=weight_decay",
       "attack.shadow_recipe=undefended"]  # fmt: skip


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """One complete tiny run with target and undefended shadow checkpoints (read only)."""
    from hydra import compose, initialize_config_module

    from tests.conftest import TINY

    def build(run_dir: Path) -> Path:
        with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
            run(compose("config", overrides=[*TINY, *FAST, *RUN]), run_dir)
        return run_dir

    return built_once(tmp_path_factory, "load_trained_model_finished", build)


@pytest.fixture
def copy(finished, tmp_path) -> Path:
    return Path(shutil.copytree(finished, tmp_path / "run"))


def _log_probs(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return torch.log_softmax(model(torch.as_tensor(x)), dim=-1).numpy()


def test_the_rebuilt_models_reproduce_the_runs_observations(finished):
    with np.load(finished / "observations.npz") as obs:
        log_probs, population = obs["log_probs"], obs["population_idx"]
    x = load_digits().x[population]
    outputs = [_log_probs(load_trained_model(finished, k), x) for k in range(2)]
    for k in range(2):
        np.testing.assert_allclose(outputs[k], log_probs[k], atol=1e-5)
    assert not np.allclose(outputs[0], log_probs[1], atol=1e-3)  # index k is row k
    model = load_trained_model(finished, 0)
    assert not model.training and next(model.parameters()).device.type == "cpu"


def test_undefended_shadows_and_a_given_dataset(finished):
    digits = load_digits()
    target = load_trained_model(finished, 1, dataset=digits)
    shadow = load_trained_model(finished, 1, undefended=True, dataset=digits)
    assert not np.allclose(_log_probs(target, digits.x[:50]), _log_probs(shadow, digits.x[:50]))


def test_recorded_input_shape_and_classes_spare_loading_the_data(copy, monkeypatch):
    def never(**_: object) -> None:
        raise AssertionError("the dataset was loaded")

    never.__module__ = "mia_defense.data.sklearn_datasets"  # as the loader it stands for
    monkeypatch.setattr(mia_defense.data, "load_digits", never)
    results = json.loads((copy / "results.json").read_text())
    assert (results["input_shape"], results["num_classes"]) == ([64], 10)  # recorded by runs
    assert load_trained_model(copy, 0)(torch.zeros(3, 64)).shape == (3, 10)
    # A results.json without them (older runs) needs the data to learn them.
    del results["input_shape"], results["num_classes"]
    (copy / "results.json").write_text(json.dumps(results))
    with pytest.raises(ConfigError, match=r"(?s)results.json config.dataset: cannot build it now "
                       r"\(.*the dataset was loaded"):
        load_trained_model(copy, 0)  # (the error a user sees when the data file is gone)


@pytest.mark.parametrize(
    ("edit", "error", "message"),
    [
        (lambda d: (d / "checkpoints" / "model_0001.pt").unlink(), DataError,
         r"model_0001.pt: no checkpoint of model 1 \(the run's status: complete\); it was "
         r"deleted or moved"),
        (lambda d: (d / "checkpoints" / "model_0001.pt").write_bytes(b"not a checkpoint"),
         DataError, r"model_0001.pt is corrupt or not a mia-defense checkpoint"),
        (lambda d: (d / "results.json").unlink(), DataError, r"results.json: file not found"),
        (lambda d: (d / "results.json").write_text(
            (d / "results.json").read_text().replace('"seed": 0', '"seed": 5')),
         DataError, r"trained with a different config or on different data"),
    ],
    ids=["missing", "corrupt", "no-results", "other-config"],
)  # fmt: skip
def test_a_missing_or_foreign_checkpoint_is_refused_clearly(copy, edit, error, message):
    edit(copy)
    with pytest.raises(error, match=message):
        load_trained_model(copy, 1)


@pytest.mark.parametrize("index", [2, -1, 1.0])
def test_an_index_outside_the_run_names_the_models_it_has(finished, index):
    with pytest.raises(ConfigError, match=rf"index={index!r}: the run in .* has models 0..1"):
        load_trained_model(finished, index)


def test_a_received_run_whose_config_names_a_forbidden_target_is_refused_before_building(
    copy, tmp_path
):
    # a forged run directory: its model is shutil.copy, which building the model would call
    results = json.loads((copy / "results.json").read_text())
    stolen = tmp_path / "stolen"
    results["config"]["model"] = {"_target_": "shutil.copy", "src": str(copy / "results.json"),
                                  "dst": str(stolen)}  # fmt: skip
    (copy / "results.json").write_text(json.dumps(results))
    with pytest.raises(ConfigError, match=r"results.json config: model._target_='shutil.copy'"):
        load_trained_model(copy, 0)
    assert not stolen.exists()


def test_a_checkpoint_copied_over_another_models_is_refused_not_loaded_as_it(copy):
    folder = copy / "checkpoints"
    shutil.copyfile(folder / "model_0001.pt", folder / "model_0000.pt")
    with pytest.raises(DataError, match=r"model_0000.pt holds model 1, not model 0: the"):
        load_trained_model(copy, 0)
    assert load_trained_model(copy, 1) is not None  # its own file still loads

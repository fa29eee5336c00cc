"""Red-team cases of `load_trained_model` on a run directory received from someone else."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import torch

from mia_defense.code_digest import code_digest
from mia_defense.errors import ConfigError
from mia_defense.run_fingerprint import config_fingerprint
from mia_defense.tracking.trained_model import _refuse_unbuildable_targets, load_trained_model


def _forge(run: Path, model: dict) -> None:
    """What a sender controls: results.json's config, and a checkpoint whose fingerprint and
    recorded sha256 match it."""
    results = json.loads((run / "results.json").read_text())
    config = {**results["config"], "model": model}
    code = code_digest(config)
    results["config"], results["versions"]["code"] = config, code
    path = run / "checkpoints" / "model_0000.pt"
    payload = torch.load(path, weights_only=True)
    payload["fingerprint"] = config_fingerprint(config, data=results.get("data_fingerprint"),
                                                code=code)  # fmt: skip
    torch.save(payload, path)
    results["sha256"]["checkpoints/model_0000.pt"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (run / "results.json").write_text(json.dumps(results))


def test_a_received_run_naming_a_function_as_its_model_runs_nothing(fast_run, tmp_path):
    # torch.utils.collect_env.run (no standard library name) ran the config's shell command
    # when load_trained_model built the model, then failed: "returned tuple, not a Module"
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    marker = tmp_path / "ran"
    _forge(run, {"_target_": "torch.utils.collect_env.run", "command": f"touch {marker}"})
    # (refused by the _target_ policy now, h314: torch's code but torch.nn and torch.optim)
    message = r"model._target_='torch.utils.collect_env.run': not a dataset, model"
    with pytest.raises(ConfigError, match=message):
        load_trained_model(run, 0)
    assert not marker.exists()


@pytest.mark.parametrize(("config", "message"), [
    ({"model": {"_target_": "mia_defense.tracking.artifacts.write_json", "path": "/x"}},
     r"model._target_='mia_defense.tracking.artifacts.write_json' is not a torch.nn.Module"),
    ({"model": {"_target_": "mia_defense.models.MLP",
                "act": {"_target_": "torch.utils.collect_env.run", "command": "true"}}},
     r"model.act._target_='torch.utils.collect_env.run' is not a torch.nn.Module"),
    ({"model": {"_target_": "mia_defense.models.MLP"},
      "defense": {"x": {"_target_": "torch.utils.collect_env.run", "command": "true"}}},
     r"defense.x._target_='torch.utils.collect_env.run' is not a TrainingDefense or "
     r"torch.nn.Module class"),
])  # fmt: skip
def test_only_module_and_defense_classes_are_built_from_a_received_config(config, message):
    with pytest.raises(ConfigError, match=message):
        _refuse_unbuildable_targets(config, where="results.json config", dataset=False)


def test_the_packaged_models_defenses_and_loaders_pass():
    config = {"model": {"_target_": "mia_defense.models.MLP", "hidden": [8]},
              "defense": {"dp": {"_target_": "mia_defense.defenses.DPSGD"},
                          "wd": {"_target_": "mia_defense.defenses.WeightDecay"}},
              "dataset": {"_target_": "mia_defense.data.load_digits"}}  # fmt: skip
    _refuse_unbuildable_targets(config, where="results.json config", dataset=True)
    with pytest.raises(ConfigError, match=r"dataset._target_='tests.x.load' is not one of "
                       r"mia-defense's dataset loaders; pass the dataset yourself"):  # fmt: skip
        _refuse_unbuildable_targets({**config, "dataset": {"_target_": "tests.x.load"}},
                                    where="results.json config", dataset=True)


def test_a_received_input_shape_larger_than_the_checkpoint_is_refused_unallocated(fast_run,
                                                                                   tmp_path):
    # input_shape [10**8] built an MLP of 1.28e10 weights (51 GB) before the shapes were
    # compared with the checkpoint's; it is counted on the meta device first
    from mia_defense.errors import DataError

    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    results = json.loads((run / "results.json").read_text())
    results["input_shape"] = [10**8]
    (run / "results.json").write_text(json.dumps(results))
    with pytest.raises(DataError, match=r"model_0000.pt does not fit the model of its "
                       r"results.json: the config builds a model of \d{11} values"):  # fmt: skip
        load_trained_model(run, 0)

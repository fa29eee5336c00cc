"""Bad inputs a user can give: each stops with the documented error type and message.

Configs (stopped before any model is trained), checkpoints, result directories and the
console script. Data-file cases (CIFAR, IDX, CSV, NPZ, Purchase/Texas) live in
tests/data/test_loaders.py and are not repeated here.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_module
from hydra.errors import ConfigCompositionException, MissingConfigException

from mia_defense.cli.report import main as report_main
from mia_defense.cli.train import run
from mia_defense.errors import ConfigError, DataError
from mia_defense.run_fingerprint import config_fingerprint
from mia_defense.tracking import SCHEMA_VERSION, load_npz, read_json, write_json, write_npz
from mia_defense.tracking.run_dir import finished_run
from mia_defense.training.checkpoints import (
    checkpoint_path,
    load_checkpoint,
    save_checkpoint,
)
from tests.helpers import FAST, mia_train
from tests.report.fake_runs import make_run

# -- configs: (overrides, error type, message) ---------------------------------------------

CONFIG_CASES = [
    (["attack.fprs=[0.0]"], ConfigError,
     r"attack.fprs=\[0.0\]: must be a non-empty list of numbers in \(0, 1\)"),
    (["attack.fprs=[0.1,1.5]"], ConfigError,
     r"attack.fprs=\[0.1, 1.5\]: must be a non-empty list of numbers in \(0, 1\)"),
    (["attack.fprs=[0.1,0.01,0.1]"], ConfigError,
     r"attack.fprs=\[0.1, 0.01, 0.1\]: lists 0.1 more than once; give each once"),
    (["defense=dp", "defense.dp.target_epsilon=0"], ConfigError,
     r"defense.dp.target_epsilon=0: must be > 0"),
    (["defense=dp", "defense.dp.target_epsilon=-2"], ConfigError,
     r"defense.dp.target_epsilon=-2: must be > 0"),
    (["defense=dp", "defense.dp.delta=1.0"], ConfigError,
     r"defense.dp.delta=1.0: must lie in \(0, 1\)"),
    (["defense=dp", "defense.dp.max_grad_norm=0"], ConfigError,
     r"defense.dp.max_grad_norm=0: must be > 0"),
    (["release=topk", "release.k=11"], ConfigError,
     r"release.k=11: larger than the dataset's 10 classes; choose k in \[1, 10\]"),
    (["release=topk", "release.k=0"], ConfigError, r"release.k=0: must be >= 1"),
    (["release=noise", "release.distribution=cauchy"], ConfigError,
     r"release.distribution='cauchy': choose from \('gaussian', 'laplace'\)"),
    (["release=temperature", "release.temperature=0"], ConfigError,
     r"release.temperature=0: must be > 0"),
    (["train.batch_size=500"], ConfigError,
     r"train.batch_size=500 is larger than the smallest member set \(\d+ samples\); lower it"),
    (["train.epochs=0"], ConfigError, r"train.epochs=0: must be an integer >= 1"),
    (["train.epochs=abc"], ConfigError, r"train.epochs='abc': must be an integer >= 1"),
    (["train.eval_every=0"], ConfigError, r"train.eval_every=0: must be an integer >= 1"),
    (["train.threads=-1"], ConfigError,
     r"train.threads=-1: must be an integer >= 0 \(0: all usable cores\)"),
    (["train.lr=-0.1"], ConfigError, r"train.lr=-0.1: must be a finite number > 0"),
    (["train.optimizer=rmsprop"], ConfigError,
     r"train.optimizer='rmsprop': must be one of 'adam', 'sgd'"),
    (["train.device=tpu"], ConfigError,
     r"train.device='tpu': must be one of 'cpu', 'cuda', 'auto'"),
    (["+train.foo=1"], ConfigError,
     r"\+train.foo=1: unknown key 'foo' in train; valid keys: epochs, batch_size"),
    (["attack.num_targets=0"], ConfigError,
     r"attack.num_targets=0: must be an integer >= 1 or null"),
    (["attack.num_targets=5"], ConfigError,
     r"attack.num_targets=5: must lie in \[1, 4\] \(plan.num_models\)"),
    (["plan.num_models=1"], ConfigError, r"plan.num_models=1: must be an even integer in \[2, "),
    (["plan.num_models=3"], ConfigError, r"plan.num_models=3: must be an even integer in \[2, "),
    (["plan.num_models=two"], ConfigError, r"plan.num_models='two': must be an even integer"),
    (["plan.population_size=5000"], ConfigError, r"too few samples for the plan"),
    (["attack.attacks.lira_online.fixed_variance=false"], ConfigError,
     r"attack.attacks.lira_online: lira fixed_variance=false needs at least 2 IN and 2 OUT "
     r"reference models .* plan.num_models=4 leaves 1; raise plan.num_models \(>= 6\)"),
    (["attack.attacks.rmia.a=2"], ConfigError,
     r"attack.attacks.rmia: attack rmia a=2: must lie in"),
    (["attack.attacks.confidence.signal=accuracy"], ConfigError,
     r"attack.attacks.confidence: attack signal='accuracy': unexpected signal, choose from"),
    (["attack.attacks.loss._target_=nowhere.loss_attack"], ConfigError,
     r"attack.attacks.loss._target_='nowhere.loss_attack': cannot import it \(Error loading "
     r"'nowhere.loss_attack'.*\); point it at an importable class or function"),
    (["attack.bootstrap=-1"], ConfigError,
     r"attack.bootstrap=-1: must be an integer in \[0, 100000\]"),
    (["attack.confidence=1.5"], ConfigError,
     r"attack.confidence=1.5: must be a number in \(0, 1\)"),
    (["attack.shadow_recipe=naive"], ConfigError,
     r"attack.shadow_recipe='naive': must be one of 'same', 'undefended'"),
    (["attack.canaries.num=4", "attack.canaries.kind=poisoned"], ConfigError,
     r"attack.canaries.kind='poisoned': must be one of 'mislabeled', 'outlier'"),
    (["attack.queries.num_augmented=-1"], ConfigError,
     r"attack.queries.num_augmented=-1: must be an integer >= 0"),
    (["seed=abc"], ConfigError, r"seed='abc': must be an integer >= 0 \(.*e.g. seed=0\)"),
    (["defense=dropout", "defense.dropout.p=1.5"], ConfigError,
     r"defense.dropout.p=1.5: must lie in \[0, 1\)"),
    (["dataset=npz"], ConfigError,
     r"dataset.path=\?\?\?: a required value is missing; set it, e.g. dataset.path=..."),
    (["dataset=npz", "dataset.path=/no/such/file.npz"], DataError,
     r"dataset 'npz': /no/such/file.npz does not exist; set dataset.path to an .npz file"),
]


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    CONFIG_CASES,
    ids=[" ".join(case[0]) for case in CONFIG_CASES],
)
def test_bad_config_stops_before_training(make_cfg, tmp_path, overrides, error, message):
    cfg = make_cfg(*FAST, *overrides)
    with pytest.raises(error, match=message):
        run(cfg, tmp_path)
    assert not (tmp_path / "checkpoints").exists(), "the run trained before refusing"


# -- configs refused by Hydra at composition (its message names the key or the options) ----
# (Wrong types compose and are reported by check_config, every problem at once.)

COMPOSE_CASES = [
    (["plan.foo=1"], ConfigCompositionException, r"Could not override 'plan.foo'"),
    (["defense=bagging"], MissingConfigException,
     r"Could not find 'defense/bagging'.*Available options in 'defense':.*\bdp\b"),
    (["release=blur"], MissingConfigException,
     r"Could not find 'release/blur'.*Available options in 'release':.*\btopk\b"),
    (["dataset=imagenet"], MissingConfigException,
     r"Could not find 'dataset/imagenet'.*Available options in 'dataset':.*\bcifar10\b"),
    (["model=transformer"], MissingConfigException,
     r"Could not find 'model/transformer'.*Available options in 'model':.*\bmlp\b"),
]


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    COMPOSE_CASES,
    ids=[" ".join(case[0]) for case in COMPOSE_CASES],
)
def test_bad_override_is_refused_at_composition(overrides, error, message):
    with pytest.raises(error) as caught:
        with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
            compose("config", overrides=overrides)
    chain = f"{caught.value} {caught.value.__cause__ or ''}"  # Hydra prints both
    assert re.search(message, chain, flags=re.S), chain


# -- the console script: one line, exit code 2, no traceback --------------------------------


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (["attack.fprs=[2.0]"],
         "ConfigError: attack.fprs=[2.0]: must be a non-empty list of numbers in (0, 1)"),
        (["dataset=csv", "dataset.path=/no/such.csv", "dataset.label_column=y"],
         "DataError: dataset 'csv': /no/such.csv does not exist"),
    ],
)  # fmt: skip
def test_mia_train_prints_one_line_and_exits_2(tmp_path, monkeypatch, overrides, line):
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    # in this process (tests.helpers.mia_train): the same entry point, without a start-up
    completed = mia_train(*FAST, *overrides, "progress=false", f"hydra.run.dir={tmp_path / 'run'}",
                          cwd=tmp_path)  # fmt: skip
    assert completed.returncode == 2, completed.stderr[-2000:]
    output = completed.stdout + completed.stderr
    assert line in output
    assert "Traceback" not in output
    assert [text for text in output.splitlines() if "Error:" in text] == [
        text for text in output.splitlines() if line in text
    ]


# -- checkpoints ----------------------------------------------------------------------------


def _checkpoint(tmp_path: Path) -> Path:
    path = checkpoint_path(tmp_path / "checkpoints", 0)
    save_checkpoint(path, {"state_dict": {"w": torch.zeros(2)}, "history": {}, "fingerprint": "x"})
    return path


def test_corrupt_checkpoint_names_the_file_and_says_to_delete_it(tmp_path):
    path = _checkpoint(tmp_path)
    path.write_bytes(b"\x00garbage, not a zip archive")
    with pytest.raises(DataError, match=rf"checkpoint {path} is corrupt or not a mia-defense "
                       r"checkpoint .*; delete it to retrain that model"):
        load_checkpoint(path)


def test_truncated_checkpoint_is_corrupt(tmp_path):
    path = _checkpoint(tmp_path)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(DataError, match=rf"checkpoint {path} is corrupt.*delete it"):
        load_checkpoint(path)


def test_checkpoint_without_state_dict(tmp_path):
    path = tmp_path / "model_0000.pt"
    torch.save({"weights": torch.zeros(1)}, path)
    with pytest.raises(DataError, match=rf"checkpoint {path} lacks 'state_dict'.*; delete it"):
        load_checkpoint(path)


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (self.marker, "w"))


def test_checkpoint_with_code_is_refused_and_not_run(tmp_path):
    marker, path = tmp_path / "pwned", tmp_path / "model_0000.pt"
    torch.save({"state_dict": {}, "payload": _Evil(marker)}, path)
    with pytest.raises(DataError, match=r"is corrupt or not a mia-defense checkpoint "
                       r"\(UnpicklingError\)"):
        load_checkpoint(path)
    assert not marker.exists()


def test_corrupt_checkpoint_in_a_run_stops_it_naming_the_file(make_cfg, tmp_path):
    cfg = make_cfg(*FAST)
    run(cfg, tmp_path)
    path = checkpoint_path(tmp_path / "checkpoints", 1)
    path.write_bytes(b"nope")
    with pytest.raises(DataError, match=rf"checkpoint {path} is corrupt.*delete it to retrain"):
        run(cfg, tmp_path)


# -- checkpoints of another config are not reused ------------------------------------------


@pytest.mark.parametrize("engine", ["stacked", "opacus"])
def test_checkpoints_of_a_changed_config_are_refused(make_cfg, tmp_path, engine):
    run(make_cfg(*FAST, f"train.engine={engine}"), tmp_path)
    (tmp_path / "results.json").unlink()  # as if killed before the end
    stamp = checkpoint_path(tmp_path / "checkpoints", 0).stat().st_mtime_ns
    changed = make_cfg(*FAST, f"train.engine={engine}", "train.lr=0.05")
    with pytest.raises(DataError, match=rf"checkpoints in {tmp_path / 'checkpoints'} were "
                       r"trained with a different config .*; delete .*checkpoints to retrain, "
                       r"or run in a new directory \(hydra.run.dir=..."):
        run(changed, tmp_path)
    assert checkpoint_path(tmp_path / "checkpoints", 0).stat().st_mtime_ns == stamp
    assert not (tmp_path / "results.json").exists()


def test_checkpoints_half_trained_by_other_code_are_refused(make_cfg, tmp_path, monkeypatch):
    # an interrupted run resumed after an upgrade, or after an edit of your own model's file,
    # would have finished the old code's models with the new code and reported them as its own
    import mia_defense.experiment as experiment_module

    cfg = make_cfg(*FAST)
    run(cfg, tmp_path)
    (tmp_path / "results.json").unlink()  # as if killed before the end
    stamp = checkpoint_path(tmp_path / "checkpoints", 0).stat().st_mtime_ns
    monkeypatch.setattr(experiment_module, "code_digest", lambda config: "1" * 64)
    with pytest.raises(DataError, match=r"trained with a different config .*or the code "
                       r"changed: .*delete .*checkpoints to retrain"):
        run(cfg, tmp_path)
    assert checkpoint_path(tmp_path / "checkpoints", 0).stat().st_mtime_ns == stamp
    monkeypatch.undo()
    run(cfg, tmp_path)  # the same code resumes them
    assert checkpoint_path(tmp_path / "checkpoints", 0).stat().st_mtime_ns == stamp


def test_same_config_resumes_and_neutral_settings_do_not_count(make_cfg, tmp_path):
    cfg = make_cfg(*FAST)
    run(cfg, tmp_path)
    first = read_json(tmp_path / "results.json")["utility"]
    # chunk_size only bounds memory: the saved models are still the right ones
    assert run(make_cfg(*FAST, "train.chunk_size=1"), tmp_path).utility == first
    base = config_fingerprint(dict(read_json(tmp_path / "results.json")["config"]))
    changed = {**read_json(tmp_path / "results.json")["config"], "seed": 1}
    assert base is not None and config_fingerprint(changed) != base
    canaries = read_json(tmp_path / "results.json")["config"]
    canaries["attack"]["canaries"]["num"] = 8
    assert config_fingerprint(canaries) != base
    assert config_fingerprint({}) is None


def test_checkpoint_without_fingerprint_is_refused_when_one_is_expected(tmp_path):
    path = tmp_path / "model_0000.pt"
    torch.save({"state_dict": {}, "history": {}}, path)
    with pytest.raises(DataError, match=r"model_0000.pt lacks 'fingerprint'; delete it"):
        load_checkpoint(path, fingerprint="abc")


# -- result directories --------------------------------------------------------------------


def test_truncated_results_json(tmp_path):
    path = tmp_path / "results.json"
    path.write_text('{"status": "compl')
    with pytest.raises(DataError, match=rf"{path}: not valid JSON .*the run was probably "
                       r"interrupted"):
        read_json(path)


def test_results_json_that_is_not_an_object(tmp_path):
    path = tmp_path / "results.json"
    write_json(path, [1, 2])  # type: ignore[arg-type]
    with pytest.raises(DataError, match=rf"{path}: expected a JSON object, got list"):
        read_json(path)


def test_missing_results_json(tmp_path):
    with pytest.raises(DataError, match=rf"{tmp_path / 'results.json'}: file not found"):
        read_json(tmp_path / "results.json")


def test_corrupt_observations_npz(tmp_path):
    path = tmp_path / "observations.npz"
    write_npz(path, masks=np.zeros((2, 4), bool))
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(DataError, match=rf"{path}: corrupt or not an .npz archive of plain arrays"):
        load_npz(path)


def test_scores_npz_with_pickled_objects_is_refused(tmp_path):
    marker, path = tmp_path / "pwned", tmp_path / "scores.npz"
    np.savez(path, targets=np.array([_Evil(marker)], dtype=object))
    with pytest.raises(DataError, match=rf"{path}: corrupt or not an .npz archive.*allow_pickle"):
        load_npz(path)
    assert not marker.exists()


def test_corrupt_results_json_in_a_resumed_sweep_is_run_again(tmp_path, caplog):
    path = tmp_path / "results.json"
    path.write_bytes(b"\x89 binary junk")
    assert finished_run(tmp_path, config={"seed": 0}, data_fingerprint=None) is None
    assert f"{path}: not valid JSON" in caplog.text and "running it again" in caplog.text
    # kept beside the run, never replaced by the run written again (nor a second time)
    assert not path.exists()
    assert (tmp_path / "results.json.unreadable").read_bytes() == b"\x89 binary junk"
    path.write_bytes(b"{ again")
    assert finished_run(tmp_path, config={"seed": 0}, data_fingerprint=None) is None
    assert (tmp_path / "results.json.unreadable-1").read_bytes() == b"{ again"
    assert "kept as results.json.unreadable-1" in caplog.text


def test_a_finished_run_made_by_other_code_is_not_passed_off_as_this_codes(tmp_path):
    # a resumed sweep skips finished runs: one made before an upgrade or an edit of your own
    # model's file would have been read back as if this code had made it
    from mia_defense.code_digest import code_digest

    config = {"seed": 0, "model": {"_target_": "mia_defense.models.MLP"}}
    payload = {"schema_version": SCHEMA_VERSION, "status": "complete", "config": config,
               "versions": {"code": "0" * 64}}
    write_json(tmp_path / "results.json", payload)
    with pytest.raises(ConfigError, match=r"holds a complete run of this config made by other "
                       r"code .*code digest 000000000000, now [0-9a-f]{12}\).*nothing was "
                       r"changed"):
        finished_run(tmp_path, config=config, data_fingerprint=None)
    write_json(tmp_path / "results.json", {**payload, "versions": {"code": code_digest(config)}})
    assert finished_run(tmp_path, config=config, data_fingerprint=None)["status"] == "complete"
    # results written before the digest was recorded cannot tell: read back as before
    write_json(tmp_path / "results.json", {**payload, "versions": {}})
    assert finished_run(tmp_path, config=config, data_fingerprint=None) is not None


def test_report_skips_a_corrupt_run_and_says_why(tmp_path, capsys):
    make_run(tmp_path / "good", test_accuracy=0.8, signal=1.0)
    make_run(tmp_path / "broken", test_accuracy=0.7, signal=0.5, seed=1)
    (tmp_path / "broken" / "results.json").write_text("[1, 2")
    assert report_main([str(tmp_path), "--no-tensorboard", "--no-charts"]) == 0
    assert "1 run reported, 1 skipped" in capsys.readouterr().out
    summary = (tmp_path / "report" / "README.md").read_text()
    assert "broken" in summary and "not valid JSON" in summary


def test_report_names_a_corrupt_scores_file(tmp_path, caplog, monkeypatch):
    import mia_defense.report.build as build

    make_run(tmp_path / "a", test_accuracy=0.8, signal=1.0)
    make_run(tmp_path / "b", test_accuracy=0.7, signal=0.5, seed=1)
    (tmp_path / "a" / "scores.npz").write_bytes(pickle.dumps("not an npz"))
    # the charts drawn (the ROC chart reads scores.npz), not rendered to PNG (most of the time)
    monkeypatch.setattr(build, "save_figure", lambda fig, path: path.write_bytes(b"") or b"")
    assert report_main([str(tmp_path), "--no-tensorboard"]) == 0
    assert f"{tmp_path / 'a' / 'scores.npz'}: corrupt or not an .npz archive" in caplog.text


def test_report_of_a_directory_without_runs_exits_2(tmp_path, capsys):
    assert report_main([str(tmp_path), "--no-tensorboard", "--no-charts"]) == 2
    err = capsys.readouterr().err
    assert f"mia-report: {tmp_path}: no finished run to rank" in err

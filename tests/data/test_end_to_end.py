"""File datasets and image models through the real config and entry point."""

from __future__ import annotations

import pytest
from hydra.errors import InstantiationException

from mia_defense.cli.train import run
from mia_defense.errors import ConfigError, DataError
from mia_defense.tracking import read_json
from tests.data.files import write_cifar_python, write_mnist
from tests.helpers import LEAN_ATTACKS, overridden

SMALL = ["plan.num_models=2", "plan.population_size=80", "train.epochs=4", "train.batch_size=16",
         "model.channels=[4,8]", "model.hidden=16"]


def test_cifar10_python_batches_with_the_cnn(make_cfg, tmp_path):
    folder = write_cifar_python(tmp_path / "cifar-10-batches-py", n_train=100, n_test=40)
    cfg = make_cfg("dataset=cifar10", f"dataset.path={folder}", "model=cnn", *SMALL)
    result = run(cfg, tmp_path / "run")
    payload = read_json(tmp_path / "run" / "results.json")
    assert payload["dataset"] == "cifar10" and payload["test_size"] == 60
    assert payload["config"]["dataset"]["path"] == str(folder)
    assert 0.0 <= result.attacks["lira_online"]["auc"] <= 1.0
    assert result.utility["test_accuracy"] > 0.2  # brightness encodes the class: above 0.1 chance


def test_mnist_gzip_with_the_resnet(make_cfg, tmp_path):
    folder = write_mnist(tmp_path / "mnist", n_train=90, n_test=30, gz=True)
    # the attack extras on images are cifar10's test above; here the file and the ResNet (one
    # epoch: nothing here reads what it learned)
    cfg = make_cfg("dataset=mnist", f"dataset.path={folder}", "model=resnet", "model.depth=8",
                   *overridden(SMALL[:4], "train.epochs=1"), *LEAN_ATTACKS)
    result = run(cfg, tmp_path / "run")
    assert result.utility["test_accuracy"] >= 0.0
    assert (tmp_path / "run" / "observations.npz").exists()


def test_file_errors_surface_before_training(make_cfg, tmp_path):
    folder = write_cifar_python(tmp_path / "cifar-10-batches-py", n_train=20, n_test=10)
    cfg = make_cfg("dataset=cifar10", f"dataset.path={tmp_path / 'missing'}", "model=cnn")
    # Hydra's instantiate wraps the loader's DataError; the message and the cause are ours
    with pytest.raises((DataError, InstantiationException), match="missing does not exist") as err:
        run(cfg, tmp_path / "run")
    assert isinstance(err.value, DataError) or isinstance(err.value.__cause__, DataError)
    cfg = make_cfg("dataset=cifar10", f"dataset.path={folder}", "model=cnn")
    with pytest.raises(ConfigError, match=r"too few samples for the plan.*30 samples in dataset "
                       r"'cifar10' \(from .*cifar-10-batches-py\)"):
        run(cfg, tmp_path / "run")
    assert not (tmp_path / "run" / "checkpoints").exists()

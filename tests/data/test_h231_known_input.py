"""The input shape and classes the config check builds a model on (`_known_input`) came from a
table in config.py that repeated what the loaders know; it now reads the loader module's
``known_input``. Each must be what the loader gives once the data is loaded."""

from __future__ import annotations

import pytest
from hydra.utils import instantiate

from mia_defense.config_stack import _known_input
from tests.data.files import write_cifar_binary, write_cifar_python


@pytest.mark.parametrize("overrides", [
    ("dataset=digits",),
    ("dataset=digits_images",),
    ("dataset=breast_cancer",),
    ("dataset=purchase_like", "dataset.num_samples=60", "dataset.num_features=12",
     "dataset.num_classes=3", "dataset.basket_size=4"),
    ("dataset=texas_like", "dataset.num_samples=60", "dataset.num_features=32",
     "dataset.num_classes=4", "dataset.codes_per_class=4"),
])  # fmt: skip
def test_the_known_input_is_the_loaded_datas(make_cfg, overrides):
    cfg = make_cfg(*overrides)
    data = instantiate(cfg.dataset)
    assert _known_input(cfg) == (tuple(data.x.shape[1:]), data.num_classes)


@pytest.mark.parametrize(("name", "cifar100", "labels"), [
    ("cifar10", False, None), ("cifar100", True, "fine"), ("cifar100", True, "coarse"),
])  # fmt: skip
@pytest.mark.parametrize("write", [write_cifar_python, write_cifar_binary])
def test_the_known_input_of_cifar_is_the_loaded_images(make_cfg, tmp_path, name, cifar100,
                                                       labels, write):
    folder = tmp_path / "cifar"
    write(folder, cifar100=cifar100)
    extra = () if labels is None else (f"dataset.labels={labels}",)
    cfg = make_cfg(f"dataset={name}", f"dataset.path={folder}", *extra)
    data = instantiate(cfg.dataset)
    assert _known_input(cfg) == (tuple(data.x.shape[1:]), data.num_classes)


def test_a_users_npz_has_no_known_input(make_cfg):
    assert _known_input(make_cfg("dataset=npz", "dataset.path=/nowhere.npz")) is None

"""dataset.max_samples of -1, 0 or 1 passed every loader's setting check (check_count only
asks for an integer, though its message says '>= 2') and was refused only by subsample, as a
DataError, after the whole file was read; the config check (the loaders' check_*_source)
let it through, so mia-train made the run directory first. Each loader now refuses it with
the settings, before it opens the file: a file that is not there is not reached."""

import pytest

from mia_defense.data import (
    load_cifar10,
    load_csv,
    load_mnist,
    load_npz,
    load_purchase100,
    load_texas100,
)
from mia_defense.data.checks import subsample
from mia_defense.data.idx import check_mnist_source
from mia_defense.data.tabular import check_npz_source
from mia_defense.errors import ConfigError

LOADERS = [
    lambda path, m: load_csv(path=path / "d.csv", label_column="y", max_samples=m),
    lambda path, m: load_npz(path=path / "d.npz", max_samples=m),
    lambda path, m: load_purchase100(path=path / "dataset_purchase", max_samples=m),
    lambda path, m: load_texas100(path=path / "t.npz", max_samples=m),
    lambda path, m: load_cifar10(path=path / "cifar", max_samples=m),
    lambda path, m: load_mnist(path=path / "mnist", max_samples=m),
]


@pytest.mark.parametrize("size", [-1, 0, 1])
@pytest.mark.parametrize("load", LOADERS)
def test_a_max_samples_below_two_is_refused_before_the_file(tmp_path, load, size):
    # (none of the files exists: the setting is refused before the path is looked at)
    with pytest.raises(ConfigError, match=rf"dataset\.max_samples={size}: must be >= 2 "
                                          r"\(or null for all\)"):
        load(tmp_path, size)


@pytest.mark.parametrize("check", [
    lambda path: check_npz_source(path=path / "d.npz", max_samples=0),
    lambda path: check_mnist_source(path=path, max_samples=1),
])
def test_the_config_checks_refuse_it_too(tmp_path, check):
    with pytest.raises(ConfigError, match=r"dataset\.max_samples=[01]: must be >= 2"):
        check(tmp_path)


def test_subsample_keeps_its_rule_and_a_valid_size():
    import numpy as np

    x, y = np.zeros((10, 2), np.float32), np.arange(10) % 2
    with pytest.raises(ConfigError, match=r"dataset\.max_samples=1: must be >= 2"):
        subsample(x, y, max_samples=1, seed=0, name="d")
    assert len(subsample(x, y, max_samples=4, seed=0, name="d")[1]) == 4
    assert len(subsample(x, y, max_samples=50, seed=0, name="d")[1]) == 10

"""A dataset.seed that is no seed (-1, 2.5, True, '3') passed the file loaders' setting
checks and was refused only by finish_dataset, after the whole file had been read; the
config check (check_*_source) took it too, so mia-train made the run directory, loaded the
data and then stopped (the generated datasets refused it before). Each file loader and its
source check now refuse it with the other settings, before the file is opened."""

import numpy as np
import pytest

from mia_defense.data import (
    load_cifar100,
    load_csv,
    load_fashion_mnist,
    load_npz,
    load_purchase100,
    load_texas100,
)
from mia_defense.data.cifar import check_cifar10_source
from mia_defense.data.csv_file import check_csv_source
from mia_defense.data.idx import check_mnist_source
from mia_defense.data.tabular import (
    check_npz_source,
    check_purchase100_source,
    check_texas100_source,
)
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir

# (none of the files exists: the seed is refused before the path is looked at)
CALLS = [
    lambda p, s: load_csv(path=p / "d.csv", label_column="y", seed=s),
    lambda p, s: load_npz(path=p / "d.npz", seed=s),
    lambda p, s: load_purchase100(path=p / "dataset_purchase", seed=s),
    lambda p, s: load_texas100(path=p / "t.npz", seed=s),
    lambda p, s: load_cifar100(path=p / "cifar", seed=s),
    lambda p, s: load_fashion_mnist(path=p / "fm", seed=s),
    lambda p, s: check_csv_source(path=p / "d.csv", label_column="y", seed=s),
    lambda p, s: check_npz_source(path=p / "d.npz", seed=s),
    lambda p, s: check_purchase100_source(path=p / "x", seed=s),
    lambda p, s: check_texas100_source(path=p / "x", seed=s),
    lambda p, s: check_cifar10_source(path=p / "x", seed=s),
    lambda p, s: check_mnist_source(path=p / "x", seed=s),
]


@pytest.mark.parametrize("seed", [-1, 2.5, True, "3"])
@pytest.mark.parametrize("call", CALLS)
def test_a_bad_seed_is_refused_before_the_file(tmp_path, call, seed):
    with pytest.raises(ConfigError, match=r"dataset\.seed=.*: must be an integer >= 0"):
        call(tmp_path, seed)


def test_mia_train_refuses_it_before_the_run_directory(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).random((40, 3), np.float32),
             y=np.arange(40) % 2)
    stderr = refused_before_run_dir("dataset=npz", "dataset.path=d.npz", "dataset.seed=-1",
                                    cwd=tmp_path)
    assert "dataset.seed=-1: must be an integer >= 0" in stderr


def test_a_good_seed_still_loads(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).random((40, 3), np.float32),
             y=np.arange(40) % 2)
    check_npz_source(path=tmp_path / "d.npz", seed=np.int64(3))
    assert len(load_npz(path=tmp_path / "d.npz", max_samples=10, seed=2**70).y) == 10

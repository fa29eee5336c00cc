"""dataset=mnist, fashion_mnist, cifar10, cifar100, purchase100 and texas100 with a path that
does not exist, a folder without their files, or a bad dataset.split or dataset.labels were
refused only once the loader ran, after mia-train had made the run directory (a folder
holding only the error's log), where dataset=csv and npz were refused before it. Their
modules now have check_*_source functions (settings and files found, no data read), which
the config check runs as it runs check_csv_source."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.data.cifar import check_cifar10_source, check_cifar100_source
from mia_defense.data.idx import check_mnist_source
from mia_defense.data.tabular import check_purchase100_source, check_texas100_source
from mia_defense.errors import ConfigError, DataError
from tests.data.files import write_cifar_python
from tests.helpers import refused_before_run_dir


@pytest.mark.parametrize("settings, said", [
    (["dataset=mnist", "dataset.path=no_such"], "dataset 'mnist': no_such does not exist"),
    (["dataset=fashion_mnist", "dataset.path=empty"], "dataset 'FashionMNIST': "
     "train-images-idx3-ubyte[.gz] not found in empty"),
    (["dataset=mnist", "dataset.path=empty", "dataset.split=both"], "dataset.split='both': "
     "choose from ('all', 'train', 'test')"),
    (["dataset=cifar10", "dataset.path=empty"], "dataset 'cifar10': no CIFAR batch files for "
     "split 'all' in empty"),
    (["dataset=cifar100", "dataset.path=empty", "dataset.labels=medium"], "dataset.labels="
     "'medium': choose from ('fine', 'coarse')"),
    (["dataset=purchase100", "dataset.path=empty"], "dataset 'purchase100': none of "
     "['dataset_purchase', 'purchase100.npz'] found in empty"),
    (["dataset=texas100", "dataset.path=empty"], "dataset 'texas100': no feats/labels files in "
     "empty"),
    (["dataset=texas100", "dataset.path=d.npz"], "d.npz: found no features array"),
])
def test_image_and_benchmark_sources_refused_before_the_run_directory(tmp_path, settings, said):
    (tmp_path / "empty").mkdir()
    np.savez(tmp_path / "d.npz", a=np.zeros((4, 2)), b=np.arange(4))
    stderr = refused_before_run_dir(*settings, cwd=tmp_path)
    assert said in stderr
    assert "Traceback" not in stderr


def test_the_checks_read_no_data_and_pass_good_sources(tmp_path):
    write_cifar_python(tmp_path / "cifar-10-batches-py")
    write_cifar_python(tmp_path / "cifar-100-python", cifar100=True)
    check_cifar10_source(path=tmp_path, split="test", name="ignored")
    check_cifar100_source(path=tmp_path, labels="coarse")
    (tmp_path / "dataset_purchase").write_text("not even numbers\n")  # (no data is read)
    check_purchase100_source(path=tmp_path)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "feats").write_text("")
    (tmp_path / "t" / "labels").write_text("")
    check_texas100_source(path=tmp_path / "t", label_base=1)


def test_the_checks_refuse_bad_settings_as_the_loaders_do(tmp_path):
    with pytest.raises(ConfigError, match=r"dataset\.max_samples=2\.5: must be an integer"):
        check_mnist_source(path=tmp_path, max_samples=2.5)
    with pytest.raises(ConfigError, match=r"dataset\.normalize='yes': must be true or false"):
        check_cifar10_source(path=tmp_path, normalize="yes")
    with pytest.raises(DataError, match=r"is a file; point dataset\.path at its folder"):
        (tmp_path / "f").write_text("x")
        check_mnist_source(path=tmp_path / "f")

"""dataset.num_classes of 1, 0 or -1 for dataset=csv or npz passed the settings checks
(check_count asks for an integer) and was refused only once the labels were read: mia-train
made the run directory and loaded the file first, and load_csv/load_npz from Python parsed
the whole file. Both now refuse it with their other settings, as soon as the file is found,
in the same words (a ConfigError naming the file: a setting out of range, h254)."""

import numpy as np
import pytest

from mia_defense.data import load_csv, load_npz
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir


@pytest.mark.parametrize("classes", [1, 0, -1])
def test_a_direct_call_refuses_it_before_reading_the_file(tmp_path, classes):
    # (files that are no CSV and no .npz: reading them would be refused otherwise)
    (tmp_path / "d.csv").write_bytes(b"\x00\x01 not a csv")
    (tmp_path / "d.npz").write_bytes(b"not an npz")
    said = rf"num_classes={classes}; need at least 2 classes; set dataset\.num_classes"
    with pytest.raises(ConfigError, match=r"d\.csv: " + said):
        load_csv(path=tmp_path / "d.csv", label_column="y", num_classes=classes)
    with pytest.raises(ConfigError, match=r"d\.npz: " + said):
        load_npz(path=tmp_path / "d.npz", num_classes=classes)


@pytest.mark.parametrize("dataset", ["npz", "csv"])
def test_mia_train_refuses_it_before_the_run_directory(tmp_path, dataset):
    y = np.arange(40) % 2
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).random((40, 3), np.float32), y=y)
    (tmp_path / "d.csv").write_text("a,y\n" + "".join(f"{i % 5},{v}\n" for i, v in enumerate(y)))
    extra = ["dataset.label_column=y"] if dataset == "csv" else []
    stderr = refused_before_run_dir(f"dataset={dataset}", f"dataset.path=d.{dataset}",
                                    "dataset.num_classes=1", *extra, cwd=tmp_path)
    assert f"d.{dataset}: num_classes=1; need at least 2 classes" in stderr


def test_a_valid_count_still_loads(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).random((40, 3), np.float32),
             y=np.arange(40) % 2)
    assert load_npz(path=tmp_path / "d.npz", num_classes=2).num_classes == 2

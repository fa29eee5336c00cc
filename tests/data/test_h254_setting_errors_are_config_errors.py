"""errors.py: a ConfigError is a setting unknown, of the wrong type or out of range; a
DataError a data file missing, corrupt or inconsistent. load_csv/load_npz raised a
DataError for their own num_classes below 2 and name that is no text, settings refused
before any data is read (a caller's argument, not the file's fault). They are ConfigErrors
now, in the same words; a Dataset a user's loader makes with such a name stays a
DataError."""

import numpy as np
import pytest

from mia_defense.data import Dataset, load_csv, load_npz
from mia_defense.errors import ConfigError, DataError


@pytest.fixture
def files(tmp_path):
    y = np.arange(40) % 2
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).random((40, 3), np.float32), y=y)
    (tmp_path / "d.csv").write_text("a,y\n" + "".join(f"{i % 5},{v}\n" for i, v in enumerate(y)))
    return tmp_path


@pytest.mark.parametrize("setting", [{"num_classes": 1}, {"num_classes": -3}, {"name": 5},
                                     {"name": " "}])
def test_a_loader_setting_out_of_range_is_a_config_error(files, setting):
    with pytest.raises(ConfigError):
        load_npz(path=files / "d.npz", **setting)
    with pytest.raises(ConfigError):
        load_csv(path=files / "d.csv", label_column="y", **setting)


def test_a_dataset_made_with_such_a_name_stays_a_data_error():
    # (a Dataset a user's loader returns: the data handed over is at fault)
    with pytest.raises(DataError, match=r"Dataset\(name=5\)") as caught:
        Dataset(x=np.zeros((4, 2), np.float32), y=np.array([0, 1, 0, 1]), num_classes=2, name=5)
    assert not isinstance(caught.value, ConfigError)

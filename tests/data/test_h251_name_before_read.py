"""load_csv and load_npz called from Python with a name that is no text (5, None, '')
read and parsed the whole file, and only the Dataset made at the end refused the name
(mia-train's config check refuses a number first, but took an empty name and made the
run directory). They now check it with their other settings,
before the file is opened: here the file does not exist, and the name is what is said."""

import numpy as np
import pytest

from mia_defense.data import load_csv, load_npz
from mia_defense.data.csv_file import check_csv_source
from mia_defense.data.tabular import check_npz_source
from mia_defense.errors import ConfigError

CALLS = [
    lambda p, n: load_csv(path=p / "d.csv", label_column="y", name=n),
    lambda p, n: load_npz(path=p / "d.npz", name=n),
    lambda p, n: check_csv_source(path=p / "d.csv", label_column="y", name=n),
    lambda p, n: check_npz_source(path=p / "d.npz", name=n),
]


@pytest.mark.parametrize("name", [5, None, "", "  "])
@pytest.mark.parametrize("call", CALLS)
def test_a_name_that_is_no_text_is_refused_before_the_file(tmp_path, call, name):
    with pytest.raises(ConfigError, match=r"^Dataset\(name=.*\): the name must be non-empty "
                                        r"text"):
        call(tmp_path, name)


def test_a_text_name_still_loads(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).random((40, 3), np.float32),
             y=np.arange(40) % 2)
    assert load_npz(path=tmp_path / "d.npz", name="mine").name == "mine"


def test_mia_train_refuses_an_empty_name_before_the_run_directory(tmp_path):
    from tests.helpers import refused_before_run_dir

    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).random((40, 3), np.float32),
             y=np.arange(40) % 2)
    stderr = refused_before_run_dir("dataset=npz", "dataset.path=d.npz", "dataset.name=''",
                                    cwd=tmp_path)
    assert "Dataset(name=''): the name must be non-empty text" in stderr

"""load_trained_model (README's way to get a trained model back) names an argument of the
wrong type before reading the run: run_dir None, 3 or bytes was a raw TypeError from
pathlib, undefended="no" (a truthy string) asked for the undefended shadow model, and a
dataset that is no Dataset went unread."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.tracking.trained_model import load_trained_model


@pytest.mark.parametrize("run_dir", [None, 3, b"outputs/run"])
def test_run_dir_that_is_no_path(run_dir) -> None:
    with pytest.raises(ConfigError, match=r"load_trained_model: run_dir=.*: give the path of "
                       r"a mia-train run directory"):  # fmt: skip
        load_trained_model(run_dir, 0)


def test_undefended_that_is_no_bool(tmp_path) -> None:
    with pytest.raises(ConfigError, match="load_trained_model: undefended='no': must be True "
                       "or False"):  # fmt: skip
        load_trained_model(tmp_path, 0, undefended="no")


def test_dataset_that_is_no_dataset(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"load_trained_model: dataset is a dict, not a "
                       r"mia_defense\.data\.Dataset"):  # fmt: skip
        load_trained_model(tmp_path, 0, dataset={"x": [], "y": []})

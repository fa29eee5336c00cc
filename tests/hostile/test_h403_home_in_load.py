"""h403: api.load_observations('~/obs.npz') (and Observations.load) said '~/obs.npz: file not
found' of a file in the home folder: Python does not expand '~'. The command lines' paths
take it as the home folder (dataset.path, cache_dir, mia-report's --out), and so do these
readers now; a '~user' of no such user is named."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError
from mia_defense.observations import Observations
from tests.helpers import synthetic_observations


@pytest.mark.parametrize("read", [api.load_observations, Observations.load])
def test_a_leading_tilde_is_the_home_folder(read, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    obs = synthetic_observations(num_models=4, num_samples=40)
    obs.save(tmp_path / "obs.npz")
    monkeypatch.chdir(tmp_path)  # (no folder named '~' here)
    np.testing.assert_array_equal(read("~/obs.npz").log_probs, obs.log_probs)


def test_a_home_folder_of_no_user_is_named(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"load_observations: path='~no_such_user_h403/o.npz'"
                       r": cannot tell which home folder '~no_such_user_h403' is"):
        api.load_observations("~no_such_user_h403/o.npz")

"""h406: api.load_observations('~/obs.npz') reads the home folder's file (e5695905), but
Observations.save('~/obs.npz') refused the same path ('Python does not expand '~' ...; give
os.path.expanduser(...)'), so a notebook could read where it could not write. save now
takes a leading '~' as the home folder too (h387's reason to refuse, a folder named '~' made
in the current folder, is gone with it); a '~user' of no such user is named as load names it."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError
from tests.helpers import synthetic_observations


def test_save_and_load_read_tilde_alike(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    obs = synthetic_observations(num_models=4, num_samples=40)
    obs.save("~/runs/obs.npz")
    assert (tmp_path / "home" / "runs" / "obs.npz").is_file()
    assert not list((tmp_path / "cwd").iterdir())
    np.testing.assert_array_equal(api.load_observations("~/runs/obs.npz").log_probs,
                                  obs.log_probs)


def test_a_home_folder_of_no_user_is_named(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    obs = synthetic_observations(num_models=4, num_samples=40)
    with pytest.raises(ConfigError, match=r"^Observations\.save: path='~no_such_user_h406/o"
                       r"\.npz': cannot tell which home folder '~no_such_user_h406' is"):
        obs.save("~no_such_user_h406/o.npz")
    assert not list(tmp_path.iterdir())

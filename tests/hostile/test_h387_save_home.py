"""h387: Observations.save('~/results/obs.npz') made a folder named '~' in the current folder
and wrote the file there, without a word: Python does not expand '~', and save makes the
folders of its path (numpy.savez refuses the path, its folder missing)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError


def _obs():
    rng = np.random.default_rng(0)
    masks = np.zeros((4, 20), bool)
    masks[:2, :10] = masks[2:, 10:] = True
    return api.observations_from_arrays(np.log(rng.dirichlet(np.ones(3), size=(4, 20))),
                                        masks, rng.integers(0, 3, 20))  # fmt: skip


def test_a_path_under_an_unexpanded_home_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"path='~/results/obs\.npz': Python does not expand "
                       r"'~', so save would make a folder named '~' in the current folder .*"
                       r"os\.path\.expanduser\('~/results/obs\.npz'\)"):
        _obs().save("~/results/obs.npz")
    assert not list(tmp_path.iterdir())


def test_a_missing_folder_of_another_name_is_still_made(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _obs().save("results/obs.npz")
    assert api.load_observations("results/obs.npz").num_models == 4

"""h387: Observations.save('~/results/obs.npz') made a folder named '~' in the current folder
and wrote the file there, without a word: Python does not expand '~', and save makes the
folders of its path (numpy.savez refuses the path, its folder missing). It was refused;
since h406 '~' is the home folder there, as api.load_observations reads it."""

from __future__ import annotations

import numpy as np

from mia_defense import api


def _obs():
    rng = np.random.default_rng(0)
    masks = np.zeros((4, 20), bool)
    masks[:2, :10] = masks[2:, 10:] = True
    return api.observations_from_arrays(np.log(rng.dirichlet(np.ones(3), size=(4, 20))),
                                        masks, rng.integers(0, 3, 20))  # fmt: skip


def test_a_path_under_home_makes_no_folder_named_tilde(tmp_path, monkeypatch) -> None:
    # (h406: '~' is now the home folder, as load_observations reads it, not refused)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    _obs().save("~/results/obs.npz")
    assert not list((tmp_path / "cwd").iterdir())
    assert (tmp_path / "home" / "results" / "obs.npz").is_file()


def test_a_missing_folder_of_another_name_is_still_made(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _obs().save("results/obs.npz")
    assert api.load_observations("results/obs.npz").num_models == 4

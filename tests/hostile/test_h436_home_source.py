"""h436: ``mia-attack 'source=~/obs.npz'`` was refused ('write source=$HOME/obs.npz'), and
Hydra's quoted ``"source='~/obs.npz'"`` said '~/obs.npz: no such file or directory', while
load_observations('~/obs.npz'), mia-train's dataset.path and cache_dir and mia-report's --out
take a leading '~' as the home folder. mia-attack's source now does too, through the same
helper (`home_expanded`), whose one-line refusal names a '~user' of no known home
folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import LEAN_ATTACKS, mia_attack, synthetic_observations


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    synthetic_observations(num_models=4, num_samples=40).save(folder / "obs.npz")
    return folder


@pytest.mark.parametrize("given", ["source=~/obs.npz", "source='~/obs.npz'"])
def test_a_source_in_the_home_folder_is_attacked(home, tmp_path, given) -> None:
    done = mia_attack(given, *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "~").exists()
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["source"]["path"] == str((home / "obs.npz").resolve())


def test_a_home_folder_of_no_user_is_named(home, tmp_path) -> None:
    done = mia_attack("source=~no_such_user_h436/obs.npz", *LEAN_ATTACKS, "hydra.run.dir=out",
                      cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "ConfigError: mia-attack source: path='~no_such_user_h436/obs.npz': cannot tell which "
        "home folder '~no_such_user_h436' is (no such user, or no home folder known); give "
        "the full path"
    )
    assert not (tmp_path / "out").exists()


def test_a_sweep_of_home_paths_is_still_refused_whole(home, tmp_path) -> None:
    # (a list is not one path: expanding its first '~' alone named a file '.../a.npz,~/b.npz')
    done = mia_attack("-m", "source=~/obs.npz,~/obs.npz", *LEAN_ATTACKS, cwd=tmp_path)
    assert done.returncode == 2
    assert "the shell expands '~' only at the start of a word" in done.stderr



def test_a_quoted_path_in_the_home_folder_is_attacked(home, tmp_path) -> None:
    # (OBS="~/obs.npz"; mia-attack "$OBS": taken for Hydra's '~KEY', answered with the usage)
    done = mia_attack("~/obs.npz", *LEAN_ATTACKS, "hydra.run.dir=out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["source"]["path"] == str((home / "obs.npz").resolve())

"""h445: a NUL byte in a path given to the Python API was a raw ValueError 'embedded null
byte' out of Observations.save and Observations.load (pathlib's open), where
load_observations refused it in one line, with its own copy of the check. `home_expanded`,
which every user path takes, now refuses it once, in `path_text_problem`'s words (mia-attack's
refusal of a source no file can have), naming the caller; the model store's key skips it."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError
from mia_defense.files import home_expanded, path_text_problem
from mia_defense.observations import Observations


def _observations() -> Observations:
    return api.observations_from_arrays(
        outputs=np.log(np.full((2, 6, 3), 1 / 3, dtype=np.float32)),
        labels=np.zeros(6, int), masks=np.array([[1, 0] * 3, [0, 1] * 3], bool))  # fmt: skip


@pytest.mark.parametrize("text", ["a\0b.npz", "/tmp/h445/a\0b.npz", "~a\0b/x.npz", "~/a\0b"])
def test_save_and_load_refuse_a_nul_in_one_line(tmp_path, monkeypatch, text):
    monkeypatch.chdir(tmp_path)
    said = f"path={text!r}: {path_text_problem(text)}: give the path"
    with pytest.raises(ConfigError) as saved:
        _observations().save(text)
    assert str(saved.value).startswith(f"Observations.save: {said}")
    with pytest.raises(ConfigError) as loaded:
        Observations.load(text)
    assert str(loaded.value).startswith(f"Observations.load: {said}")
    with pytest.raises(ConfigError) as read:
        api.load_observations(text)
    assert str(read.value).startswith(f"load_observations: {said}")
    assert list(tmp_path.iterdir()) == []


def test_home_expanded_names_the_caller_and_the_nul():
    with pytest.raises(ConfigError, match=r"^cache_dir: path='m\\x00': holds a NUL byte"):
        home_expanded("m\0", where="cache_dir")
    assert home_expanded("a/b", where="w").as_posix() == "a/b"

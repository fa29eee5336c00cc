"""README's mia-attack paragraph was silent on the home folder, though since 3ae434bb and
201b0db3 a PATH or ``source=PATH`` beginning ``~/`` that the shell left unexpanded (quoted:
``mia-attack "$OBS"``, ``'source=~/obs.npz'``) is the home folder's, as load_observations
takes it. README says so now; checked against `cli.attack.home_source`, which does it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mia_defense.cli.attack import home_source

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_says_a_home_path_is_taken():
    said = " ".join(README.read_text(encoding="utf-8").split())
    assert ("A PATH, or `source=PATH`, beginning `~/` is in your home folder even where the "
            "shell left the `~`") in said  # fmt: skip


@pytest.mark.parametrize("given", ["~/obs.npz", "source=~/obs.npz", "source='~/obs.npz'"])
def test_the_forms_readme_names_are_made_the_home_folder_s(given, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (expanded,) = home_source([given])
    assert str(tmp_path / "obs.npz") in expanded and "~" not in expanded

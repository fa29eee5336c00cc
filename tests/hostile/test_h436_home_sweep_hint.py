"""h436: ``mia-attack -m 'source=~/a.npz,~/b.npz'`` (mia-train's dataset.path alike) was
refused with the fix "write \"source='$HOME/a.npz,~/b.npz'\"": only the first '~' replaced,
and the list quoted as one path, so the command as written attacked one file named
'/home/u/a.npz,~/b.npz'. Each path of a sweep's list now gets its $HOME, the list kept a list
(each item quoted where one needs it)."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from mia_defense.cli.arguments import refuse_unexpanded_home


def _typed(hint: str) -> list[str]:
    """The values Hydra reads of the sweep ``hint`` typed into bash with HOME=/home/u."""
    done = subprocess.run(["bash", "-c", f"printf '%s\\0' {hint}"], capture_output=True,
                          check=True, timeout=10, env={**os.environ, "HOME": "/home/u"})
    (word,) = done.stdout.decode().split("\0")[:-1]
    override = OverridesParser.create().parse_override(word)
    assert override.is_sweep_override(), word
    return [getattr(value, "text", value) for value in override.value().list]


@pytest.mark.parametrize(("typed", "paths"), [
    ("~/a.npz,~/b.npz", ["/home/u/a.npz", "/home/u/b.npz"]),
    ("~/a.npz, ~/my b.npz", ["/home/u/a.npz", "/home/u/my b.npz"]),
    ("~/runs/x,runs/z,~/runs/y", ["/home/u/runs/x", "runs/z", "/home/u/runs/y"]),
])  # fmt: skip
@pytest.mark.parametrize("key", ["source", "dataset.path"])
def test_a_sweep_of_home_paths_is_told_as_a_sweep(capsys, key, typed, paths) -> None:
    with pytest.raises(SystemExit):
        refuse_unexpanded_home([f"{key}={typed}"])
    hint = re.search(r"write (.+) or the full path$", capsys.readouterr().err.strip()).group(1)
    assert _typed(hint) == paths

"""Leftovers of the command-line tools found by h272: a bare word among the arguments."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(("tool", "args", "said"), [
    ("mia-train", ["nothere"], "nothere: no file or folder of that name, and mia-train takes no "
     "PATH; an override is KEY=VALUE, e.g. train.lr=0.01 (keys: mia-train --cfg job)"),
    ("mia-train", ["-m", "trian.lr"], "e.g. train.lr=VALUE"),
    ("mia-attack", ["o.npz", "nothere"], "nothere: no file or folder of that name (PATH, the "
     "source, comes first and once); an override is KEY=VALUE, e.g. attack.bootstrap=0"),
    ("mia-attack", ["o.npz", "atack.bootstrap"], "e.g. attack.bootstrap=VALUE"),
])  # fmt: skip
def test_a_bare_word_is_refused_before_hydra(tool, args, said, tmp_path: Path, monkeypatch,
                                             capsys):
    """A word that is neither a path nor KEY=VALUE was Hydra's "missing EQUAL at '<EOF>'"."""
    from mia_defense.cli import attack, train

    (tmp_path / "o.npz").touch()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [tool, *args])
    with pytest.raises(SystemExit) as done:
        (train if tool == "mia-train" else attack).main()
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("ConfigError: ") and said in err and "EQUAL" not in err


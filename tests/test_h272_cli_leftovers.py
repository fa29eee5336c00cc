"""Leftovers of the command-line tools found by h272: a bare word among the arguments, and a
path holding a newline in a one-line message."""

from __future__ import annotations

import io
import logging
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


def test_a_path_with_a_newline_is_shown_on_one_line(tmp_path: Path, monkeypatch, capfd):
    """A run folder named ``$'nl\\ndir'`` was "DataError: nl" and "dir: no observations.npz
    ..." on a line of its own, in mia-attack's refusal of a source and mia-train's of a
    run directory (`end_refused`) alike."""
    from mia_defense.cli import attack
    from mia_defense.cli.entry import end_refused

    monkeypatch.chdir(tmp_path)
    folder = Path("nl\ndir")
    folder.mkdir()
    monkeypatch.setattr(sys, "argv", ["mia-attack", str(folder), f"hydra.run.dir={tmp_path}/o"])
    with pytest.raises(SystemExit) as done:
        attack.main()
    assert done.value.code == 2
    said = [line for line in capfd.readouterr().err.splitlines() if "DataError" in line]
    assert said and said[0].endswith("DataError: $'nl\\x0adir': no observations.npz in it; give "
                                     "a finished mia-train run directory (for a sweep, one of "
                                     "its run folders) or an observations .npz")
    log, written = logging.getLogger("h272.run_dir"), io.StringIO()
    log.addHandler(logging.StreamHandler(written))
    with pytest.raises(SystemExit):
        end_refused(log, "%s=%s holds files", "hydra.run.dir", folder)
    assert written.getvalue() == "ConfigError: hydra.run.dir=$'nl\\x0adir' holds files\n"


@pytest.mark.parametrize("args", [
    ["-i", "defaults"], ["--info", "plugins"], ["-c", "job"], ["--cfg", "job"],
    ["-cn", "config", "--cfg", "job"], ["-p", "train", "--cfg", "job"],
])  # fmt: skip
def test_hydra_options_and_their_values_are_no_bare_words(args):
    """Hydra's options take the word after them (``-i``, the short ``--info``, was refused)."""
    from mia_defense.cli.arguments import bare_word

    assert bare_word(args) is None
    assert bare_word(args, tool="mia-attack") is None

"""A tool's main() called in-process (a notebook, a script) leaves the process as it found
it: its stdout's handling of characters it cannot encode, Hydra's job loggers (h368)."""

from __future__ import annotations

import io
import sys

import pytest


def test_a_main_puts_stdouts_own_error_handling_back(tmp_path, monkeypatch) -> None:
    """run_entry set the caller's stdout to escape what it cannot encode (so that a run's
    table prints under an ASCII locale) and left it so: a notebook's later print of a
    character its stdout cannot take wrote ``\\xb7`` where it raised before."""
    from mia_defense.cli import train

    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "argv", ["mia-train", "dataset=nosuch"])
    with pytest.raises(SystemExit):
        train.main()
    assert stdout.errors == "strict"
    with pytest.raises(UnicodeEncodeError):
        print("\u00b7", file=stdout)


def test_a_main_leaves_the_callers_loggers_as_hydras_logging_found_them(tmp_path, monkeypatch):
    """Hydra's logging configs (dictConfig) left its ``logging_example`` logger at DEBUG,
    ``hydra.verbose``'s logger of the caller at DEBUG and a logger the caller had disabled
    enabled again, after main() returned (here a run refused once Hydra set its logging up)."""
    import logging

    from mia_defense.cli import train

    quiet, mine = logging.getLogger("h368.quiet"), logging.getLogger("h368.mine")
    monkeypatch.setattr(quiet, "disabled", True)
    monkeypatch.setattr(mine, "level", logging.WARNING)
    example = logging.Logger.manager.loggerDict.get("logging_example")
    if isinstance(example, logging.Logger):  # (an earlier call in this process made it)
        monkeypatch.setattr(example, "level", logging.NOTSET)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "argv", ["mia-train", "train.lr=abc", "hydra.verbose=h368.mine"])
    with pytest.raises(SystemExit) as done:
        train.main()
    assert done.value.code == 2  # (refused in the config's checks, after Hydra's logging)
    assert quiet.disabled and mine.level == logging.WARNING
    assert logging.getLogger("logging_example").level == logging.NOTSET

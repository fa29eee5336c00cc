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

"""A umask that takes the owner's write or search permission (``umask 777``, ``277``,
``0200``): each folder a tool makes is one its user cannot write into (h409)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import pytest


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    before = os.umask(mask)
    try:
        yield
    finally:
        os.umask(before)


@pytest.mark.parametrize("mask", [0o777, 0o277, 0o200, 0o100])
@pytest.mark.parametrize("tool", ["mia-train", "mia-attack", "mia-report"])
def test_a_umask_leaving_no_writable_folder_is_refused_in_one_line(tool, mask, tmp_path,
                                                                   monkeypatch, capsys):
    # as a user other than root, mia-train said "DataError: hydra.run.dir=/tmp/x/run: cannot
    # write there (Permission denied); point hydra.run.dir at a writable directory" of a
    # folder in a writable one (the umask made it mode 0000), mia-report "cannot write
    # there ... choose another report directory"; as root the run went on, its files mode 0000
    from mia_defense.cli import attack, report, train

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    if tool == "mia-report":
        with _umask(mask):
            code = report.main([str(tmp_path / "sweep")])
    else:
        cli = train if tool == "mia-train" else attack
        monkeypatch.setattr(sys, "argv", [tool, "--help"])  # (what would run: nothing long)
        with _umask(mask), pytest.raises(SystemExit) as done:
            cli.main()
        code = done.value.code
    err = capsys.readouterr().err
    assert code == 2
    assert f"umask {mask:04o}" in err and "umask 022" in err and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o027])
def test_a_umask_that_keeps_the_owners_folders_is_left_alone(mask):
    from mia_defense.cli.commands import umask_refusal

    with _umask(mask):
        assert umask_refusal() is None

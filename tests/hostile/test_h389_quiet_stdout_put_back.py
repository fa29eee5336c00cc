"""A tool's main() whose stdout's reader had gone pointed that descriptor at /dev/null for
good: called in-process (a script run as ``python x.py | head``, a test), the caller's own
later lines went to /dev/null without an error, where without the call they met its closed
pipe as Python says it. The descriptor is now put back as main() ends, what stdout held
dropped (h389)."""

from __future__ import annotations

import contextlib
import io
import os
import sys

import pytest

from mia_defense.cli import entry
from mia_defense.cli.report import main as report_main
from mia_defense.library_call import caller_state_kept
from tests.report.fake_runs import make_run


def _where(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


@pytest.fixture
def closed_pipe(monkeypatch):
    """The caller's stdout: a pipe whose reader has gone (not fd 1, pytest's)."""
    read, write = os.pipe()
    os.close(read)
    stream = io.TextIOWrapper(io.FileIO(write, "w"), encoding="utf-8")
    yield stream, _where(write)  # (set as sys.stdout in the test: pytest sets its own)
    monkeypatch.undo()
    with contextlib.suppress(OSError):  # (what the caller's line left: for the closed pipe)
        stream.close()


def test_a_run_whose_reader_went_gives_the_caller_its_stdout_back(closed_pipe, monkeypatch):
    stream, pipe = closed_pipe
    monkeypatch.setattr(sys, "stdout", stream)
    with pytest.raises(SystemExit) as done:
        with caller_state_kept():  # (a tool's main(): its table met the closed pipe)
            try:
                print("the run's table", file=stream, flush=True)
            except BrokenPipeError:
                entry.reader_gone()
    assert done.value.code == entry.EXIT_BROKEN_PIPE
    assert _where(stream.fileno()) == pipe
    with pytest.raises(BrokenPipeError):
        print("the caller's own line", file=stream, flush=True)


def test_a_report_whose_reader_went_gives_the_caller_its_stdout_back(
        closed_pipe, tmp_path, monkeypatch):
    stream, pipe = closed_pipe
    monkeypatch.setattr(sys, "stdout", stream)
    make_run(tmp_path / "sweep" / "a", test_accuracy=0.9, signal=1.0)
    assert report_main([str(tmp_path / "sweep"), "--no-charts", "--no-tensorboard"]) == 0
    assert _where(stream.fileno()) == pipe
    with pytest.raises(BrokenPipeError):
        print("the caller's own line", file=stream, flush=True)

"""The cyclic garbage collector around a run (`mia_defense.collector`): off while the tools
import, on for the run, as it was afterwards; a later run in the process frees the cycles
the earlier one left; the process's last collection, at exit, is skipped."""

from __future__ import annotations

import atexit
import gc
import subprocess
import sys
import weakref

import pytest

from mia_defense.collector import (
    collect_from_here,
    no_collection_at_exit,
    paused_while_importing,
)
from tests.helpers import mia_train


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_while_importing_restores_the_state_it_found(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with paused_while_importing():
            assert not gc.isenabled()
            collect_from_here()
            assert gc.isenabled()  # the run collects its garbage
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError), paused_while_importing():
            raise ValueError("a failed start-up")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_a_later_run_frees_the_cycles_left_before_it():
    collect_from_here()  # as a first run in this process
    was = gc.isenabled()
    gc.disable()  # no collection of its own frees the cycle before the run starts
    try:
        left = Node()
        alive = weakref.ref(left)
        del left
        with paused_while_importing():
            collect_from_here()
        assert alive() is None
    finally:
        (gc.enable if was else gc.disable)()


def test_the_collector_is_on_after_a_run_and_after_a_refused_one(tmp_path):
    assert mia_train("--cfg", "job", cwd=tmp_path).returncode == 0
    assert gc.isenabled()
    refused = mia_train("plan.num_models=-1", cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert gc.isenabled()


_CYCLE_AT_EXIT = """
import gc, sys
class Node:
    def __init__(self):
        self.me = self
    def __del__(self):
        print("collected at exit", flush=True)
gc.disable()  # the cycle lives until the interpreter's last collections
Node()
if sys.argv[1] == "skip":
    from mia_defense.collector import no_collection_at_exit
    no_collection_at_exit()
"""


@pytest.mark.parametrize("skip", [False, True])
def test_the_exit_collection_walks_nothing_alive_when_skipped(skip):
    done = subprocess.run(
        [sys.executable, "-c", _CYCLE_AT_EXIT, "skip" if skip else "keep"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert ("collected at exit" in done.stdout) is not skip


def test_the_tools_skip_the_exit_collection_once_however_often_they_run(tmp_path, monkeypatch):
    at_exit: list[object] = []  # what atexit would call, as the tools register it
    monkeypatch.setattr(atexit, "register", at_exit.append)
    monkeypatch.setattr(atexit, "unregister", lambda f: at_exit.remove(f) if f in at_exit else None)
    assert mia_train("--cfg", "job", cwd=tmp_path).returncode == 0
    assert mia_train("plan.num_models=-1", cwd=tmp_path).returncode == 2  # refused: the same
    assert at_exit.count(gc.freeze) == 1
    no_collection_at_exit()  # as a third tool's start in the process
    assert at_exit.count(gc.freeze) == 1


def test_a_callers_freeze_is_kept_and_asked_of_only_where_the_run_froze(monkeypatch):
    """A caller that froze its own objects (this test session does) keeps them frozen after
    a run; a run refused before it froze anything does not count the frozen objects at all
    (`gc.get_freeze_count` walks every one: 30 ms a refused run in the test session)."""
    asked = []
    count = gc.get_freeze_count
    monkeypatch.setattr(gc, "get_freeze_count", lambda: asked.append(1) or count())
    with pytest.raises(ValueError), paused_while_importing():
        raise ValueError("refused before the task")
    assert not asked
    assert count() > 0
    with paused_while_importing():
        collect_from_here()
        collect_from_here()  # (a sweep's second job in the same call)
    assert len(asked) == 1
    assert count() > 0  # (the session's freeze, not let go)

"""h425: an Optuna trial whose wait for the process holding its folder cannot end of itself
(a08e3928: its lock kept by a process a killed run started, or a holder that wrote nothing
there for `TWIN_STALL_S`) is refused in use, and the sweep's end listed it under "each
folder is in use by another process: wait for the run that holds it (still going) to end",
though no run is going there: its own line says which process to end. Such points now get a
heading (alone) or a note (among others) of their own. By hand: mia-train -m
hparams_search=optuna_custom ... into a folder held by pid 1 of another host, TWIN_STALL_S
cut short (the slow test of test_h420_twin_wait_ends)."""

from __future__ import annotations

import os
import socket

from mia_defense.cli.held_log import wait_for_lock
from mia_defense.cli.sweep_refusals import print_refused
from tests.helpers import within
from tests.hostile.test_h420_twin_wait_ends import _gone_pid, _held, clock  # noqa: F401

FIX = "fix the value and run the same command again"
STILL_GOING = "wait for the run that holds it (still going) to end"


def _refusals(tmp_path) -> list[tuple[object, str]]:
    """The two refusals wait_for_lock ends with: a lock kept after its writer is gone, and a
    holder of another host that writes nothing."""
    said = []
    for name, line in (("gone", f"pid {_gone_pid()} on {socket.gethostname()} since "
                                 "2026-01-01 00:00:00"),
                       ("silent", "pid 1 on elsewhere since 2026-01-01 00:00:00")):
        fd = _held(tmp_path / name, line + "\n")
        try:
            with within(5):
                message = wait_for_lock(tmp_path / name)
        finally:
            os.close(fd)
        assert message is not None
        said.append((tmp_path / name, f"ConfigError: {message}"))
    return said


def test_points_whose_holder_never_lets_go_are_not_said_to_wait_for_a_run(
        tmp_path, clock, capsys):  # noqa: F811
    stuck = _refusals(tmp_path)
    print_refused(stuck, nothing="nothing was run there", fix=FIX)
    out = capsys.readouterr().out
    assert STILL_GOING not in out and "fix the value" not in out
    assert ("2 run(s) of this sweep were refused (nothing was run there; each folder is held "
            "by a process that may never let it go: do as its line says (end that process, "
            "most often), then run the same command again):") in out
    assert f"fuser -v {tmp_path}/gone/.lock" in out  # (its line, as said)


def test_among_other_points_they_are_counted_apart(tmp_path, clock, capsys):  # noqa: F811
    stuck = _refusals(tmp_path)
    busy = (tmp_path / "busy", f"ConfigError: {tmp_path / 'busy'} is in use by pid 1 on "
            "elsewhere since 2026-01-01 00:00:00; nothing was changed")
    print_refused([*stuck, busy], nothing="nothing was run there", fix=FIX)
    out = capsys.readouterr().out
    assert "(nothing was run there; nothing to fix, each as said below):" in out
    assert f"  (1 of them: nothing to fix, the folder is in use: {STILL_GOING}" in out
    assert "  (2 of them: nothing to fix, the folder is held by a process that may never let " \
           "it go (its lock kept by a process a killed run started, or nothing written there " \
           "for long): do as its line says" in out
    print_refused([stuck[0], (tmp_path / "bad", "ConfigError: train.lr=-1: ...")],
                  nothing="nothing was run there", fix=FIX)
    out = capsys.readouterr().out
    assert f"(nothing was run there; {FIX}):" in out and STILL_GOING not in out
    assert "  (1 of them: nothing to fix, the folder is held by a process" in out

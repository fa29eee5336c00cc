"""A second Ctrl-C that landed while a process a Ctrl-C had ended tore torch down printed a
KeyboardInterrupt traceback (``torch/library.py _del_library``) under the one-line message:
such a process ignores Ctrl-C from its exit hooks on; one that calls the tool and goes on
keeps its Ctrl-C until it ends."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent("""
    import atexit, signal
    from mia_defense.cli.entry import run_entry

    signal.signal(signal.SIGINT, signal.default_int_handler)  # (an xdist worker's is ignored)

    atexit.register(lambda: print("ignored at exit:",
                                  signal.getsignal(signal.SIGINT) == signal.SIG_IGN))

    def task():
        raise {raised}

    try:
        run_entry(task, started=lambda: True, interrupted="interrupted")
    except SystemExit as ended:
        print("exit", ended.code, "then:", signal.getsignal(signal.SIGINT).__name__)
""")


@pytest.mark.parametrize("raised", ["KeyboardInterrupt", "SystemExit(130)"])
def test_an_interrupted_tool_ignores_ctrl_c_once_it_exits(raised):
    done = subprocess.run([sys.executable, "-c", _SCRIPT.format(raised=raised)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "exit 130 then: default_int_handler" in done.stdout  # (the caller's, until it ends)
    assert "ignored at exit: True" in done.stdout

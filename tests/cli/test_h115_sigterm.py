"""SIGTERM (kill, docker stop, systemd, scancel) ends a run as Ctrl-C does, where its handler
is the default; a handler of someone else's stays (h115). The run itself, terminated and
resumed: tests/hostile/test_verdicts_and_faults.py's Ctrl-C test, parametrized by signal."""

from __future__ import annotations

import signal


def test_a_sigterm_handler_of_someone_else_is_kept():
    """submitit's job handler bypasses SLURM's SIGTERM before a requeue: run_entry leaves a
    handler it did not install in place, and restores the default it replaced."""
    from mia_defense.cli.entry import run_entry

    def theirs(signum, frame):  # type: ignore[no-untyped-def]
        pass

    before = signal.signal(signal.SIGTERM, theirs)
    try:
        seen = []
        run_entry(lambda: seen.append(signal.getsignal(signal.SIGTERM)),
                  started=lambda: True, interrupted="x")  # fmt: skip
        assert seen == [theirs] and signal.getsignal(signal.SIGTERM) is theirs
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        run_entry(lambda: seen.append(signal.getsignal(signal.SIGTERM)),
                  started=lambda: True, interrupted="x")  # fmt: skip
        assert seen[1] not in (signal.SIG_DFL, theirs)
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, before)

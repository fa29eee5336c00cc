"""h596: an Optuna trial whose folder is held by another process waits for it (its twin,
`held_log.wait_for_lock`), and ends the wait at once where the lock's line names a gone pid
of this host (h420). A line whose pid this host has since given to another process (the
writer killed, a process it forked keeping the lock, pid reuse) was read as a live writer:
the trial waited the whole `TWIN_STALL_S` (an hour) for a run that no longer is, then said
it 'wrote nothing there'. The wait reads the lock as the model store and a run folder do
(`run_dir.gone_writer` with the lock's time, 24019c81): a process started after the lock
was taken is no writer of it. A live writer whose line reads an hour early (another time
zone's clock) is still waited for: the file's last write bounds the lock's time. Seconds
here are a fake clock's (test_h420's)."""

from __future__ import annotations

import os

from mia_defense.cli.held_log import GONE_HOLDER, SILENT_HOLDER, wait_for_lock
from tests.helpers import within
from tests.hostile._locks import an_hour_ago, hold_lock, line_of, live_pid
from tests.hostile.test_h420_twin_wait_ends import clock as _twin_clock

clock = _twin_clock  # (test_h420's fake clock for held_log, a look a second: its fixture)


def _waited(folder, *, written: float | None) -> tuple[str, str | None]:
    """The lock's line and `wait_for_lock`'s words on ``folder``, whose lock (held by this
    process) names a process started now, its line an hour old, its file last written at
    ``written`` (now where ``None``)."""
    since, _ = an_hour_ago()
    with live_pid() as pid:
        line = line_of(pid, since)
        fd = hold_lock(folder / ".lock", line, written=written)
        try:
            with within(5):
                return line, wait_for_lock(folder)
        finally:
            os.close(fd)


def test_a_twin_whose_pid_was_reused_is_said_gone_at_once(tmp_path, clock):
    line, said = _waited(tmp_path, written=an_hour_ago()[1])
    assert said is not None and said.startswith(
        f"{tmp_path} is in use by another process: its lock's line ({line}) {GONE_HOLDER} "
        "(killed)"), said
    assert f"fuser -v {tmp_path}/.lock" in said, said
    assert clock.sleeps == 1  # (seen twice, as a gone pid is)


def test_a_live_twin_whose_line_reads_an_hour_early_is_waited_for(tmp_path, clock):
    _, said = _waited(tmp_path, written=None)
    assert said is not None and SILENT_HOLDER in said and GONE_HOLDER not in said, said
    assert clock.sleeps == 10

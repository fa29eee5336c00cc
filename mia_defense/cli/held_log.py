"""A job's log lines held back until the run has claimed its directory (mia-train, mia-attack).

Hydra opens the job's log file (train.log, attack.log) in the run directory before the task
starts. A run refused there before it claims the directory (another run's: in use, or
holding another config's run) appended its lines and its refusal to that run's log. With the
file opened at its first line (conf/hydra/job_logging/stderr.yaml, ``delay: true``) and the
lines held here, the refused run leaves that folder as it was; the console gets every line.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mia_defense.constraints import shown_path
from mia_defense.errors import ConfigError

__all__ = [
    "GONE_WRITERS_RUN", "HeldLog", "OutputRefused", "guard_log_files", "held_by_a_gone_writer",
    "lock_holder", "locked_by_another", "log_files_failed",
]


class OutputRefused(ConfigError):
    """The run directory is not this run's to write (in use by another run, holding another
    run's results or files; for mia-attack, inside the run attacked): nothing of this run
    goes there, its log lines included (`HeldLog.drop`). Said as a ConfigError.

    ``run``: where the folder was in use, the refused run's (config, data fingerprint), which
    a run finished there since must be of to stand for it (a sweep's end)."""

    run: tuple[Any, Any] | None = None


def _resolved(path: Path) -> Path:
    """``path`` made absolute with its links followed (a symlink loop: as it is)."""
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(path))


class HeldLog:
    """The job's log files in ``run_dir``, their lines held back until `release` (the run has
    claimed the directory) or `drop` (the directory is another run's: nothing of this run is
    written there). Log files elsewhere and the console are left as they are."""

    def __init__(self, run_dir: Path) -> None:
        self._root = logging.getLogger()
        inside = _resolved(run_dir)
        self._files = [handler for handler in self._root.handlers
                       if isinstance(handler, logging.FileHandler)
                       and inside in _resolved(Path(handler.baseFilename)).parents]  # fmt: skip
        self._held = _Held()
        if self._files:
            for handler in self._files:
                self._root.removeHandler(handler)
            self._root.addHandler(self._held)

    @property
    def settled(self) -> bool:
        """Whether the lines held were given to the log files (`release`) or dropped."""
        return self._held not in self._root.handlers

    def release(self) -> None:
        """The directory is this run's: its log files get the lines held, then the rest."""
        if self.settled:
            return
        self._root.removeHandler(self._held)
        for handler in self._files:
            self._root.addHandler(handler)  # (before the lines: a file that cannot be written
            for record in self._held.records:  # is taken off by mia-train's handleError)
                if handler not in self._root.handlers:
                    break
                if record.levelno >= handler.level:
                    _handle(handler, record)

    def settle(self, others: Callable[[], bool]) -> None:
        """At the run's end: lines still held (it ended before its claim: a refusal, Ctrl-C)
        are dropped where ``others()`` says the directory is another run's, else given to
        the log files (a new folder says why the run ended). Nothing once settled."""
        if not self.settled and others():
            self.drop()
        self.release()

    def drop(self) -> None:
        """The directory is another run's: none of this run's lines are written there."""
        if self.settled:
            return
        self._root.removeHandler(self._held)
        for handler in self._files:
            handler.close()  # (delay: never opened; else only an empty file was made)


def _emit(handler: logging.FileHandler, emit: Callable[[logging.LogRecord], None],
          record: logging.LogRecord) -> None:
    """``emit(record)`` of a guarded log file (`guard_log_files`), whose failure to open the
    file (``delay``: opened at its first line) raised out of the logging call, a traceback
    after the run's own error line: said by its ``handleError`` instead, as a failure to
    write it is; where its folder is gone (the run's folder moved or removed while the run
    wrote it: the run's own error says so), in one line, the file taken off, and the tool's
    end does not advise another log file."""
    try:
        emit(record)
    except FileNotFoundError:
        if os.path.isdir(os.path.dirname(handler.baseFilename)):
            handler.handleError(record)
            return
        logging.getLogger().removeHandler(handler)
        with contextlib.suppress(Exception):
            print(f"{handler.baseFilename}: its folder is gone (moved or removed while the run "
                  "wrote it), so its log lines go to the console only from here on",
                  file=sys.stderr)  # fmt: skip
    except OSError:
        handler.handleError(record)


def _handle(handler: logging.FileHandler, record: logging.LogRecord) -> None:
    """``handler.handle(record)``; a file opened at its first line (``delay``) that cannot be
    opened raised out of the logging call (FileHandler opens it outside its own error
    handling): its handleError says so, and a file still not open is taken off."""
    try:
        handler.handle(record)
    except OSError:
        handler.handleError(record)
        if getattr(handler, "stream", None) is None:
            logging.getLogger().removeHandler(handler)


class _Held(logging.Handler):
    """Keeps the records it is given, for `HeldLog.release`."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def locked_by_another(run_dir: Path) -> bool:
    """Whether another process holds ``run_dir``'s run lock (.lock) now: a run in progress
    there (probed with a shared lock, released at once; nothing is written)."""
    return lock_holder(run_dir) is not None


def lock_holder(run_dir: Path) -> str | None:
    """The line of the process that holds ``run_dir``'s run lock (.lock) now (``pid N on
    HOST since T``; ``another process`` where it wrote none), or ``None`` where none holds it
    (`_held_lock`: nothing is written)."""
    held = _holder_at(run_dir)
    return None if held is None else held[0]


def _holder_at(run_dir: Path) -> tuple[str, float | None] | None:
    """`lock_holder`'s line of ``run_dir``'s run lock, and when its holder took it at the
    latest (`run_dir.lock_taken`; ``None`` where no line could be read), both read in one
    look; ``None`` where no process holds it."""
    from mia_defense.tracking.run_dir import holder_line, lock_taken

    with _held_lock(run_dir) as fd:
        if fd is None:
            return None
        try:
            holder = holder_line(fd) or "another process"
            return holder, lock_taken(holder, fd)
        except OSError:  # a locked FIFO or device: no holder to read (ESPIPE)
            return "another process", None


@contextlib.contextmanager
def _held_lock(run_dir: Path) -> Iterator[int | None]:
    """A descriptor of ``run_dir``'s run lock (.lock) where another process holds it now, to
    read its line; ``None`` where none holds it, or there is none. Probed with a shared
    lock, released at once (the descriptor closed on exit); nothing is written."""
    from mia_defense.tracking.run_dir import LOCK, held_by_another

    try:
        fd = os.open(Path(run_dir) / LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        yield None
        return
    try:
        yield fd if held_by_another(fd) else None
    finally:
        os.close(fd)


# How long an Optuna trial waits for the process holding its folder (its twin: a trial of
# the search that drew the same values) while nothing is written there, in seconds: a run
# writes its train.log, checkpoints and results.json as it goes, so a holder silent that long
# is stuck (stopped, hung) or of another host whose run no longer writes (the folder shared
# over the network). Each write seen starts the count again. How often it looks: TWIN_POLL_S.
TWIN_STALL_S = 3600.0
TWIN_POLL_S = 1.0
# In `wait_for_lock`'s words where the wait cannot end of itself: the sweep's end lists such
# points apart from those in use by a run still going (`sweep_refusals.print_refused`).
GONE_HOLDER = "names a process of this host that is gone"  # (run_dir.GONE_HOLDER's words)
SILENT_HOLDER = "which wrote nothing there for"


def wait_for_lock(run_dir: Path) -> str | None:
    """Wait until no process holds ``run_dir``'s run lock (.lock): ``None`` then, to claim
    it. Looked at every `TWIN_POLL_S` seconds with a shared lock, released at once (nothing
    is written); Ctrl-C interrupts the wait. The wait ends with what to do (the refusal's
    words, naming the folder) where it cannot end of itself: the lock's line names a
    process of this host that is gone, or whose id a process started after the lock was
    taken has since (`run_dir.gone_writer`), while the lock is still held (by a process it
    forked, which took the lock with it: the lock is released only when that one ends), or
    nothing was written in the folder for `TWIN_STALL_S` seconds (its holder stopped, hung,
    or of another host that no longer runs there)."""
    start = last = time.monotonic()
    seen, gone = _written(run_dir), None
    while True:
        held = _holder_at(run_dir)
        if held is None:
            return None
        holder, taken = held
        pid = _gone_writer(holder, taken)
        # (seen twice: a run taking the lock writes its line just after, the last one's
        # until then)
        if pid is not None and gone == holder:
            return _gone_writer_words(run_dir, holder, pid, then="this trial resumes its run")
        gone = holder if pid is not None else None
        time.sleep(TWIN_POLL_S)
        now, written = time.monotonic(), _written(run_dir)
        if written != seen:
            seen, last = written, now
        elif now - last >= TWIN_STALL_S:
            return (f"{shown_path(run_dir)} is in use by {holder}, a trial of this search that "
                    f"drew the same values, {SILENT_HOLDER} {now - last:.0f} s (waited "
                    f"{now - start:.0f} s in all): stopped, hung, or on another host that no "
                    "longer runs it; nothing was changed. Where that process is still "
                    "running, wait for it to end, then run the same command again (its run "
                    "stands for this trial); where it is stuck or gone, end it (on its host), "
                    "then run the same command again: this trial resumes its run")


# What the same command does in a run folder once the process keeping a gone writer's lock
# has ended (`held_by_a_gone_writer`'s ``then`` of a run that is no Optuna trial).
GONE_WRITERS_RUN = "the run there is resumed (or skipped, where it finished)"


def held_by_a_gone_writer(run_dir: Path, *, then: str) -> str | None:
    """The refusal of ``run_dir`` in use, where its lock is held while the lock's line names
    a process of this host that is gone (killed, the lock kept open by a process it forked),
    or whose id another process took since (`run_dir.gone_holder`, the model store's check:
    the line looked at twice): 'in use by pid N; wait for that run to end' sent the user
    waiting on a run that no longer is, and nothing ends that wait (a user told so deleted
    the folder, its run with it). The words name the process to end, then the same command
    again (``then``: what it does). ``None`` where it is held by a live process, or by none."""
    from mia_defense.tracking.run_dir import gone_holder

    with _held_lock(run_dir) as fd:
        try:
            gone = None if fd is None else gone_holder(fd)
        except OSError:  # a locked FIFO or device: no line to read (ESPIPE)
            gone = None
    if gone is None:
        return None
    holder, pid = gone
    return _gone_writer_words(run_dir, holder, pid, then=then)


def _gone_writer_words(run_dir: Path, holder: str, pid: int, *, then: str) -> str:
    """The refusal of ``run_dir`` whose lock is held while its ``holder`` line names ``pid``,
    a process of this host that is gone: which process to end, and how to find it."""
    from mia_defense.tracking.run_dir import LOCK, end_the_keeper, gone_writer_words

    end = end_the_keeper(Path(run_dir) / LOCK, pid)
    return (f"{shown_path(run_dir)} is in use by another process: {gone_writer_words(holder)}; "
            f"nothing was changed. {end[:1].upper()}{end[1:]}, then run the same command "
            f"again: {then}")


def _gone_writer(holder: str, taken: float | None) -> int | None:
    """`run_dir.gone_writer` (the pid the lock's ``holder`` line names where it is gone, or
    started after ``taken``, when the lock was taken: reused; else ``None``), imported only
    here: this module is loaded before any run."""
    from mia_defense.tracking.run_dir import gone_writer

    return gone_writer(holder, taken=taken)


def _written(run_dir: Path) -> list[tuple[str, int, int]]:
    """What ``run_dir`` holds, a file a tuple (path, size, modification time), the files of
    its folders (checkpoints, tb) among them: changed by each write of a run there."""
    found: list[tuple[str, int, int]] = []
    folders = [str(run_dir)]
    for folder in folders:
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    found.append((entry.path, info.st_size, info.st_mtime_ns))
                    if folder == str(run_dir) and entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
    return sorted(found)


def guard_log_files(failed: list[str]) -> None:
    """Make each log file the job's logging writes to (Hydra's job_logging: train.log,
    attack.log) say once that it cannot be written, and drop it, its name added to
    ``failed``: `logging` printed a "--- Logging error ---" block with a traceback for
    every log line (13 in a tiny run) and the run ended as if all were well. Text the
    file's encoding cannot take (an override with a non-UTF-8 byte in a file name, kept as
    a lone surrogate) is written escaped (\\udce9), not failed."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler) and not getattr(handler, "_mia_guard", 0):
            handler.handleError = functools.partial(  # type: ignore[method-assign]
                _log_file_failed, handler, failed)
            handler.emit = functools.partial(_emit, handler, handler.emit)  # type: ignore
            handler._mia_guard = True  # type: ignore[attr-defined]
            _escape_unencodable(handler)


# The error each log file failed with (`_log_file_failed`), by its name: what
# `log_files_failed` advises.
_FAILED_WITH: dict[str, BaseException | None] = {}


def log_files_failed(failed: list[str]) -> str:
    """The line that ends a tool whose log files ``failed`` (`guard_log_files`), with what to
    do about the last one's error (`write_advice`: a file past ``ulimit -f``, EFBIG, was told
    to free disk space)."""
    from mia_defense.files import write_advice

    advice = write_advice(_FAILED_WITH.get(failed[-1]) if failed else None,
                          fix="point hydra.job_logging.handlers.file.filename at a writable "
                          "file (hydra/job_logging=disabled: no log file)",
                          where="hydra.job_logging.handlers.file.filename=...")  # fmt: skip
    return (f"DataError: the log file(s) {', '.join(dict.fromkeys(failed))} could not be "
            "written (see above): the log lines from then on went to the console only, so "
            "this ends as failed; the run's results (results.json) are complete where it "
            f"says. {advice[:1].upper()}{advice[1:]}")


def _escape_unencodable(handler: logging.FileHandler) -> None:
    """Make ``handler`` write characters its encoding cannot take as backslash escapes
    (its stream is open already, or opened later with ``handler.errors``)."""
    handler.errors = "backslashreplace"
    stream = getattr(handler, "stream", None)
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="backslashreplace")


def _log_file_failed(
    handler: logging.FileHandler, failed: list[str], record: logging.LogRecord
) -> None:
    """`logging.Handler.handleError` of a log file: one line on stderr naming the file and
    the error, the handler removed from every logger, its name added to ``failed``."""
    error = sys.exc_info()[1]
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        if isinstance(logger, logging.Logger):
            logger.removeHandler(handler)
    with contextlib.suppress(Exception):  # (closing flushes what could not be written)
        handler.close()
    reason = error.strerror if isinstance(error, OSError) and error.strerror else error
    failed.append(handler.baseFilename)
    _FAILED_WITH[handler.baseFilename] = error
    with contextlib.suppress(Exception):
        print(f"DataError: cannot write the log file {handler.baseFilename} ({reason}); its "
              "log lines go to the console only from here on", file=sys.stderr)  # fmt: skip

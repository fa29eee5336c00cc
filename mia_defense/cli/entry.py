"""How the tools' Hydra entry points end: their exit codes, Ctrl-C, a closed stdout, and the
errors Hydra does not report itself (`run_entry`)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable
from typing import NoReturn

from hydra.errors import CompactHydraException
from omegaconf.errors import OmegaConfBaseException

from mia_defense.cli.commands import quiet_stdout
from mia_defense.collector import no_collection_at_exit, paused_while_importing
from mia_defense.errors import ConfigError

__all__ = [
    "EXIT_BROKEN_PIPE", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "EXIT_USER_ERROR", "reader_gone",
    "run_entry",
]

EXIT_USER_ERROR = 2
# A reader closed our stdout during a run (mia-train ... | head): 128 + SIGPIPE, as a shell
# reports a process that the signal ended; the run's files are written before its table.
EXIT_BROKEN_PIPE = 141
EXIT_INTERRUPTED = 130
# Ended by SIGTERM (kill, docker stop, systemd, scancel): 128 + 15, as a shell reports it.
EXIT_TERMINATED = 143


def run_entry(
    entry: Callable[[], object], *, started: Callable[[], bool], interrupted: str
) -> None:
    """Run a tool's Hydra entry point with the tools' exit codes: Hydra's exit 1 before the
    task ``started`` (a config it could not compose) becomes 2, a user error; Ctrl-C prints
    ``interrupted`` and exits 130. Where Hydra reports no error itself (``--help``,
    ``--hydra-help``, ``--info``), a config it cannot compose or a help template it cannot
    fill is printed as one message and exits 2; a reader that closed stdout (``| head``)
    ends the tool quietly.

    Ctrl-C is noted when it arrives: during start-up it can land inside an import (numpy's,
    torch's), which then fails as an ImportError that Hydra reports as a config error ("Error
    locating target ... CheckConfigCallback") and exits 1. Any exit after a Ctrl-C is the
    interruption, never a user error.
    """
    previous = signal.getsignal(signal.SIGINT)
    previous_term = signal.getsignal(signal.SIGTERM)
    pressed = _note_ctrl_c()
    terminated = _note_sigterm()
    no_collection_at_exit()
    try:
        with paused_while_importing():  # the task turns it on (`collect_from_here`)
            entry()
    except SystemExit as exc:
        if (pressed() or terminated()) and exc.code not in (0, None):
            print(interrupted, file=sys.stderr)
            raise SystemExit(EXIT_TERMINATED if terminated() else EXIT_INTERRUPTED) from None
        if exc.code == 1 and not started():
            raise SystemExit(EXIT_USER_ERROR) from None
        raise
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr)
        raise SystemExit(EXIT_TERMINATED if terminated() else EXIT_INTERRUPTED) from None
    except BrokenPipeError:  # mia-train --help | head: the reader has gone
        quiet_stdout()
        raise SystemExit(EXIT_BROKEN_PIPE if started() else 0) from None
    except (ConfigError, CompactHydraException) as exc:
        # Raised where Hydra does not report errors itself (--help, --hydra-help, --info):
        # a config it cannot compose or a help template it cannot fill is a user error too.
        if started() or os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(_one_error(exc), file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR) from None
    finally:
        if previous is signal.default_int_handler:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGINT, previous)
        if previous_term == signal.SIG_DFL:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGTERM, previous_term)


def reader_gone() -> NoReturn:
    """End the tool quietly with exit 141 once the reader of its stdout has gone during a
    run (``mia-train ... | head``; the run's files are written before its table). Raised from
    inside the task: Hydra reports a BrokenPipeError there as a failed job (a traceback,
    exit 1) before `run_entry` sees it, but lets a SystemExit through."""
    quiet_stdout()
    raise SystemExit(EXIT_BROKEN_PIPE)


def _one_error(exc: Exception) -> str:
    """What Hydra prints for an error it reports: its message and the config's reason."""
    text = str(exc)  # (a HydraConfigError names itself already)
    if isinstance(exc, ConfigError):
        return text if text.startswith("ConfigError: ") else f"ConfigError: {text}"
    cause = exc.__cause__
    reason = f"\n{cause}" if isinstance(cause, OmegaConfBaseException) else ""
    return f"{text}{reason}"


def _note_sigterm() -> Callable[[], bool]:
    """Install a SIGTERM handler that ends the run as Ctrl-C does (KeyboardInterrupt: the run
    directory reads ``interrupted``, the resume line is printed) and remembers that it did;
    returns whether SIGTERM arrived. By default SIGTERM ended the process at once, its
    results.json left reading ``running`` with no word. Left alone where SIGTERM is ignored
    or handled otherwise (submitit's job handler, which bypasses SLURM's SIGTERM before a
    requeue) or off the main thread."""
    received: list[bool] = []

    def handler(signum: int, frame: object) -> None:
        received.append(True)
        raise KeyboardInterrupt

    try:
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        pass
    return lambda: bool(received)


def _note_ctrl_c() -> Callable[[], bool]:
    """Install a SIGINT handler that raises KeyboardInterrupt as Python's does and remembers
    that it did; returns whether Ctrl-C was pressed. Left alone where SIGINT is ignored or
    handled otherwise (a background job, an embedding program) or off the main thread."""
    pressed: list[bool] = []

    def handler(signum: int, frame: object) -> None:
        pressed.append(True)
        raise KeyboardInterrupt

    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        pass
    return lambda: bool(pressed)


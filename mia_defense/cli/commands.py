"""Shell commands the CLIs print for the user to paste (``tensorboard``, ``mia-report``),
and what they do when the shell's reader of their output goes away (`quiet_stdout`).

The tools sit next to the Python that runs mia-defense (``.venv/bin/`` after ``make
install``), which is often not on ``PATH``: a printed bare ``tensorboard`` would then say
``command not found``. These helpers name the tool by the path that works.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from mia_defense.constraints import shell_word

__all__ = [
    "quiet_stdout", "shell_path", "shell_word", "tool_command", "umask_refusal",
]


def shell_path(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the directory the command was started in when it lies under
    it, shell-quoted; a name with a newline or another control character (an escape code
    would reach the terminal, a newline forge a line of the tool's output) is written
    ``$'...'`` with those characters as escapes, which bash and zsh read back as the same
    name. A relative name starting with ``-`` is written ``./-name``: the commands printed
    with it (``mia-report -sw``, ``tensorboard --logdir -sw``) read it as an option."""
    path = Path(path)
    try:
        path = Path(os.path.abspath(path)).relative_to(_launch_dir())
    except ValueError:
        pass
    text = str(path) or "."
    return shell_word(f"./{text}" if text.startswith("-") else text)


def _launch_dir() -> Path:
    """Where the user's shell is: Hydra's ``runtime.cwd`` inside a job
    (``hydra.job.chdir=true`` moves the process into the run directory, where "." would
    name another folder), else the working directory."""
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        with contextlib.suppress(Exception):
            return Path(HydraConfig.get().runtime.cwd)
    return Path.cwd()


def tool_command(name: str) -> str:
    """How to call the console script ``name`` from this shell: ``name`` when ``PATH``
    finds the one beside this Python, else its path (``.venv/bin/name``); ``name`` when
    there is none beside this Python."""
    beside = Path(sys.executable).parent / name
    if not beside.is_file():
        return name
    found = shutil.which(name)
    if found is not None and Path(found).resolve() == beside.resolve():
        return name
    return shell_path(beside)


def lenient_stdout() -> Callable[[], None]:
    """Characters stdout cannot encode (``·``, ``–``, ``ε`` of a DP run's table or a report's
    front, a run folder's name under ``PYTHONIOENCODING=ascii`` or a Latin-1 locale) as
    ``\\xb7`` escapes, as Python writes stderr: the run or report was written, then printing
    its table ended in a UnicodeEncodeError traceback. A stdout or stderr the tool was started
    without (``>&-``, ``2>&-``: Python's is None) writes to /dev/null (`_closed_to_devnull`).
    Returns what puts those streams' own handling back, for a process that goes on after the
    tool (a main() called from a notebook left its stdout escaping what it should have
    refused)."""
    reopened = _closed_to_devnull()
    stream = sys.stdout
    errors = getattr(stream, "errors", None)
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None or errors == "backslashreplace":
        return reopened
    with contextlib.suppress(ValueError, OSError):  # (a closed or detached stream)
        reconfigure(errors="backslashreplace")

    def put_back() -> None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors=errors)
        reopened()

    return put_back


def _closed_to_devnull() -> Callable[[], None]:
    """Give a stdout or stderr the process was started without (``mia-train >&-``, a daemon's
    closed descriptors: Python sets ``sys.stdout`` to None) /dev/null, on its descriptor too
    where that is free. A closed stdout ended a finished run in a traceback ("'NoneType'
    object has no attribute 'write'", exit 1) as it printed the table; a closed stderr failed
    the run as its progress bar started (results.json: failed), and the files opened next
    took descriptors 1 and 2, where a native library's messages would have landed. Returns
    what closes them again."""
    made: list[tuple[str, IO[str]]] = []
    for fd, name in ((1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is not None:
            continue
        try:
            os.fstat(fd)
            taken = True  # by a file opened since: left as it is
        except OSError:
            taken = False
        if taken:
            stream = open(os.devnull, "w", encoding="utf-8")
        else:
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            stream = open(fd, "w", encoding="utf-8")  # (closing it closes fd)
        setattr(sys, name, stream)
        made.append((name, stream))

    def put_back() -> None:
        for name, stream in made:
            if getattr(sys, name) is stream:
                setattr(sys, name, None)
            with contextlib.suppress(OSError, ValueError):
                stream.close()

    return put_back


def umask_refusal() -> str | None:
    """The line refusing a umask that takes the owner's write or search permission (``umask
    777``, ``277``) from the folders a tool makes, else None: every folder it made was one
    its own user could not write into (root aside), and each tool stopped at the first with
    "cannot write there (Permission denied); point hydra.run.dir at a writable directory"
    (mia-report: "choose another report directory"), naming a folder that was writable.
    Root, who may write there, is refused too: what it wrote, mode 0000, no one else reads."""
    mask = _umask()
    if mask & 0o300 == 0:
        return None
    return (f"the umask {mask:04o} takes the owner's write or search permission from every "
            f"folder this command makes (mode {0o777 & ~mask:04o}), so that only root could "
            "write into them; nothing was run. Run `umask 022` (or `umask 077`) in this "
            "shell, then the command again")


def _umask() -> int:
    """This process's umask, read without setting it where Linux shows it (a thread making a
    file meanwhile would get another)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def quiet_stdout() -> Callable[[], None]:
    """Point stdout at /dev/null once its reader has gone (``mia-report SWEEP | head``), so
    that Python's flush at exit does not hit the closed pipe again (and print "Exception
    ignored ... BrokenPipeError"). Returns what drops what stdout holds by then (flushed to
    /dev/null) and points its descriptor back where it was, for a process that goes on after
    the tool: a main() called in-process left the caller's fd 1 on /dev/null for good (its
    own later lines lost without an error, a pytest capture's file emptied)."""
    try:
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError, io.UnsupportedOperation):  # a stdout without a descriptor
        return lambda: None
    try:
        was = os.dup(fd)
    except OSError:
        os.close(devnull)
        return lambda: None
    os.dup2(devnull, fd)  # (cannot fail: both are open)
    os.close(devnull)
    stream = sys.stdout

    def put_back() -> None:
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
        try:
            os.dup2(was, fd)
        finally:
            os.close(was)

    return put_back

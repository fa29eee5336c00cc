"""Shell commands the CLIs print for the user to paste (``tensorboard``, ``mia-report``).

The tools sit next to the Python that runs mia-defense (``.venv/bin/`` after ``make
install``), which is often not on ``PATH``: a printed bare ``tensorboard`` would then say
``command not found``. These helpers name the tool by the path that works.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

__all__ = ["shell_path", "tool_command"]


def shell_path(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the working directory when it lies under it, shell-quoted."""
    path = Path(path)
    try:
        path = path.relative_to(Path.cwd())
    except ValueError:
        pass
    return shlex.quote(str(path) or ".")


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

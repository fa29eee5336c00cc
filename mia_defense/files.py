"""File primitives every stage shares, torch-free: atomic writes (a file is either its old
content or its complete new content) and reading .npz arrays without unpickling."""

from __future__ import annotations

import contextlib
import os
import stat
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from mia_defense.errors import DataError

__all__ = ["MAX_JSON_DEPTH", "atomic_write", "json_depth", "load_npz", "require_regular_file"]


# JSON nested deeper than this was written by no run (a results.json is about 6 levels deep,
# observations' metadata less).
# Every reader walks it recursively, several frames a level: at 900 levels the config
# comparison of a resumed run or mia-attack hit Python's recursion limit (a traceback).
MAX_JSON_DEPTH = 100


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (a scalar: 0), counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(
            item, list) else None  # fmt: skip
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it into place.

    The temporary name is unique per call (two processes never share it), and it is removed
    when writing fails. A failure to write (disk full, file size limit, read-only or missing
    directory, a file where a directory should be) is a `DataError` naming ``path``.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise DataError(
            f"{path}: cannot write it ({exc.strerror or exc}); free disk space or choose a "
            "writable run directory (hydra.run.dir=...)"
        ) from None
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)


def require_regular_file(path: Path) -> None:
    """A `DataError` naming ``path`` unless it is a regular file (after links): a FIFO would
    block the reader forever, a device may never end, a directory cannot be read."""
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        kind = "directory" if stat.S_ISDIR(mode) else "FIFO (named pipe)" if stat.S_ISFIFO(
            mode) else "special file"  # fmt: skip
        raise DataError(f"{path}: a {kind}, not a regular file; replace it with the file itself")


def load_npz(path: Path) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` without unpickling (object arrays are refused); the
    path must be a regular file (`require_regular_file`)."""
    require_regular_file(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except FileNotFoundError as exc:
        raise DataError(f"{path}: file not found") from exc
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{path}: corrupt or not an .npz archive of plain arrays ({exc})") from exc

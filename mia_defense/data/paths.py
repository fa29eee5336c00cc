"""The data file a loader reads: ``dataset.path`` expanded (``~``, the launch directory of a
Hydra job that changed it) and checked (`require_path`), with a refusal that says what to
point it at. Moved out of `mia_defense.data.checks`, which re-exports `require_path`."""

from __future__ import annotations

import errno
import itertools
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

from mia_defense.constraints import number_hint, shown, shown_path, typed_path
from mia_defense.data.guards import LOOP_FIX, dangling_link, file_kind
from mia_defense.errors import ConfigError, DataError
from mia_defense.files import UnknownHomeError, home_expanded

__all__ = ["other_cases", "refuse_folder", "require_path"]

# Entries of a folder looked through for the files a folder refusal names (`refuse_folder`).
_LISTED_ENTRIES = 10_000
# Files a folder refusal names at most.
_NAMED_FILES = 5


def require_path(path: str | os.PathLike[str] | None, *, name: str, expected: str) -> Path:
    """``path`` expanded; a `DataError` saying what to point at when it is unset or missing,
    or when it names a FIFO, device or socket (never opened: it could block or never end)."""
    if path is None or (isinstance(path, (str, os.PathLike)) and str(path) == ""):
        raise DataError(f"dataset {name!r}: dataset.path is not set; point it at {expected}")
    if not isinstance(path, (str, os.PathLike)):
        raise ConfigError(f"dataset.path={shown(path)}: must be a path (text), e.g. {expected}"
                          + _number_path_hint(path))
    if "\0" in str(path):
        raise DataError(f"dataset {name!r}: dataset.path {shown_path(path, quoted=True)} holds "
                        f"a NUL byte, which no file name can; set dataset.path to {expected}")
    resolved = _from_launch_dir(_expand_user(Path(path), name=name, expected=expected))
    where = shown_path(resolved)  # (a path of 100,000 characters was echoed whole)
    try:
        mode = resolved.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        said = dangling_link(resolved)
        if said is not None:
            raise DataError(f"dataset {name!r}: {where} {said}; or set dataset.path to "
                            f"{expected}") from None
        raise DataError(
            f"dataset {name!r}: {where} does not exist; set dataset.path to {expected}"
            + (_mistyped(str(path)) or _other_case(resolved) or _relative_to(resolved))
        ) from None
    except OSError as exc:
        raise DataError(
            f"dataset {name!r}: {where} cannot be accessed ({exc.strerror or exc}); "
            f"set dataset.path to {expected}"
            + ("; make it readable for this user (chmod, or ask its owner)"
               if isinstance(exc, PermissionError) else "")
            + (LOOP_FIX if exc.errno == errno.ELOOP else "")
        ) from exc
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        raise DataError(
            f"dataset {name!r}: {where} is a {file_kind(mode)}, not a file or folder; "
            f"set dataset.path to {expected}"
        )
    if stat.S_ISREG(mode):
        _refuse_file_as_folder(str(path), name=name, where=where)
    return resolved


def _refuse_file_as_folder(path: str, *, name: str, where: str) -> None:
    """Refuse a path to a file that ends with a separator ('file.csv/'): pathlib drops it,
    so the file was read, where the OS refuses such a path ('Not a directory'): a folder
    was perhaps meant."""
    if path.endswith(tuple(sep for sep in (os.sep, os.altsep) if sep)):
        raise DataError(
            f"dataset {name!r}: dataset.path ends with {path[-1]!r}, which only a "
            f"folder's path does, but {where} is a file: remove the {path[-1]!r} at the end "
            "to read the file, or name the folder meant"
        )


def _hydra_job() -> Any:
    """The running Hydra job's `HydraConfig`, or ``None`` (no job: called from Python)."""
    hydra_config = sys.modules.get("hydra.core.hydra_config")  # (not imported: no Hydra job)
    if hydra_config is None or not hydra_config.HydraConfig.initialized():
        return None
    return hydra_config.HydraConfig


def _number_path_hint(value: Any) -> str:
    """What to add to the refusal of a number (or true/false) given as ``dataset.path``: in
    a Hydra job, the config check's hint (Hydra read a file named 2024 as a number: quote
    it, or start it with ./); from Python (``load_csv(path=2024)``), to pass it as text.
    ``''`` for anything else (a list, a dict: no such slip)."""
    hint = number_hint("dataset.path", value, ("str",), path=True)
    if not hint or _hydra_job() is not None:
        return hint
    if isinstance(value, bool):
        return f"; {value!r} is a bool, not text: pass the path as a str or pathlib.Path"
    return (f"; {shown(value)} is a number, not text: pass the path as a str or pathlib.Path "
            f"(path='{shown(value)}' for a file of that name)")


def _from_launch_dir(path: Path) -> Path:
    """A relative ``path`` as the directory the command was started in, where a job of
    Hydra runs elsewhere (``hydra.job.chdir=true``: in its run directory, where the data
    file was looked for and not found); as it is otherwise."""
    hydra_config = _hydra_job()
    if path.is_absolute() or hydra_config is None:
        return path
    launched = hydra_config.get().runtime.cwd
    if not launched or os.path.realpath(launched) == os.path.realpath(os.getcwd()):
        return path
    return Path(launched) / path


def _mistyped(text: str) -> str:
    """Why a path that does not exist may have been written wrong, or "": spaces or quotes
    around it (invisible in the message), an unexpanded $VARIABLE, or a URL."""
    bare = text.strip().strip("\"'").strip()
    if bare != text and bare and os.path.exists(os.path.expanduser(bare)):
        return (f" (the value is {shown_path(text, quoted=True)}: remove the spaces or quotes "
                f"around {shown_path(bare)})")
    if "$" in text:
        return (" (a $VARIABLE in dataset.path is not expanded: write the full path, or "
                "${oc.env:HOME}/... on a command line)")
    if "://" in text or text.startswith("file:"):
        return " (a URL: nothing is downloaded; give the path of a local copy)"
    return ""


def _other_case(path: Path) -> str:
    """Where ``path``'s folder holds its name in another letter case (``adult.csv`` for
    ``Adult.csv``, typed from a listing on a system that ignores case): that name; or ""."""
    there = other_cases(path.parent, [path.name])
    if not there:
        return ""
    return f" ({shown_path(there[0].name)} is there: the letter case differs)"


def other_cases(folder: Path, names: Iterable[str]) -> list[Path]:
    """The entries of ``folder`` named as one of ``names`` in another letter case only
    (``TRAIN-IMAGES-IDX3-UBYTE`` for ``train-images-idx3-ubyte``: a copy from a system that
    ignores case), sorted; those spelt exactly as ``names`` are left out."""
    wanted = set(names)
    lowered = {name.lower() for name in wanted}
    return sorted(entry for entry in _entries(folder)
                  if entry.name.lower() in lowered and entry.name not in wanted)


def _relative_to(path: Path) -> str:
    """Where a relative ``path`` was looked for: the working directory, which is not where
    the command was started when the launcher changes it (hydra.job.chdir=true)."""
    if path.is_absolute():
        return ""
    return (f" (a relative path is read from the working directory, {shown_path(Path.cwd())}; "
            "or give an absolute path)")


def _expand_user(path: Path, *, name: str, expected: str) -> Path:
    """``path`` with a leading ``~`` or ``~user`` the home folder (`home_expanded`); a
    `DataError` for an unknown user, in the dataset's words."""
    try:
        return home_expanded(path, where="dataset.path")
    except UnknownHomeError as exc:
        raise DataError(
            f"dataset {name!r}: {shown_path(exc.path)}: no user "
            f"{shown_path(exc.home[1:], quoted=True)} for '~' (or no home directory); write "
            f"the full path: set dataset.path to {expected}"
        ) from None


def refuse_folder(folder: Path, *, name: str, what: str, suffixes: tuple[str, ...]) -> NoReturn:
    """Refuse ``folder`` given as dataset.path where loader ``name`` reads one file (``what``),
    naming the files it holds whose names end in one of ``suffixes`` (any letter case), and
    the setting to type where there is one: "point dataset.path at the CSV" alone left the
    user to look for its name."""
    found = _files_ending(folder, suffixes)
    held = ""
    if found:
        held = f": it holds {', '.join(map(shown_path, found[:_NAMED_FILES]))}" + (
            f" and {len(found) - _NAMED_FILES} more" if len(found) > _NAMED_FILES else "")
        typed = typed_path(folder / found[0], instead="")
        if len(found) == 1 and typed:
            held += f" (dataset.path={typed})"
    raise DataError(f"dataset {name!r}: {shown_path(folder)} is a folder; point dataset.path at "
                    f"{what}{held}")


def _files_ending(folder: Path, suffixes: tuple[str, ...]) -> list[str]:
    """The names of the files in ``folder`` ending in one of ``suffixes``, sorted."""
    return sorted(entry.name for entry in _entries(folder)
                  if entry.name.lower().endswith(suffixes) and entry.is_file())


def _entries(folder: Path) -> list[Path]:
    """The first `_LISTED_ENTRIES` entries of ``folder``; none where it cannot be listed."""
    try:
        return list(itertools.islice(folder.iterdir(), _LISTED_ENTRIES))
    except OSError:
        return []

"""File primitives every stage shares, torch-free: atomic writes (a file is either its old
content or its complete new content) and reading .npz arrays without unpickling."""

from __future__ import annotations

import contextlib
import contextvars
import errno
import io
import math
import os
import re
import stat
import struct
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np

from mia_defense.budget import available_memory
from mia_defense.constraints import shown_path
from mia_defense.errors import ConfigError, DataError

__all__ = [
    "FOLDER_GONE",
    "LFS_POINTER",
    "MAX_JSON_DEPTH",
    "RUN_FOLDER_SETTING",
    "UnknownHomeError",
    "atomic_write",
    "cut_short_at",
    "events_write",
    "gib",
    "held_folder",
    "home_expanded",
    "json_depth",
    "lfs_placeholder",
    "lfs_pointer_at",
    "list_folder",
    "load_npz",
    "no_regular_file",
    "npz_member_bytes",
    "npz_member_shape",
    "path_text_problem",
    "process_alive",
    "process_started",
    "regular_file_open",
    "remove_stale_temp_files",
    "require_held",
    "require_readable",
    "require_regular_file",
    "require_zip",
    "run_files",
    "run_folder_advice",
    "save_npz",
    "shared_array_name",
    "stale_temp_files",
    "sweep_files",
    "walk_run_folders",
    "write_advice",
]

# Deflate expands at most ~1032:1; an archive entry claiming more than that is forged.
_DEFLATE_MAX_RATIO = 1032
# numpy's own limit on a .npy header (np.load's max_header_size).
_NPY_MAX_HEADER = 10_000
# Bytes of a file's name kept in its temporary name (atomic_write): with the process id
# and a random part it stays within the 255 bytes a file name may have.
_TMP_STEM_BYTES = 200
# atomic_write's temporary name: ``.<file name>.<process id>.<8 hex digits>.tmp``.
_TMP_NAME = re.compile(r"\.(?P<stem>.+)\.(?P<pid>[1-9][0-9]*)\.[0-9a-f]{8}\.tmp")
# Share of the available RAM the arrays of one .npz may claim (as the data loaders').
_NPZ_MEMORY_FRACTION = 0.8


# JSON nested deeper than this was written by no run (a results.json is about 6 levels deep,
# observations' metadata less).
# Every reader walks it recursively, several frames a level: at 900 levels the config
# comparison of a resumed run or mia-attack hit Python's recursion limit (a traceback).
MAX_JSON_DEPTH = 100

# The setting that chooses the folder a run writes in, named by the advice of a write that
# failed there (`run_folder_advice`): mia-train and mia-attack set hydra.sweep.dir for the
# points of a sweep, whose folders hydra.sweep.dir chooses (their hydra.run.dir is unread).
RUN_FOLDER_SETTING: contextvars.ContextVar[str] = contextvars.ContextVar(
    "run_folder_setting", default="hydra.run.dir")


class UnknownHomeError(ConfigError):
    """`home_expanded`'s refusal: no home folder is known for ``home`` (its ``~`` or
    ``~user``), the path as given in ``path``."""

    def __init__(self, message: str, *, path: str, home: str) -> None:
        super().__init__(message)
        self.path, self.home = path, home


# The longest name of a file or folder, and of a whole path, that Linux's file systems take
# (NAME_MAX, PATH_MAX, in bytes): a longer text names no file
_NAME_MAX, _PATH_MAX = 255, 4096


def path_text_problem(arg: str) -> str | None:
    """Why ``arg`` can name no file or folder (a NUL byte, a name longer than the file system
    takes), ``None`` where it can: such a text is not stat-ed (a 5,000-digit
    attack.bootstrap=9...9 was a raw 'OSError: File name too long' from `split_path`).
    The one refusal of such a text: mia-attack's source, `home_expanded`'s NUL."""
    if "\0" in arg:
        return "holds a NUL byte, which no file name has"
    raw = os.fsencode(arg)
    if len(raw) >= _PATH_MAX:
        return f"is {len(raw)} bytes long, longer than any path ({_PATH_MAX - 1} bytes at most)"
    longest = max(len(part) for part in raw.split(b"/"))
    if longest > _NAME_MAX:
        return (f"holds a name of {longest} bytes, longer than any file or folder's "
                f"({_NAME_MAX} bytes at most)")  # fmt: skip
    return None


def home_expanded(path: str | os.PathLike[str], *, where: str) -> Path:
    """``path`` with a leading ``~`` or ``~user`` the home folder, as the shell would have
    made it: every path a user gives mia-defense (dataset.path, cache_dir, mia-attack's
    source, mia-report's --out, load_observations, Observations.save/load) takes it so, one
    way: Python's open and numpy.load do not expand it (``load_observations('~/obs.npz')``
    was 'file not found'), and ``--out=~/reports`` made a folder named ``~`` here.
    An `UnknownHomeError` naming ``where`` where no home folder is known for it: pathlib's
    bare RuntimeError for a ``~user`` of no such user (a caller with its own words catches
    it: ``.path``, ``.home``). A NUL anywhere in the name is a plain `ConfigError` naming
    ``where`` (`path_text_problem`): it was pathlib's ValueError 'embedded null byte' under
    ``~``, and elsewhere at the first open (``Observations.save('a\\0b.npz')``)."""
    text = os.fspath(path)
    if isinstance(text, str) and "\0" in text:
        raise ConfigError(f"{where}: path={shown_path(text, quoted=True)}: "
                          f"{path_text_problem(text)}: give the path of a file or folder")
    try:
        return Path(path).expanduser()
    except (RuntimeError, ValueError):
        home = Path(text).parts[0]
        raise UnknownHomeError(
            f"{where}: path={shown_path(text, quoted=True)}: cannot tell which home folder "
            f"{shown_path(home, quoted=True)} is (no such user, or no home folder known); give "
            "the full path",
            path=text, home=home,
        ) from None


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


def write_advice(exc: BaseException, *, fix: str, where: str) -> str:
    """What to do about a write that failed with ``exc`` (an OSError, or `atomic_write`'s
    `DataError`): ``free disk space or <fix>`` for a full disk or quota (or a cause not
    known); for a file larger than the file system or ``ulimit -f`` allows (EFBIG: FAT32's
    4 GB), where no space freed helps, to raise the limit or write elsewhere (``where``: the
    setting that chooses the place); for any other cause (permission denied, a read-only
    file system, a file where a folder should be) ``<fix>`` alone: freeing space was no
    advice for those."""
    code = getattr(exc, "errno", None)
    if code == errno.EFBIG:
        return ("the file is larger than this file system or `ulimit -f` allows: raise the "
                f"limit or write elsewhere ({where})")
    if code in (None, errno.ENOSPC, errno.EDQUOT):
        return f"free disk space or {fix}"
    return fix


def run_folder_advice(exc: BaseException) -> str:
    """`write_advice` for a write into a run's folder that failed with ``exc``: choose a
    writable run directory, naming the setting that chooses it (`RUN_FOLDER_SETTING`:
    ``hydra.run.dir=...`` of a single run, ``hydra.sweep.dir=...`` of a sweep's point)."""
    setting = RUN_FOLDER_SETTING.get()
    kind = "sweep" if setting == "hydra.sweep.dir" else "run"
    return write_advice(exc, fix=f"choose a writable {kind} directory ({setting}=...)",
                        where=f"{setting}=...")


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it into place.

    The temporary name is unique per call (two processes never share it), and it is removed
    when writing fails. The data reach the disk before the rename (and the rename before
    returning), so a power cut leaves the old file or the new one, never an empty one
    (ext4 and XFS may otherwise commit the rename first). A failure to write (disk full,
    file size limit, read-only or missing directory, a file where a directory should be) is
    a `DataError` naming ``path``.
    """
    path = Path(path)
    # (a name near the file system's 255 bytes: the temporary name, 20-odd bytes longer, is
    # cut, or a name the file system takes was refused as 'File name too long')
    stem = path.name.encode(errors="surrogateescape")[:_TMP_STEM_BYTES]
    stem_text = stem.decode(errors="ignore")
    tmp = path.with_name(f".{stem_text}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")  # _TMP_NAME
    require_held(path)  # (a run's folder removed: not made again without its lock)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _sync_directory(path.parent)
    except OSError as exc:
        _discard(tmp)
        require_held(path)  # (removed while it was written: said as such)
        advice = run_folder_advice(exc)
        error = DataError(f"{shown_path(path)}: cannot write it ({exc.strerror or exc}); {advice}")
        error.reason = str(exc.strerror or exc)
        error.errno = exc.errno  # (for `write_advice` of a caller's own words)
        raise error from None
    except BaseException:
        _discard(tmp)
        raise


# What `require_held`'s refusal says of the folder (a sweep's end names such points apart).
FOLDER_GONE = "the run folder was removed or moved while this run was writing it"
# The folders this process holds by a lock file (`held_folder`): (absolute path, lock file's
# name, its open descriptor), checked by `require_held` before each write into them.
_HELD: list[tuple[str, str, int]] = []


@contextlib.contextmanager
def held_folder(folder: Path, *, lock: str, fd: int) -> Iterator[None]:
    """While the body runs, ``folder`` is this process's by the lock file ``lock`` in it,
    open as ``fd`` (`mia_defense.tracking.run_dir.claim_run_dir`): `atomic_write` refuses to
    write into it once that file is gone (`require_held`)."""
    entry = (os.path.abspath(folder), lock, fd)
    _HELD.append(entry)
    try:
        yield
    finally:
        _HELD.remove(entry)


def require_held(path: Path) -> None:
    """A `DataError` when ``path`` lies in a folder this process holds (`held_folder`) whose
    lock file is no longer the one it holds: the folder was removed (``rm -rf`` while the run
    trained) or moved, or another run made it anew. The run's next write made the folder
    again, without its lock and its log, and the run ended 'complete' in it. One ``stat``
    per write into a held folder; nothing when none is held."""
    if not _HELD:
        return
    target = os.path.abspath(path)
    for folder, lock, fd in _HELD:
        if target != folder and not target.startswith(folder.rstrip(os.sep) + os.sep):
            continue
        try:
            now, held = os.stat(os.path.join(folder, lock)), os.fstat(fd)
            same = (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)
        except OSError:
            same = False
        if not same:
            raise DataError(
                f"{shown_path(folder)}: {FOLDER_GONE} (its {lock} is gone, or is another run's), "
                f"so {shown_path(path)} was not written: nothing more of this run goes there. Run "
                "the same command again to run it anew (a folder moved away keeps what the run had "
                "saved: move it back, or run in it, to resume the run)"
            )


def stale_temp_files(
    folder: Path, *, pattern: re.Pattern[str] = _TMP_NAME, folders: bool = False
) -> list[Path]:
    """`atomic_write`'s temporary files in ``folder`` (not below it) whose writer is gone:
    a process killed while writing (SIGKILL, the OOM killer) leaves its temporary file,
    which no reader takes, and each such death added one. A file counts only when its name
    is exactly `_TMP_NAME`'s, it is a regular file of this user (no link), and the process
    id in its name is no process on this machine; the file of a live process (this one's
    included, or another whose id was reused) is never named. Sorted; an unreadable
    ``folder`` holds none.

    Another writer's temporary entries: ``pattern`` (with a ``pid`` group: the writer's
    process id) in place of `_TMP_NAME`, and ``folders`` to name folders (no link) in place
    of regular files (mia-report writes each file in a temporary folder of its own)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    kind = stat.S_ISDIR if folders else stat.S_ISREG
    stale = []
    for name in names:
        match = pattern.fullmatch(name)
        if match is None or process_alive(int(match["pid"])):
            continue
        try:
            info = os.lstat(Path(folder) / name)
        except OSError:
            continue
        if kind(info.st_mode) and info.st_uid == os.getuid():
            stale.append(Path(folder) / name)
    return stale


def remove_stale_temp_files(folder: Path, *, pattern: re.Pattern[str] = _TMP_NAME) -> list[Path]:
    """Remove the `stale_temp_files` of ``folder`` (files only) and return those removed; a
    file that cannot be removed is left. Call it holding the lock of what is written there,
    so that no other writer's file is taken for a dead one's."""
    removed = []
    for tmp in stale_temp_files(folder, pattern=pattern):
        try:
            tmp.unlink()
        except OSError:
            continue
        removed.append(tmp)
    return removed


def process_alive(pid: int) -> bool:
    """Whether ``pid`` may be a live process here (this one, another user's, or an id no
    signal can be sent to: all count as alive). A zombie (killed, its parent yet to reap it:
    a pool's worker, a script's Popen never waited on) writes nothing more: dead."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether ``pid`` is a zombie (state Z in /proc/PID/stat); ``False`` where that cannot
    be read (no /proc: not Linux)."""
    fields = _proc_stat(pid)
    return fields is not None and fields[:1] == [b"Z"]


def process_started(pid: int) -> float | None:
    """When process ``pid`` of this host started, in seconds since the epoch: its start in
    clock ticks since boot (/proc/PID/stat field 22) plus the boot time (/proc/stat's
    btime); ``None`` where that cannot be read (no /proc: not Linux; the process gone)."""
    fields = _proc_stat(pid)
    try:
        ticks = int(fields[19]) if fields is not None else None
        with open("/proc/stat", "rb") as boot_file:
            boot = next(int(line.split()[1]) for line in boot_file if line.startswith(b"btime"))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return None if ticks is None else boot + ticks / os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> list[bytes] | None:
    """The fields of /proc/PID/stat after its name's last ')' (the state first), or ``None``
    where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            return stat_file.read().rpartition(b")")[2].split()
    except OSError:
        return None


def _sync_directory(directory: Path) -> None:
    """Commit a rename in ``directory`` to disk, where the platform can (not on Windows)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def events_write(log_dir: Path, pattern: str) -> Iterator[None]:
    """Around a TensorBoard writer's events into ``log_dir``: its writer thread prints a
    traceback when a write fails (a full disk) and the main thread then raises the same
    error, so only the main thread's is kept, as one line; and the event files matching
    ``pattern`` that the failed write made, cut where it failed, are removed before the
    error goes on (TensorBoard read a cut file as the run's, or the report's, whole)."""
    before = set(log_dir.glob(pattern))
    default = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if not issubclass(args.exc_type, OSError):
            default(args)

    threading.excepthook = hook
    try:
        yield
    except OSError:
        for cut in set(log_dir.glob(pattern)) - before:
            with contextlib.suppress(OSError):
                cut.unlink()
        raise
    finally:
        threading.excepthook = default


def walk_run_folders(
    root: Path,
    *,
    is_run: Callable[[set[str], bool], bool],
    list_dir: Callable[[Path], list[os.DirEntry[str]]] | None = None,
    max_folders: int | None = None,
    too_many: Callable[[Path], BaseException] | None = None,
    cannot_list: Callable[[Path, OSError], None] | None = None,
    not_followed: Callable[[Path, str], None] | None = None,
) -> Iterator[tuple[Path, set[str], set[str]]]:
    """Each folder read under a sweep's ``root`` (itself included), at any depth, as
    ``(folder, its entries' names, the names of those that are folders)``: the one walk of
    mia-report (`mia_defense.report.runs._run_dirs`) and of `run_files`.

    Links to folders are followed (Hydra writes a sweep's run through a link standing in its
    folder's place; Python 3.11's ``Path.rglob`` follows none), after the real folders (a
    run reached both ways is named by its folder); each folder is read once, by its
    (st_dev, st_ino) (a link loop ends); ``.hydra`` is not read; a link out of ``root`` is
    followed only to a run's folder, ``is_run(the names of its entries but its folders,
    whether a .hydra folder is among them)`` (its sub-folders then too; a link to ``/`` or a
    home folder would walk the disk). Sub-folders are read in name order.

    What the callers differ in: ``list_dir`` lists a folder (`list_folder`);
    ``max_folders`` folders read at most, the next raising ``too_many(that folder)``;
    ``cannot_list(folder, error)`` for a folder whose stat or listing failed (else skipped
    unsaid); ``not_followed(link, why)`` for a link not followed, ``why`` ``"read"`` (its
    folder already read) or ``"outside"`` (out of ``root`` to no run)."""
    read: set[tuple[int, int]] = set()
    inside = Path(root).resolve()
    pending = [Path(root)]
    linked: list[Path] = []  # read once no real folder is left
    while pending or linked:  # stacks, not recursion: any depth
        directory = pending.pop() if pending else linked.pop()
        try:
            info = os.stat(directory)
            if (info.st_dev, info.st_ino) in read:
                if not_followed is not None:
                    not_followed(directory, "read")
                continue
            read.add((info.st_dev, info.st_ino))
            if max_folders is not None and len(read) > max_folders:
                raise (too_many(directory) if too_many is not None else DataError(
                    f"{shown_path(root)}: more than {max_folders} folders under it (stopped at "
                    f"{shown_path(directory)})"))  # fmt: skip
            entries = (list_dir or list_folder)(directory)
        except OSError as exc:
            if cannot_list is not None:
                cannot_list(directory, exc)
            continue
        folders = {entry.name: entry for entry in entries if _is_dir(entry)}
        yield directory, {entry.name for entry in entries}, set(folders)
        for name, entry in sorted(folders.items(), reverse=True):  # (read in name order)
            if name == ".hydra":
                continue
            path = Path(entry.path)
            if _leaves(entry, inside):
                if _holds_run(path, is_run):
                    linked.append(path)  # the run itself (its sub-folders too)
                elif not_followed is not None:
                    not_followed(path, "outside")
                continue
            (linked if _is_link(entry) else pending).append(path)


def list_folder(directory: Path) -> list[os.DirEntry[str]]:
    """The entries of ``directory`` (`os.scandir`, closed before returning)."""
    with os.scandir(directory) as entries:
        return list(entries)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows links; a broken or looping link is not a directory
    except OSError:
        return False


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _leaves(entry: os.DirEntry[str], inside: Path) -> bool:
    """Whether ``entry`` is a link to a directory outside ``inside`` (resolved)."""
    try:
        if not entry.is_symlink():
            return False
        target = Path(entry.path).resolve()
    except (OSError, RuntimeError):
        return True
    return target != inside and inside not in target.parents


def _holds_run(directory: Path, is_run: Callable[[set[str], bool], bool]) -> bool:
    """Whether ``directory`` is a run's folder by ``is_run`` (of the names of its entries
    not folders, and whether a .hydra folder is among them, as the walk asks it); False
    where it cannot be listed."""
    try:
        entries = list_folder(directory)
    except OSError:
        return False
    folders = {entry.name for entry in entries if _is_dir(entry)}
    return is_run({entry.name for entry in entries} - folders, ".hydra" in folders)


def run_files(root: Path, name: str = "results.json") -> list[Path]:
    """Each file ``name`` (a run's results.json, train.log) under a sweep's ``root`` at any
    depth (hydra.sweep.subdir=${hydra.job.num}/run puts runs deeper), sorted, through links
    to folders, as mia-report walks (`walk_run_folders`: a run linked in from outside
    ``root`` is one whose folder holds results.json or .hydra); a folder of that name is
    none. [] where ``root`` cannot be read."""
    return sweep_files(root, (name,))[name]


def sweep_files(root: Path, names: tuple[str, ...]) -> dict[str, list[Path]]:
    """`run_files` of each of ``names`` from one walk of ``root`` (a sweep's start and end
    read its results.json and train.log files; a walk takes ~0.1 s on 2,000 runs)."""
    found: dict[str, list[Path]] = {name: [] for name in names}
    for folder, entries, folders in walk_run_folders(root, is_run=_has_results):
        for name in found.keys() & (entries - folders):
            found[name].append(Path(folder, name))
    return {name: sorted(paths) for name, paths in found.items()}


def _has_results(names: set[str], hydra: bool) -> bool:
    return hydra or "results.json" in names


def require_regular_file(path: Path) -> None:
    """A `DataError` naming ``path`` unless it is a regular file (after links): a FIFO would
    block the reader forever, a device may never end, a directory cannot be read."""
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        raise DataError(f"{shown_path(path)}: file not found") from None
    except OSError as exc:
        raise DataError(f"{shown_path(path)}: cannot read it ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        kind = "directory" if stat.S_ISDIR(mode) else "FIFO (named pipe)" if stat.S_ISFIFO(
            mode) else "special file"  # fmt: skip
        raise DataError(f"{shown_path(path)}: a {kind}, not a regular file; replace it with the "
                        "file itself")


def no_regular_file(path: Path) -> str | None:
    """What ``path``, which is there (`os.path.lexists`), is where it is no regular file to
    read, in `require_regular_file`'s words less the path and its advice, after 'a link to
    TARGET: ' where it is a link: 'a link to /dev/zero: a special file, not a regular file',
    'a directory, not a regular file', 'a FIFO (named pipe), not a regular file'; ``None``
    for a regular file (after links)."""
    try:
        require_regular_file(path)
    except DataError as exc:
        what = str(exc).removeprefix(f"{shown_path(path)}: ").partition(";")[0]
    else:
        return None
    if os.path.islink(path):
        return f"a link to {shown_path(os.path.realpath(path))}: {what}"
    return what


def require_readable(path: Path) -> None:
    """A `DataError` naming ``path`` when this user may not open it for reading (chmod 000,
    another user's file), saying so, where a reader's own error named it corrupt or ended
    in a PermissionError. Opened without waiting (a FIFO) and closed at once."""
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    except OSError as exc:
        raise DataError(f"{shown_path(path)}: cannot read it ({exc.strerror or exc}); make it "
                        "readable for this user (chmod, or ask its owner)") from None


# The first line of a Git LFS pointer file: what a repository's large file is until
# `git lfs pull` downloads it (a clone without git-lfs, or GIT_LFS_SKIP_SMUDGE=1).
LFS_POINTER = b"version https://git-lfs.github.com/spec/"
# Bytes a pointer's lines (version, oid, size) fit in.
_LFS_HEAD = 512


def lfs_placeholder(head: bytes) -> str | None:
    """``a Git LFS pointer (a placeholder of a 9.5 MiB file)`` when ``head``, a file's first
    bytes, opens a Git LFS pointer, else ``None``."""
    if not head.startswith(LFS_POINTER):
        return None
    size = re.search(rb"\nsize (\d{1,20})\b", head)
    return "a Git LFS pointer (a placeholder" + (
        f" of a {gib(int(size.group(1)))} file)" if size else ")")


def lfs_pointer_at(path: Path) -> str | None:
    """`lfs_placeholder` of the regular file at ``path`` (its first bytes read), or ``None``
    for anything else, a file that cannot be read included (its readers say why)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0:  # (/proc's files: never read)
            return None
        with open(path, "rb") as handle:
            return lfs_placeholder(handle.read(_LFS_HEAD))
    except OSError:
        return None


@contextlib.contextmanager
def regular_file_open(path: Path, *, follow_links: bool = True) -> Iterator[BinaryIO | None]:
    """The file at ``path`` open for reading where it is a regular file, else ``None`` (none
    there, unreadable, a FIFO or device: opened without blocking and never read; with
    ``follow_links`` false, a link). The mode checked is that of what was opened."""
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError:
        yield None
        return
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # (a folder's fd: open() raised on it)
        os.close(fd)
        yield None
        return
    with open(fd, "rb") as handle:
        yield handle


def cut_short_at(path: Path) -> str | None:
    """What the regular file at ``path`` is when it is a zip archive cut short (a zip's start,
    torch.save's checkpoints and np.savez's .npz, without its end) or empty, else ``None``
    (opened without blocking; a file that cannot be read: its readers say why). Asked of a
    file whose sha256 is not the one recorded, which was called another run's file, to be put
    back, where a copy was cut short."""
    with regular_file_open(path) as handle:
        if handle is None:
            return None
        try:
            cut = handle.read(4) in (b"", b"PK\x03\x04") and not zipfile.is_zipfile(handle)
        except OSError:
            return None
    return ("cut short (a zip archive without its end, or empty: a copy interrupted, a full "
            "disk)") if cut else None


def require_zip(path: Path, *, advice: str = "") -> None:
    """A `DataError` naming ``path`` unless it is a zip, as every .npz is: np.load would read
    a .npy (one array, no names), or try any other file as a pickle and advise loading "it
    unsafely". ``advice`` ends the message. A file this user may not read says so
    (`require_readable`): it was called corrupt (is_zipfile answers False for any error),
    and a report told to rerun the run."""
    require_readable(path)
    if os.stat(path).st_size == 0:  # never read: /proc's files read 0 bytes too (kmsg blocks)
        raise DataError(f"{shown_path(path)}: empty (0 bytes), not an .npz archive{advice}")
    pointer = lfs_pointer_at(path)
    if pointer is not None:  # ('corrupt or not an .npz archive', where git lfs pull fixes it)
        raise DataError(f"{shown_path(path)}: is {pointer}, not the .npz archive it stands for: "
                        "the file itself was never downloaded; run 'git lfs pull' in its "
                        "repository")
    if not zipfile.is_zipfile(path):
        raise DataError(f"{shown_path(path)}: corrupt or not an .npz archive of plain arrays (not "
                        f"a zip of .npy files, as np.savez writes){advice}")  # fmt: skip


def gib(nbytes: int) -> str:
    """``nbytes`` for a message: ``1.5 GiB``, ``12.0 MiB`` or ``300 bytes``; from 10**5 GiB
    on ``7.5e+09 GiB`` (a forged shape's digits are unreadable), still in GiB to compare
    with the budget beside it."""
    if nbytes >= 1 << 1000:  # beyond a float (attack.audit_canaries=10**400): its digits
        big = int(nbytes) >> 30  # (str() of over 4300 digits raises ValueError: estimated)
        digits = len(str(big)) if big.bit_length() < 14000 else int(big.bit_length() * 0.30103)
        return f"about 10^{digits - 1} GiB"
    if nbytes >= 10**5 << 30:
        return f"{nbytes / (1 << 30):.1e} GiB"
    if nbytes >= 1 << 30:
        return f"{nbytes / (1 << 30):.1f} GiB"
    if nbytes >= 1 << 20:
        return f"{nbytes / (1 << 20):.1f} MiB"
    return f"{nbytes} bytes"


def _npz_budget() -> int:
    """Bytes the arrays of one .npz may claim."""
    return int(_NPZ_MEMORY_FRACTION * available_memory())


def save_npz(
    handle: IO[bytes], arrays: Mapping[str, np.ndarray], *, level: int | None = None
) -> None:
    """``np.savez_compressed(handle, **arrays)`` for any array names (one named ``file``
    collided with its first parameter, one named ``allow_pickle`` was taken as that flag);
    ``level``: zlib's compression level, ``None`` its default (6, np.savez_compressed's)."""
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level,
                         allowZip64=True) as zf:  # fmt: skip
        for name, value in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)


def load_npz(path: Path) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` without unpickling (object arrays are refused); the
    path must be a regular file (`require_regular_file`). What each array's header claims
    is checked against its zip entry and the memory budget before anything is read: a
    forged header was a raw MemoryError, a 2 MB archive of zeros 2 GiB in memory."""
    require_regular_file(path)
    try:
        require_zip(path)
        size = os.stat(path).st_size
        with np.load(path, allow_pickle=False) as data:
            _refuse_duplicates(Path(path), data.zip.namelist())
            claims = sum(npz_member_bytes(data.zip, name, file=Path(path), size=size,
                                          refuse_objects=False)  # np.load refuses them
                         for name in data.zip.namelist())
            budget = _npz_budget()
            if claims > budget:
                raise DataError(
                    f"{shown_path(path)}: its arrays would need {gib(claims)} of memory, more than "
                    f"the {gib(budget)} this machine can spare; the file is forged, or too large "
                    "for this machine"
                )
            return {key: data[key] for key in data.files}
    except FileNotFoundError as exc:
        raise DataError(f"{shown_path(path)}: file not found") from exc
    except MemoryError as exc:
        raise DataError(f"{shown_path(path)}: ran out of memory while loading it; the file claims "
                        "more than this machine can hold (corrupt, or too large)") from exc
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, NotImplementedError,
            RuntimeError, struct.error) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{shown_path(path)}: corrupt or not an .npz archive of plain arrays "
                        f"({exc})") from exc


def shared_array_name(members: Sequence[str]) -> tuple[str, str, str] | None:
    """``(array name, first member, second member)`` for the first name two members of an
    .npz stand for (``y`` and ``y.npy``, or a member appended under a name already there),
    else ``None``: which of them np.load, a zip tool or another reader takes is an accident
    of the archive's order, so two readers of one file saw other arrays."""
    seen: dict[str, str] = {}
    for member in members:
        name = member.removesuffix(".npy")
        if name in seen:
            return name, seen[name], member
        seen[name] = member
    return None


def _refuse_duplicates(path: Path, members: list[str]) -> None:
    """A `DataError` when two members of the archive stand for one array
    (`shared_array_name`)."""
    clash = shared_array_name(members)
    if clash is not None:
        raise DataError(
            f"{shown_path(path)}: holds two arrays named {clash[0]!r} (a zip member appended with "
            "the same name); readers differ on which one counts: write the file again with np.savez"
        )


def npz_member_bytes(archive: zipfile.ZipFile, member: str, *, file: Path, size: int,
                     refuse_objects: bool = True) -> int:
    """Bytes the .npy ``member`` of the .npz ``file`` (``size`` bytes) claims, refused when
    its own zip entry could not hold them or (``refuse_objects``) it holds objects (pickles);
    without ``refuse_objects`` an object array claims 0 bytes (np.load refuses it)."""
    info = archive.getinfo(member)
    name = member.removesuffix(".npy")
    shape, dtype, header = _member_header(archive, info, file=file, size=size)
    if dtype.hasobject and not refuse_objects:
        return 0
    if dtype.hasobject:
        raise DataError(
            f"{shown_path(file)}: holds object (pickled) arrays, which are never loaded; save "
            "plain numeric arrays with np.savez"
        )
    nbytes = math.prod(shape) * dtype.itemsize
    if header + nbytes > info.file_size:
        raise DataError(
            f"{shown_path(file)}: array {name!r} claims shape {shape} of {dtype} ({gib(nbytes)}) "
            f"but holds {gib(info.file_size - header)} of data; the file is truncated or corrupt"
        )
    return nbytes


def npz_member_shape(archive: zipfile.ZipFile, member: str, *, file: Path, size: int
                     ) -> tuple[int, ...]:
    """Shape the .npy ``member`` of the .npz ``file`` (``size`` bytes) claims, read from its
    header alone under `npz_member_bytes`' checks of the entry (a `DataError` where they
    refuse it): no array is read."""
    return _member_header(archive, archive.getinfo(member), file=file, size=size)[0]


def _member_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, file: Path, size: int
                   ) -> tuple[tuple[int, ...], np.dtype, int]:
    """`_npy_header` of the archive's entry ``info``, refused (`DataError`) where its
    compression is one zipfile inflates without bound or its claim exceeds what ``size``
    bytes can hold."""
    name = info.filename.removesuffix(".npy")
    limit = {zipfile.ZIP_STORED: size, zipfile.ZIP_DEFLATED: _DEFLATE_MAX_RATIO * size}
    if info.compress_type not in limit:
        # zipfile inflates bzip2 and lzma without a bound on each read's output (177 bytes
        # of bzip2 are 200 MB): a few KB expanded to gigabytes before any claim was checked
        method = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}.get(
            info.compress_type, f"zip method {info.compress_type}")
        raise DataError(
            f"{shown_path(file)}: array {name!r} is compressed with {method}, which is not read "
            "(it can expand a few bytes into gigabytes before its size is checked); save the "
            "arrays with np.savez or np.savez_compressed"
        )
    if info.file_size > limit[info.compress_type]:
        raise DataError(
            f"{shown_path(file)}: array {name!r} claims {gib(info.file_size)} uncompressed, more "
            f"than a {gib(size)} archive can hold; the file is corrupt"
        )
    with archive.open(info) as stream:
        try:
            shape, dtype, header = _npy_header(stream)
        except (ValueError, struct.error) as exc:
            raise DataError(
                f"{shown_path(file)}: member {name!r} is not a valid .npy array ({exc}); save the "
                "arrays with np.savez"
            ) from exc
    return shape, dtype, header


def _npy_header(stream: BinaryIO) -> tuple[tuple[int, ...], np.dtype, int]:
    """Shape, dtype and size in bytes of a .npy header, whose length is checked before it is
    read (numpy reads a header of any claimed length, up to 4 GB, before checking it)."""
    version = np.lib.format.read_magic(stream)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f".npy format version {version} is not supported")
    width, code = (2, "<H") if version == (1, 0) else (4, "<I")
    length_bytes = stream.read(width)
    (length,) = struct.unpack(code, length_bytes)
    if length > _NPY_MAX_HEADER:
        raise ValueError(f"its header claims {length} bytes, numpy allows {_NPY_MAX_HEADER}")
    header = io.BytesIO(length_bytes + stream.read(length))
    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
            else np.lib.format.read_array_header_2_0)
    shape, _, dtype = read(header)
    return shape, dtype, 8 + width + length

"""Guards every file loader passes through before it reads: the path names a regular file,
the memory a file claims fits a budget, and low-level failures become a `DataError`.

A data file is input from outside: its headers may claim any size, it may be a FIFO that
blocks forever, or a device that never ends. Loaders check a claim against the file's real
size (a claim no file of that size could hold means the file is corrupt) and against
`memory_budget` (a share of the RAM available now) before they allocate.
"""

from __future__ import annotations

import bz2
import errno
import functools
import gzip
import io
import lzma
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from mia_defense.budget import available_memory
from mia_defense.constraints import shown_path
from mia_defense.errors import DataError, MiaDefenseError
from mia_defense.files import gib, lfs_placeholder

__all__ = [
    "ARCHIVE_HEAD",
    "GZIP_MAGIC",
    "LOOP_FIX",
    "MEMORY_BUDGET",
    "MEMORY_FRACTION",
    "NUL_PADDING",
    "archive_kind",
    "binary_kind",
    "check_memory",
    "compression",
    "converting_errors",
    "dangling_link",
    "decompressed",
    "decompressed_size",
    "decompression_errors",
    "feature_bytes",
    "file_kind",
    "gib",
    "is_npz_head",
    "is_regular_file",
    "memory_budget",
    "nul_alone",
    "open_regular",
    "read_as_opened",
    "read_regular",
    "refuse_archive",
    "refuse_binary",
    "refuse_binary_for",
    "refuse_lfs_pointer",
    "reports_file_errors",
    "spreadsheet_kind",
    "utf8_advice",
]

_Loader = TypeVar("_Loader", bound=Callable[..., Any])

# Share of the RAM available when a file is loaded that one dataset may claim.
MEMORY_FRACTION = 0.8
# A fixed budget in bytes instead (tests, or a machine whose available memory is misreported).
MEMORY_BUDGET: int | None = None


def memory_budget() -> int:
    """Bytes one load may claim: `MEMORY_BUDGET`, else `MEMORY_FRACTION` of available RAM."""
    if MEMORY_BUDGET is not None:
        return MEMORY_BUDGET
    return int(MEMORY_FRACTION * available_memory())


def feature_bytes(num_values: int, *, standardize: bool) -> int:
    """Peak bytes of turning ``num_values`` raw values into float32 features.

    float32 features plus the float32 temporary of scaling them; standardising adds two
    float64 temporaries (the statistics and the shifted, scaled copy are computed in float64).
    """
    return num_values * (20 if standardize else 8)


def check_memory(nbytes: int, *, source: object, what: str) -> None:
    """A `DataError` when ``nbytes`` (what ``source`` claims ``what`` needs) exceeds the budget."""
    budget = memory_budget()
    if nbytes > budget:
        raise DataError(
            f"{shown_path(source)}: {what} would need {gib(nbytes)} of memory, more than the "
            f"{gib(budget)} this machine can spare (mia_defense.data.guards.MEMORY_FRACTION "
            "of the available RAM); use a subset of the data, or a machine with more memory"
        )


# First bytes of a gzip stream.
GZIP_MAGIC = b"\x1f\x8b"
# First bytes of a bzip2 stream: "BZh", the block size (1-9), then the first block's magic
# (pi's digits) or, empty, the end of the stream's; "BZh" alone starts a CSV header too.
_BZIP2_MAGIC = re.compile(rb"BZh[1-9](?:\x31\x41\x59\x26\x53\x59|\x17\x72\x45\x38\x50\x90)")
_XZ_MAGIC = b"\xfd7zXZ\x00"
# First bytes of the archive and compression formats datasets are downloaded in.
_ARCHIVES = (
    (GZIP_MAGIC, "gzip-compressed (a .gz or .tar.gz/.tgz download)"),
    (b"PK\x03\x04", "a zip archive"),
    (_BZIP2_MAGIC, "bzip2-compressed"),
    (_XZ_MAGIC, "xz-compressed"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    # (none of these reads as text: a .csv.zst was told to be saved "as UTF-8 text")
    (b"\x28\xb5\x2f\xfd", "zstd-compressed (a .zst: zstd -d FILE)"),
    (b"\x04\x22\x4d\x18", "lz4-compressed (an .lz4: lz4 -d FILE)"),
    (b"\x1f\x9d", "compressed by Unix compress (a .Z: uncompress FILE)"),
)
# Bytes a tar header needs to hold its magic (at offset 257: POSIX "ustar\0", GNU "ustar  \0").
ARCHIVE_HEAD = 265


def _opens(head: bytes, magic: bytes | re.Pattern[bytes]) -> bool:
    return magic.match(head) is not None if isinstance(magic, re.Pattern) \
        else head.startswith(magic)


def archive_kind(head: bytes) -> str | None:
    """What archive or compressed file starts with ``head`` (at least `ARCHIVE_HEAD` bytes
    of it), in words; ``None`` for anything else. A dataset left in its download archive is
    a common mistake: the loaders say so instead of "corrupt"."""
    for magic, kind in _ARCHIVES:
        if _opens(head, magic):
            return kind
    # (with its NUL: "ustar" alone was found in a CSV with "mustard" at that offset)
    if head[257:263] == b"ustar\x00" or head[257:265] == b"ustar  \x00":
        return "a tar archive"
    return None


def spreadsheet_kind(head: bytes) -> str | None:
    """What spreadsheet workbook starts with ``head`` (at least `ARCHIVE_HEAD` bytes), in
    words: an Excel .xlsx (a zip whose first member is a part of an Office document: Excel
    writes ``[Content_Types].xml`` first, openpyxl ``docProps/``), an OpenDocument .ods (a
    zip opening with its ``mimetype``) or an .xls (an OLE2 compound file); ``None`` for
    anything else."""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "a Microsoft Office file (an Excel .xls workbook?)"
    if not head.startswith(b"PK\x03\x04") or len(head) < 30:
        return None
    name_end = 30 + int.from_bytes(head[26:28], "little")
    name = head[30:name_end]
    if name == b"[Content_Types].xml" or name.startswith((b"_rels/", b"docProps/", b"xl/")):
        return "an Office document (an Excel .xlsx workbook?)"
    if name == b"mimetype" and b"opendocument.spreadsheet" in head[name_end:]:
        return "an OpenDocument spreadsheet (.ods)"
    return None


def refuse_lfs_pointer(path: object, head: bytes, *, expected: str) -> None:
    """A `DataError` saying to download the file when ``head`` is a Git LFS pointer's: a
    CSV's was read as a header of one column ('no column ... in the header ['version
    https://git-lfs...']'), a Texas100 file's as a header to remove, an IDX file's as a bad
    magic number and a CIFAR batch's as a corrupt pickle."""
    pointer = lfs_placeholder(head)
    if pointer is None:
        return
    raise DataError(
        f"{shown_path(path)}: is {pointer}, not {expected}: the data itself was never downloaded; "
        "run 'git lfs pull' in its repository (or download the file itself) and point dataset.path "
        "at it"
    )


def refuse_archive(path: object, head: bytes, *, expected: str) -> None:
    """A `DataError` saying to extract ``path`` when ``head`` is an archive's; for an .npz
    (a zip of .npy arrays, where "extract it" is no help) adding to read it with dataset=npz.
    A spreadsheet workbook (`spreadsheet_kind`, a zip too: "extract it" was the advice) is
    told to be saved as CSV, and a Git LFS pointer to be downloaded (`refuse_lfs_pointer`)."""
    refuse_lfs_pointer(path, head, expected=expected)
    workbook = spreadsheet_kind(head)
    if workbook is not None:
        raise DataError(
            f"{shown_path(path)}: is {workbook}, not {expected}; save the sheet as CSV (Excel: "
            "File > Save As > 'CSV UTF-8'; pandas: pd.read_excel(path).to_csv('data.csv', "
            "index=False)) and read it with dataset=csv dataset.path=data.csv "
            "dataset.label_column=NAME"
        )
    kind = archive_kind(head)
    if kind is not None:
        raise DataError(
            f"{shown_path(path)}: is {kind}, not {expected}; extract it (tar xf, gunzip or unzip) "
            "and point dataset.path at the extracted file or folder"
            + (" (it is an .npz of numpy arrays saved with np.savez: do not extract it, read "
               "it with dataset=npz; dataset.x_key and dataset.y_key name the features and "
               "labels)" if is_npz_head(head) else "")
        )


# First bytes of the binary formats a CSV or an .npz is mistaken for: what each is, how its
# data gets out (for a table, as CSV), and whether it holds a table (else arrays, for np.savez).
_TO_CSV = ".to_csv('data.csv', index=False)"
_IMAGES = "stack the images into X [N, C, H, W] and their labels into y"
_BINARY_FORMATS = (
    (b"PAR1", "a Parquet file", f"pd.read_parquet(path){_TO_CSV}", True),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file", f"pd.read_hdf(path){_TO_CSV}", True),
    (b"ARROW1", "an Arrow/Feather file", f"pd.read_feather(path){_TO_CSV}", True),
    (b"FEA1", "a Feather file", f"pd.read_feather(path){_TO_CSV}", True),
    (b"SQLite format 3\x00", "an SQLite database",
     "sqlite3 -header -csv FILE 'SELECT * FROM TABLE' > data.csv", True),
    (b"MATLAB ", "a MATLAB .mat file", "scipy.io.loadmat(path) reads its arrays", False),
    (b"\x93NUMPY", "a numpy .npy file (a single array)", "numpy.load(path) reads it", False),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", _IMAGES, False),
    (b"\xff\xd8\xff", "a JPEG image", _IMAGES, False),
    (b"%PDF-", "a PDF document", "", True),
)
# A pickle of protocol 2 to 5 opens with PROTO (0x80) and its protocol: never UTF-8 text.
_PICKLE = ("a Python pickle", "unpickling runs code, so it is not read here: load it in code "
           "you trust", False)


# Bytes no text file holds: the control characters but tab, line breaks and form feed.
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def _is_text(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, reads as UTF-8 text (a character cut at its
    end aside) holding no control character but tab, line breaks and form feed."""
    if _CONTROL.search(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data"
    return True


def binary_kind(head: bytes) -> tuple[str, str, bool] | None:
    """The binary data format ``head`` (a file's first bytes) opens, from its magic bytes:
    what it is in words, how its data gets out, and whether it holds a table; ``None`` for
    anything else. Nothing is decompressed or unpickled to tell."""
    for magic, kind, how, table in _BINARY_FORMATS:
        # (a magic that is text may name a CSV's first column: 'PAR1,PAR2,y' was refused
        # as 'a Parquet file'; the format's own bytes after it are no text)
        if head.startswith(magic) and not _is_text(head):
            return kind, how, table
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return _PICKLE
    return None


# What a line of NUL bytes alone is, said by the text loaders' refusals (`nul_alone`).
NUL_PADDING = ("NUL bytes (\\0) alone, no text: the file was cut short (a crash, or a download "
               "whose space was reserved and never written); copy or download it again, or "
               "remove those bytes")


# What a line opening with a byte-order mark is, said by the text loaders' refusals.
JOINED_BOM = ("files joined together (cat a.csv b.csv), a later one saved with a byte-order "
              "mark (U+FEFF, as Excel's 'CSV UTF-8' writes), which only starts a file")


def nul_alone(text: str) -> bool:
    """Whether ``text`` (a line, or a record's fields joined) is NUL bytes and nothing else
    but spaces: the end of a file cut short, refused as a line of too few values."""
    return "\0" in text and not text.strip("\0 \t\r\n")


def utf8_advice(head: bytes) -> str:
    """What to do with a text file that is not UTF-8, from its first bytes: UTF-32 and
    UTF-16 (by their byte-order marks) named, for the CSV and the Purchase/Texas loaders."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):  # before UTF-16's
        return "it is UTF-32 text; save it as UTF-8 (e.g. Excel's 'CSV UTF-8')"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "it is UTF-16 text; save it as UTF-8 (e.g. Excel's 'CSV UTF-8')"
    return "save it as UTF-8 text (e.g. Excel's 'CSV UTF-8')"


def refuse_binary(path: object, head: bytes, *, dataset: str) -> None:
    """A `DataError` naming the format when ``head`` opens a binary data file
    (`binary_kind`) given to ``dataset`` (``"csv"`` or ``"npz"``): Parquet, HDF5, a pickle or
    a PNG read as CSV text was refused as "save it as UTF-8 text", and as "not a valid .npz
    file (no zip signature)" by dataset=npz, neither saying what the file is."""
    found = binary_kind(head)
    if found is None:
        return
    kind, how, table = found
    expected = "a CSV text file" if dataset == "csv" else "an .npz file"
    savez = "save X and y with np.savez('data.npz', x=X, y=y)" + (
        " and use dataset=npz" if dataset == "csv" else "")
    if not how:  # a document: no data to get out of it
        fix = "export the table it shows as CSV from the program that made it"
    elif table and dataset == "csv":
        fix = f"export it as CSV ({how}), or {savez}"
    elif table:
        fix = f"{savez}, or export it as CSV and use dataset=csv"
    else:
        fix = f"{how}, then {savez}"
    raise DataError(f"{shown_path(path)}: is {kind}, not {expected}; {fix}")


def refuse_binary_for(
    path: object,
    head: bytes,
    *,
    expected: str,
    instead: str,
    savez: str,
    reads_pickles: bool = False,
) -> None:
    """`refuse_binary` for a loader of files of its own (Purchase100's and Texas100's text,
    CIFAR's batches): a Parquet, .npy or PNG file in their place was refused as text that is
    not numbers or as a corrupt pickle, and `refuse_binary`'s advice (export it as CSV, use
    dataset=csv or npz) is no help there. The format is named, then ``instead`` (what to
    point the loader at) and, to use the data found, how it gets out of the file
    (`binary_kind`; a table's CSV export left out) and ``savez`` (the .npz to save it in).
    ``reads_pickles``: the loader reads pickles (CIFAR's python batches), so none is refused.
    """
    found = binary_kind(head)
    if found is None or (reads_pickles and found == _PICKLE):
        return
    kind, how, table = found
    fix = instead
    if how:
        how = "load its table into features X and labels y" if table else how
        fix += f"; to use the data in it: {how}, then {savez}"
    raise DataError(f"{shown_path(path)}: is {kind}, not {expected}; {fix}")


def is_npz_head(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, opens a zip whose first member is a ``.npy``
    array (what np.savez writes): the member's name lies in its local header."""
    if not head.startswith(b"PK\x03\x04") or len(head) < 30:
        return False
    length = int.from_bytes(head[26:28], "little")
    return head[30 : 30 + length].endswith(b".npy")


def file_kind(mode: int) -> str:
    """What a ``st_mode`` is, in words: ``regular file``, ``directory``, ``FIFO``, ..."""
    kinds = (
        (stat.S_ISREG, "regular file"),
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "FIFO (named pipe)"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    )
    return next((name for test, name in kinds if test(mode)), "special file")


# What to do when a data file cannot be read.
_FIX = "; make it readable for this user (chmod, or ask its owner) or copy it where you can"
# ... when it is a symbolic link that leads back to itself (ELOOP): no chmod helps.
LOOP_FIX = "; a symbolic link that leads back to itself: point it at the file (ln -sfn)"


def dangling_link(path: Path) -> str | None:
    """What to say of ``path`` when it is a symbolic link whose target does not exist, else
    ``None``: a git-annex or DVC checkout whose data was never fetched leaves such links under
    the files' names, and the loaders said the files were not found, beside an ``ls`` that
    lists them."""
    try:
        target = _pointed_to(path)
    except OSError:  # (no link, or nothing there: maybe a folder above it is the link)
        return _dangling_folder(path)
    return (f"is a symbolic link to {target}, which does not exist {_UNFETCHED}; "
            "fetch the file it points to, or replace the link with the file")


def _pointed_to(link: str | os.PathLike[str]) -> str:
    """The target of the symbolic ``link``, as written, and where its target is a link too,
    each link of the chain to its end (``/mnt/data, a link to /media/disk``): the end is what
    does not exist, where the first target may be a link an ``ls`` lists."""
    said: list[str] = []
    seen: set[str] = set()
    here = os.fspath(link)
    while here not in seen:  # (a loop of links ends at its first link again)
        seen.add(here)
        target = os.readlink(here)
        said.append(shown_path(target))
        here = os.path.normpath(os.path.join(os.path.dirname(here), target))
        if not os.path.islink(here):
            break
    return ", a link to ".join(said)


# Why a symbolic link may lead to nothing, and what brings its target.
_UNFETCHED = ("(data of git-annex or DVC never fetched: git annex get, dvc pull; or a disk "
              "not mounted)")


def _dangling_folder(path: Path) -> str | None:
    """What to say of ``path`` when a folder above it is a symbolic link to nothing (a
    data folder linked to a disk not mounted): it was said not to exist, beside an ``ls``
    that lists the link. ``None`` when none is: the first folder missing is no link."""
    for folder in reversed(path.parents):  # from the root down
        if os.path.exists(folder):
            continue
        try:
            target = _pointed_to(folder)
        except OSError:  # missing, and no link
            return None
        return (f"lies in {shown_path(folder)}, a symbolic link to {target}, which "
                f"does not exist {_UNFETCHED}; fetch or mount what it points to, or replace "
                "the link with the folder")
    return None


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        said = dangling_link(path)
        if said is not None:
            raise DataError(f"{shown_path(path)}: {said}") from None
        return None
    except NotADirectoryError:
        return None
    except OSError as exc:
        fix = LOOP_FIX if exc.errno == errno.ELOOP else _FIX
        raise DataError(f"{shown_path(path)}: cannot be accessed "
                        f"({exc.strerror or exc}){fix}") from exc


def is_regular_file(path: Path) -> bool:
    """True for a regular file (after symlinks), False when nothing is there.

    Raises:
        DataError: when ``path`` is a FIFO, device, socket or directory (never opened: a FIFO
            would block and a device may never end).
    """
    info = _stat(path)
    if info is None:
        return False
    if not stat.S_ISREG(info.st_mode):
        raise DataError(
            f"{shown_path(path)}: is a {file_kind(info.st_mode)}, not a regular file; point "
            "dataset.path at the data file itself (a copy on disk, not a pipe or device)"
        )
    return True


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for binary reading, refused unless it is a regular file.

    The type is checked before opening (opening a FIFO blocks, opening some devices acts)
    and again on the open descriptor, in case the path was swapped in between.
    """
    if not is_regular_file(path):
        raise DataError(f"{shown_path(path)}: does not exist; check dataset.path")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise DataError(f"{shown_path(path)}: cannot be opened "
                        f"({exc.strerror or exc}){_FIX}") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise DataError(f"{shown_path(path)}: is a {file_kind(mode)}, not a regular file")
        raw = _ReadChecked(fd, path=path)
    except BaseException:
        os.close(fd)
        raise
    return io.BufferedReader(raw)  # type: ignore[return-value]


class _ReadChecked(io.FileIO):
    """A regular file open for reading whose read errors (EIO from a failing disk or a
    network or FUSE file system) are a `DataError` naming it: they came out of every loader
    as a bare ``OSError: [Errno 5] Input/output error`` traceback."""

    def __init__(self, fd: int, *, path: Path) -> None:
        super().__init__(fd, "rb", closefd=True)
        self._path = path

    def readinto(self, buffer: Any) -> int | None:
        try:
            return super().readinto(buffer)
        except OSError as exc:
            raise _unreadable(self._path, exc) from exc

    def readall(self) -> bytes:
        try:
            return super().readall()
        except OSError as exc:
            raise _unreadable(self._path, exc) from exc

    def read(self, size: int | None = -1) -> bytes | None:
        try:
            return super().read(size)
        except OSError as exc:
            raise _unreadable(self._path, exc) from exc


def _unreadable(path: Path, exc: OSError) -> DataError:
    return DataError(
        f"{shown_path(path)}: reading it failed ({exc.strerror or exc}): the disk or file system "
        "holding it reported an error; copy the file to a local disk (or check the disk) and point "
        "dataset.path at the copy"
    )


class _AsOpened(io.RawIOBase):
    """The open regular file ``handle`` read no further than ``size`` bytes, its size when
    opened: a read that finds more (a file still being written) or less (one cut short) is
    refused (`_changed`)."""

    def __init__(self, handle: BinaryIO, *, path: Path, size: int) -> None:
        super().__init__()
        self._handle, self._path, self._size = handle, path, size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def readinto(self, buffer: Any) -> int:
        position = self._handle.tell()
        wanted = max(1, min(len(buffer), self._size - position))  # 1 past the end: more?
        read = self._handle.readinto(memoryview(buffer)[:wanted])  # type: ignore[attr-defined]
        if position + read > self._size or (not read and position < self._size):
            raise _changed(self._path, self._size, os.fstat(self._handle.fileno()).st_size)
        return read


def _changed(path: Path, size: int, now: int) -> DataError:
    """The refusal of a file whose content is not the ``size`` it had when opened: one being
    written or copied, or (its size ``now`` the same) one whose file system misreports its
    size (/proc and /sys say 0 bytes; some network and FUSE mounts keep stale sizes)."""
    if now == size:
        return DataError(
            f"{shown_path(path)}: holds more or less than the {size} bytes its size says, a "
            "size that did not change while it was read: a file of /proc or /sys, or on a file "
            "system that misreports sizes (some network or FUSE mounts); copy it to a local "
            "disk and point dataset.path at the copy"
        )
    return DataError(f"{shown_path(path)}: changed size while it was read ({size} bytes when "
                     f"opened, {now} now): it is still being written or copied; load it once it is "
                     "complete")


def read_as_opened(handle: BinaryIO, *, path: Path, size: int) -> BinaryIO:
    """``handle``, a regular file, buffered for reading no further than ``size``, the size
    its memory was checked for: a text loader read a file that a process kept appending to
    without end (7 GB in 20 s, past that memory), and one cut short while read lost its
    last rows without a word; both are refused (`DataError`) instead."""
    return io.BufferedReader(_AsOpened(handle, path=path, size=size),  # type: ignore[return-value]
                             buffer_size=1 << 20)


def read_regular(path: Path, *, what: str = "reading the file") -> bytes:
    """The whole content of the regular file ``path``, once its size fits the memory budget."""
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        check_memory(size, source=path, what=what)
        with converting_errors(path):
            data = handle.read(size + 1)
    if len(data) > size:
        raise DataError(f"{shown_path(path)}: grew while it was read; load it once it is complete")
    if len(data) < size:  # cut short while read: its end was lost
        raise _changed(path, size, len(data))
    return data


class _Streams(io.RawIOBase):
    """The bzip2 or xz file ``raw`` decompressed: its streams one after another, as
    bz2.BZ2File and lzma.LZMAFile read them, zero bytes after a stream skipped as padding
    (as gzip skips them). Other bytes after a stream that start no stream are refused
    (`_trailing`): those two readers ignored them without a word, where gzip refuses them."""

    def __init__(self, raw: BinaryIO, *, new: Callable[[], Any],
                 magic: bytes | re.Pattern[bytes], path: Path, kind: str) -> None:
        super().__init__()
        self._raw, self._new, self._magic, self._path, self._kind = raw, new, magic, path, kind
        self._decompressor = new()
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while not self._done:
            if self._decompressor.eof:
                rest = self._next_stream(self._decompressor.unused_data)
                if not rest:
                    self._done = True
                    break
                self._decompressor = self._new()
            elif self._decompressor.needs_input:
                rest = self._raw.read(1 << 16)
                if not rest:
                    raise EOFError("Compressed file ended before the end-of-stream marker "
                                   "was reached")
            else:
                rest = b""
            data = self._decompressor.decompress(rest, len(view))
            if data:
                view[: len(data)] = data
                return len(data)
        return 0

    def _next_stream(self, rest: bytes) -> bytes:
        """The first bytes of the stream after the one that ended, ``rest`` the bytes read
        past its end; b"" at the end of the file (zero bytes skipped as padding)."""
        rest = rest.lstrip(b"\0")
        while len(rest) < 16 and (more := self._raw.read(1 << 16)):
            rest = (rest + more).lstrip(b"\0")
        if rest and not _opens(rest, self._magic):
            raise _trailing(self._path, self._kind)
        return rest


def _trailing(path: Path, kind: str) -> DataError:
    return DataError(
        f"{shown_path(path)}: bytes after the end of its {kind}-compressed data that start no "
        f"other {kind} stream: the file is corrupt, or something was appended to it; download or "
        "copy it again"
    )


# The compressed formats a text file is read through, by their first bytes: a data.csv.gz,
# .csv.bz2 or .csv.xz is read as the text it holds (a .tar.* names its tar archive).
_COMPRESSED: dict[bytes | re.Pattern[bytes], tuple[str, Callable[[BinaryIO, Path], Any]]] = {
    GZIP_MAGIC: ("gzip", lambda raw, path: gzip.GzipFile(fileobj=raw, mode="rb")),
    _BZIP2_MAGIC: ("bzip2", lambda raw, path: io.BufferedReader(_Streams(
        raw, new=bz2.BZ2Decompressor, magic=_BZIP2_MAGIC, path=path, kind="bzip2"))),
    _XZ_MAGIC: ("xz", lambda raw, path: io.BufferedReader(_Streams(
        raw, new=lzma.LZMADecompressor, magic=_XZ_MAGIC, path=path, kind="xz"))),
}


def compression(head: bytes) -> str | None:
    """The compressed format (gzip, bzip2 or xz) whose file starts with ``head``, or ``None``."""
    for magic, (kind, _) in _COMPRESSED.items():
        if _opens(head, magic):
            return kind
    return None


def _open_compressed(handle: BinaryIO, *, path: Path, size: int) -> tuple[str, BinaryIO]:
    handle.seek(0)
    head = handle.read(16)
    handle.seek(0)
    for magic, (kind, opener) in _COMPRESSED.items():
        if _opens(head, magic):
            return kind, opener(read_as_opened(handle, path=path, size=size), path)
    raise ValueError(f"{shown_path(path)}: not a compressed "
                     "file")  # callers ask `compression` first


@contextmanager
def decompression_errors(path: Path, kind: str) -> Iterator[None]:
    """What a ``kind``-compressed file (gzip, bzip2 or xz) raises while it is decompressed,
    as a `DataError` naming ``path``: truncated or corrupt, or bytes after its data that
    start no other stream (`_trailing`)."""
    try:
        yield
    except MiaDefenseError:
        raise
    except gzip.BadGzipFile as exc:
        if str(exc).startswith("Not a gzipped file"):  # (its magic was checked: what follows
            raise _trailing(path, kind) from exc       # a member starts no other)
        raise DataError(
            f"{shown_path(path)}: truncated or corrupt {kind} file ({exc}); download or copy it "
            "again"
        ) from exc
    except (EOFError, OSError, zlib.error, lzma.LZMAError) as exc:  # bz2's are OSErrors
        raise DataError(
            f"{shown_path(path)}: truncated or corrupt {kind} file ({exc}); download or copy it "
            "again"
        ) from exc


def decompressed_size(handle: BinaryIO, *, path: Path, size: int, limit: int,
                      check_head: Callable[[bytes], None]) -> int | None:
    """Bytes the compressed file ``handle`` (``size`` bytes; gzip, bzip2 or xz, see
    `compression`) decompresses to, counted a MiB at a time and not kept; ``None`` once past
    ``limit`` (a decompression bomb, or data too large to load), where counting stops.
    ``check_head`` sees the first `ARCHIVE_HEAD` decompressed bytes first (a .tar.gz is told
    as a tar archive before anything is counted).
    """
    kind, stream = _open_compressed(handle, path=path, size=size)
    with decompression_errors(path, kind), stream:
        head = stream.read(ARCHIVE_HEAD)
        check_head(head)
        total = len(head)
        while total <= limit and (chunk := stream.read(1 << 20)):
            total += len(chunk)
    handle.seek(0)
    return None if total > limit else total


def decompressed(handle: BinaryIO, *, path: Path, size: int, text_size: int) -> BinaryIO:
    """The decompressed content of the compressed file ``handle`` (``size`` bytes),
    buffered, refused (`DataError`) past ``text_size``, what `decompressed_size` counted: the
    file was replaced in between, and its memory was checked for no more."""
    kind, stream = _open_compressed(handle, path=path, size=size)
    return io.BufferedReader(_Capped(stream, path=path, kind=kind, size=text_size),  # type: ignore[return-value]
                             buffer_size=1 << 20)


class _Capped(io.RawIOBase):
    """The decompressed ``stream`` read no further than ``size`` bytes (`decompressed`)."""

    def __init__(self, stream: BinaryIO, *, path: Path, kind: str, size: int) -> None:
        super().__init__()
        self._stream, self._path, self._size, self._read = stream, path, size, 0
        self._kind = kind

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with decompression_errors(self._path, self._kind):
            read = self._stream.readinto(memoryview(buffer)[: self._size - self._read + 1])
        self._read += read
        if self._read > self._size:
            raise DataError(f"{shown_path(self._path)}: decompressed to more than the "
                            f"{self._size} bytes it held when first read: it changed while "
                            "it was read; load it once it is complete")
        return read


@contextmanager
def converting_errors(source: object, *, decoding: bool = True) -> Iterator[None]:
    """Turn what a corrupt or oversized file raises deep inside a library into a `DataError`.

    Our own errors pass through; MemoryError, OverflowError and RecursionError are reported
    with the file's name and what to do, and so are (with ``decoding``) the I/O, decoding,
    value and type errors a library raises on malformed content. Wrap only the code that
    reads the file with ``decoding``, so a bug elsewhere is not reported as a corrupt file.
    """
    try:
        yield
    except MiaDefenseError:
        raise
    except MemoryError as exc:
        raise DataError(
            f"{shown_path(source)}: ran out of memory while loading it; the file claims more data "
            "than this machine can hold (corrupt, or too large: use a subset)"
        ) from exc
    except (OverflowError, RecursionError) as exc:
        raise DataError(
            f"{shown_path(source)}: holds sizes or nesting too large to load "
            f"({exc.__class__.__name__}: {exc}); the file is corrupt or not a dataset file"
        ) from exc
    except (OSError, EOFError, UnicodeError, zlib.error, ValueError, TypeError) as exc:
        if not decoding:
            raise
        raise DataError(
            f"{shown_path(source)}: truncated, corrupt or not the expected format "
            f"({exc.__class__.__name__}: {exc}); copy or download the file again"
        ) from exc


def reports_file_errors(loader: _Loader) -> _Loader:
    """Make the keyword-only file ``loader`` report MemoryError, OverflowError and
    RecursionError, wherever they arise while it loads, as a `DataError` naming its ``path``."""

    @functools.wraps(loader)
    def load(*args: Any, **kwargs: Any) -> Any:
        with converting_errors(kwargs.get("path", "dataset.path"), decoding=False):
            return loader(*args, **kwargs)

    return load  # type: ignore[return-value]

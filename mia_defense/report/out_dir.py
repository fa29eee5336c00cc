"""The report's output folder: what may be written there (`check_out_dir`: empty, or a
report's own, marked as such with the sweeps it reports on) and how (`Staged`: every file
staged apart, then moved in with a journal, so that a report killed part way is rolled back
or marked incomplete, never half one report and half another)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from mia_defense.constraints import shell_word
from mia_defense.errors import ConfigError, counted, first_few
from mia_defense.files import stale_temp_files
from mia_defense.report.checks import one_line
from mia_defense.report.runs import EARLY_MARKS, RESULTS

log = logging.getLogger("mia_defense.report.build")  # (its lines read as the report's)


def utf8(text: str) -> bytes:
    """``text`` as UTF-8 whatever the locale (the report writes ε, ∞, ·); a run folder named
    in bytes that are not UTF-8 (a lone surrogate in Python) as ``\\udcXX``, never a
    UnicodeEncodeError."""
    return text.encode("utf-8", errors="backslashreplace")


FIX_OUT = "choose another report directory (mia-report --out DIR)"


# The files a report writes into its directory (tb/ only gains event files), and the mark
# it leaves there first, so that writing the report again may replace them.
CHARTS = ("tradeoff_tpr", "tradeoff_auc", "roc")


REPORT_FILES = ("tradeoff.csv", "tradeoff.md", "runs.csv", "not_ranked.csv",
                *(f"{name}.png" for name in CHARTS), "README.md")  # fmt: skip


REPORT_MARK = ".mia-report"


# In a report's folder from its commit's first rename until the report is whole (its
# TensorBoard copy and mark written), so that a report killed part way (SIGKILL, the OOM
# killer) is never read as whole: its files may mix two reports until one is written whole.
REPORT_INCOMPLETE = "INCOMPLETE.txt"


_INCOMPLETE_TEXT = (
    "mia-report stopped while writing the report in this folder (killed, or stopped by an\n"
    "error or Ctrl-C after its files were moved in): its files may mix this report with an\n"
    "earlier one, so read none of them as a report. Run the same mia-report command again:\n"
    "it puts back what it can of the earlier report, writes the report whole and removes\n"
    "this file.\n"
)


SUMMARY_TITLE = "# Privacy-utility tradeoff"


# What the mark says to whoever opens it.
_MARK_TEXT = (
    "This folder holds a report of mia-report: running it again with --out here rewrites the\n"
    "report's files (" + ", ".join(REPORT_FILES) + ", tb/) and leaves others alone.\n"
)


# Always written by a report, of any version: with the summary's title, a report's folder
# written before the mark existed.
_ALWAYS_WRITTEN = ("README.md", "tradeoff.csv", "tradeoff.md")


# The mark's line naming the folders its report read (a JSON list of paths relative to the
# report's folder; absolute before 2026-12-06): a report of other folders written there
# replaced it without a word (`check_same_sources`). Relative, a sweep moved or copied with
# its report inside (``mv multirun/2026-12-06 archive/``, ``rsync``) still names its own.
_SOURCES_LINE = "sources: "


# The most of a mark read: one line per report, its sources' paths.
_MARK_LIMIT = 1 << 20


def mark_text(sources: Sequence[Path], out_dir: Path) -> str:
    """The mark's text in ``out_dir``, naming ``sources`` relative to it (none named: a
    report of unknown folders)."""
    if not sources:
        return _MARK_TEXT
    here = _source_key(out_dir)
    keys = json.dumps([os.path.relpath(_source_key(p), here) for p in sources])  # ASCII
    return (
        f"{_MARK_TEXT}It reports on the folders below; a report of other folders is refused "
        f"here unless given --replace.\n{_SOURCES_LINE}{keys}\n"
    )


def _source_key(path: Path) -> str:
    """A folder the report reads as its mark records it: absolute, links followed, so that
    ``sweep``, ``./sweep/`` and a link to it are one."""
    try:
        return str(Path(path).resolve())
    except (OSError, RuntimeError):  # a link loop: as given
        return os.path.abspath(path)


# How every mark of mia-report's has begun since it held text (18903c6); before, the mark
# was an empty file (`touch`), and a mark written in place (not yet through `replace_file`)
# could be cut short by a full disk: such marks are a report's, of unknown folders.
_MARK_OPENING = "This folder holds a report of mia-report"


def _read_mark(out_dir: Path) -> tuple[str, bool] | None:
    """The text of ``out_dir``'s mark (its first `_MARK_LIMIT` bytes) and whether there is
    more; ``None`` when it cannot be read."""
    try:
        with (out_dir / REPORT_MARK).open("rb") as handle:
            data = handle.read(_MARK_LIMIT + 1)
    except OSError:
        return None
    cut = len(data) > _MARK_LIMIT
    return data[:_MARK_LIMIT].decode("utf-8", errors="replace"), cut


def _parsed_sources(text: str) -> tuple[list[str] | None, bool]:
    """The folders a mark's ``text`` names (its sources line; ``None`` when it has none or
    it does not parse), and whether it has such a line."""
    for line in text.splitlines():
        if line.startswith(_SOURCES_LINE):
            try:
                value = json.loads(line.removeprefix(_SOURCES_LINE))
            except ValueError:
                return None, True
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return value, True
            return None, True
    return None, False


def _marked_sources(out_dir: Path) -> list[str] | None:
    """The folders the report in ``out_dir`` read (its mark's sources line), absolute;
    ``None`` when unknown: a mark written before it named them, or edited."""
    read = _read_mark(out_dir)
    sources = None if read is None else _parsed_sources(read[0])[0]
    if sources is None:
        return None
    here = _source_key(out_dir)
    return [os.path.normpath(os.path.join(here, p)) for p in sources]  # (absolute: as is)


def _moved_here(earlier: Sequence[str], now: Sequence[str], out_dir: Path) -> bool:
    """Whether the folders a mark names (``earlier``, absolute: a mark written before marks
    were relative) are ``now``, moved with the report: they are gone, and ``now`` are they
    shifted by one move of a parent of them and of the report (``multirun/2026-12-06/sweep``
    and its report in it, moved to ``archive/2026-12-06/sweep``)."""
    if not earlier or any(os.path.lexists(p) for p in earlier):
        return False  # (still there: a copy's, or another folder's report)
    base = os.path.commonpath([_source_key(out_dir), *now])
    if base in now:  # (each keeps at least its own name: ``a`` and ``b`` of ``p`` -> ``q``)
        base = os.path.dirname(base)
    moved = [os.path.relpath(p, base) for p in now]
    first = earlier[0]
    for tail in moved:
        if first.endswith(os.sep + tail):
            old_base = first[: -len(tail) - 1]
            if {os.path.join(old_base, t) for t in moved} == set(earlier):
                return True
    return False


def _foreign_mark(out_dir: Path) -> str | None:
    """The start of ``out_dir``'s mark when no mia-report wrote it (empty or garbage text,
    a sources line that does not parse), else ``None``: such a mark was read as one written
    before marks named their folders, and a report of other folders replaced the report
    there without a word. Marks of earlier versions are a report's: empty (`touch`), cut
    short (a prefix of `_MARK_TEXT`), or `_MARK_OPENING` with no sources line."""
    read = _read_mark(out_dir)
    if read is None:
        return None
    text, cut = read
    if _MARK_TEXT.startswith(text):
        return None
    sources, has_line = _parsed_sources(text)
    if text.startswith(_MARK_OPENING) and (sources is not None or not has_line or cut):
        return None  # (cut: a sources line past the limit cannot be parsed: unknown)
    return one_line(repr(text[:60]), limit=80)


def check_same_sources(out_dir: Path, sources: Sequence[Path]) -> None:
    """Refuse ``out_dir`` when it holds the report of other folders than ``sources`` (its
    mark names them): ``mia-report B --out A/report`` replaced sweep A's report with B's
    without a word. A mark no mia-report wrote (`_foreign_mark`) is refused as well."""
    if not sources or not _has_mark(out_dir):
        return
    now = [_source_key(p) for p in sources]

    def shown(paths: Sequence[str]) -> str:
        return first_few(paths, 3, each=lambda p: one_line(p, limit=200), more=True)

    foreign = _foreign_mark(out_dir)
    if foreign is not None:
        raise ConfigError(
            f"{out_dir / REPORT_MARK}: is not a mark mia-report writes (it starts {foreign}; "
            f"a report's starts {_MARK_OPENING!r}), so which folders the report in {out_dir} "
            f"read is unknown and a report of {shown(now)} could replace another's; pass "
            f"--replace to write this report there, or {FIX_OUT}"
        )
    earlier = _marked_sources(out_dir)
    if earlier is None or set(earlier) == set(now) or _moved_here(earlier, now, out_dir):
        return
    raise ConfigError(
        f"{out_dir}: holds the report of {shown(earlier) or 'no folder'} (its {REPORT_MARK} "
        f"mark), not of {shown(now)}: this report would replace it, so it is refused unless "
        f"given --replace; pass --replace to replace it ({_replaced_how(earlier, now, shown)}"
        f"), typing the same command with it: {_replace_command(sources, out_dir)}; or "
        f"{FIX_OUT}"
    )


def _replaced_how(
    earlier: Sequence[str], now: Sequence[str], shown: Callable[[Sequence[str]], str]
) -> str:
    """What replacing a report of the folders ``earlier`` by one of ``now`` (absolute) does:
    ``mia-report sweep`` into the report of ``sweep/sub`` was told that nothing is lost
    when sweep is sweep/sub moved or copied, where sweep holds it."""
    if _inside(earlier, now):
        return (f"{shown(now)} holds {shown(earlier)}: this report would rank its runs "
                "among the others")  # fmt: skip
    if _inside(now, earlier):
        return (f"{shown(now)} lies inside {shown(earlier)}: this report would rank only "
                "its runs")  # fmt: skip
    return (f"nothing is lost when {shown(now)} is that folder moved or copied: its report "
            "is written again")  # fmt: skip


def _inside(inner: Sequence[str], outer: Sequence[str]) -> bool:
    """Whether each folder of ``inner`` lies in (or is) one of ``outer``, all absolute."""
    return bool(inner) and all(any(Path(i).is_relative_to(o) for o in outer) for i in inner)


def _replace_command(sources: Sequence[Path], out_dir: Path) -> str:
    """The mia-report command writing the report of ``sources`` into ``out_dir`` over the
    report there, each path a word a shell reads back (its other options, if any, are the
    user's to add)."""
    words = [shell_word(str(p)) for p in (*sources, "--out", out_dir)]
    return " ".join(["mia-report", *words, "--replace"])


def _has_mark(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds the report's mark: a regular file, never a link (a link
    proves nothing, and touching it would create or change its target)."""
    mark = out_dir / REPORT_MARK
    return mark.is_file() and not mark.is_symlink()


def _a_reports_entry(name: str) -> bool:
    """Whether a report writes an entry of this ``name`` (its files, tb/, its temporary
    folders)."""
    return name in (*REPORT_FILES, REPORT_INCOMPLETE, "tb") or name.startswith(".mia-report-")


def _written_by_a_report(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a report of mia-report's: its mark, or (a report written
    before the mark existed) the files every report writes, a summary README.md that starts
    with the report's title, and nothing else. A README.md copied out of a report, alone or
    among files of the user's, does not make a folder a report's: those files would be
    overwritten."""
    if _has_mark(out_dir) and _foreign_mark(out_dir) is None:
        return True
    try:
        names = os.listdir(out_dir)
    except OSError:
        return False
    # (a mark no report wrote proves nothing: --replace would overwrite a README.md of
    # the user's beside it; the report's own files still tell a report's folder)
    names = [n for n in names if n != REPORT_MARK or not _has_mark(out_dir)]
    if not set(_ALWAYS_WRITTEN) <= set(names) or not all(map(_a_reports_entry, names)):
        return False
    if not (out_dir / "README.md").is_file():  # (a FIFO is never opened: it would block)
        return False
    try:
        with (out_dir / "README.md").open("rb") as handle:
            return handle.read(len(SUMMARY_TITLE)) == SUMMARY_TITLE.encode()
    except OSError:
        return False


def _foreign_file(out_dir: Path) -> str | None:
    """The first file of ``out_dir`` the report would overwrite that no report wrote."""
    if _written_by_a_report(out_dir):
        return None
    return next((name for name in REPORT_FILES if os.path.lexists(out_dir / name)), None)


def _check_empty_or_a_reports(out_dir: Path) -> None:
    """Refuse an existing ``out_dir`` holding anything (hidden files too) when no report
    wrote it: the report would scatter its files among the user's (a README.md, a chart of
    theirs, a project), and the next report's could not be told from theirs."""
    if not out_dir.is_dir() or _written_by_a_report(out_dir):
        return
    with os.scandir(out_dir) as entries:
        names = sorted(entry.name for _, entry in zip(range(4), entries, strict=False))
    if names:
        shown = first_few(names, 3, each=lambda n: one_line(repr(n)[1:-1], limit=60))
        raise ConfigError(
            f"{out_dir}: is not empty ({shown}) and holds "
            f"no earlier report (its {REPORT_MARK} mark); the report would write its files "
            f"among these: {FIX_OUT}: an empty or new folder, or the folder of an earlier "
            "report"
        )


def _check_not_among_run_files(out_dir: Path) -> None:
    """Refuse an existing, non-empty ``out_dir`` inside a run directory that no report wrote
    (the run's tb/, checkpoints/...): the report would mix its files with the run's. A new
    folder in a run (``RUN/report``, the default for one run) or a report's own is fine."""
    if not out_dir.is_dir() or _written_by_a_report(out_dir):
        return
    with os.scandir(out_dir) as entries:
        if next(entries, None) is None:
            return
    run = next(
        (p for p in out_dir.resolve().parents
         if (p / RESULTS).is_file() or (p / ".hydra").is_dir()),
        None,
    )  # fmt: skip
    if run is not None:
        raise ConfigError(
            f"{out_dir}: lies in the run {run} and holds files of its own; {FIX_OUT}, e.g. "
            f"{run / 'report'}"
        )


def _broken_link(path: Path) -> bool:
    return path.is_symlink() and not path.exists()


def check_out_dir(
    out_dir: Path,
    *,
    tensorboard: bool = True,
    sources: Sequence[Path] = (),
    replace: bool = False,
) -> None:
    """Create ``out_dir`` if needed and make sure the report of ``sources`` can be written
    there.

    Raises:
        ConfigError: ``out_dir`` is a file, lies under a file or a broken link, holds a
            run's results.json (the report would mix its files with the run's) or what a
            failed run leaves (its train.log), holds a file of a report's
            name that no report wrote (a README.md of your own: it would be overwritten),
            holds anything else while no report wrote it (`_check_empty_or_a_reports`),
            holds a ``tb`` that is a link or no folder (with ``tensorboard``) or cannot be
            written, or (unless ``replace``) holds the report of other folders than
            ``sources`` (`check_same_sources`).
    """
    out_dir = Path(out_dir)
    broken = next((p for p in (out_dir, *out_dir.parents) if _broken_link(p)), None)
    if broken is not None:  # (it read "exists and is not a directory", or "is a file")
        raise ConfigError(
            f"{out_dir}: {broken} is a broken link (to {os.readlink(broken)}); create that "
            f"folder, or {FIX_OUT}"
        )
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise ConfigError(f"{out_dir}: exists and is not a directory; {FIX_OUT}")
    events = out_dir / "tb"
    if tensorboard and (events.is_symlink() or (os.path.lexists(events) and not events.is_dir())):
        # the writer would follow the link into another folder, or fail on the file only
        # after the tables were written, with a message about disk space
        raise ConfigError(
            f"{events}: is {'a link' if events.is_symlink() else 'not a directory'}, where "
            f"the report writes its TensorBoard events; remove it, pass --no-tensorboard, or "
            f"{FIX_OUT}"
        )
    parent = next((p for p in out_dir.parents if os.path.lexists(p)), None)
    if parent is not None and not parent.is_dir():
        raise ConfigError(f"{out_dir}: {parent} is a file, not a directory; {FIX_OUT}")
    if (out_dir / RESULTS).exists():
        raise ConfigError(f"{out_dir}: holds a run's {RESULTS}; {FIX_OUT} outside the run")
    if (out_dir / ".hydra").is_dir():
        raise ConfigError(
            f"{out_dir}: holds a run's .hydra/ (a run that failed or is still running: the "
            f"report would mix its files with the run's); {FIX_OUT} outside the run"
        )
    mark = next((m for m in EARLY_MARKS if os.path.isfile(out_dir / m)), None)
    if mark is not None:
        raise ConfigError(
            f"{out_dir}: holds a run's {mark} (a run that failed or is still running: the "
            f"report would mix its files with the run's); {FIX_OUT} outside the run"
        )
    _check_not_among_run_files(out_dir)
    foreign = _foreign_file(out_dir) if out_dir.is_dir() else None
    if foreign:
        raise ConfigError(
            f"{out_dir}: holds {foreign}, which mia-report did not write and would overwrite "
            f"(a report writes {', '.join(REPORT_FILES)}); {FIX_OUT}, e.g. an empty one"
        )
    _check_empty_or_a_reports(out_dir)
    if not replace:
        check_same_sources(out_dir, sources)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=out_dir, prefix=".mia-report-", suffix=".probe")
        os.close(handle)
        os.unlink(probe)
        if not _has_mark(out_dir):  # this directory holds a report: it may be rewritten
            # whole or not at all: a mark cut by a full disk named no folder, and a report
            # of other folders then took this one as its own
            mark = utf8(mark_text(sources, out_dir))
            replace_file(out_dir / REPORT_MARK, lambda tmp: tmp.write_bytes(mark))
    except OSError as exc:
        raise ConfigError(
            f"{out_dir}: cannot write there ({exc.strerror or exc}); {FIX_OUT}"
        ) from None


@contextlib.contextmanager
def sole_writer(out_dir: Path) -> Iterator[None]:
    """Hold an OS lock on the folder ``out_dir`` itself (no file of its own; released on
    exit or death) while the body writes the report. Two reports written into one folder at
    once (two sweeps reported in parallel with one --out, a report run again while the
    first was drawing) moved their files in one by one, each over the other's: tables of
    one beside the charts and summary of the other, and a mark naming either.

    Raises:
        ConfigError: another process holds the lock: another mia-report is writing there.
    """
    try:
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # a folder this user may write but not read (mode -wx): written unlocked
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"{out_dir}: another mia-report is writing its report there now; run this one "
                f"again once it has ended, or {FIX_OUT}"
            ) from None
        except OSError:  # no lock to be had (no locks on the file system; NFS: EBADF, its
            pass  # exclusive locks need a file open for writing): written unlocked
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _host() -> str:
    """This machine's name as a temporary folder's name holds it (`_tmp_folder_prefix`)."""
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:64] or "_"


def _tmp_folder_prefix() -> str:
    """The start of `replace_file`'s temporary folder's name: ``.mia-report-<pid>@<host>.``
    (tempfile adds 8 characters of its own), so that a later report can tell the folders of
    a writer killed while writing (`remove_stale_temp_folders`)."""
    return f".mia-report-{os.getpid()}@{_host()}."


def _tmp_folder_pattern() -> re.Pattern[str]:
    """The exact name of a `replace_file` temporary folder made on this machine; its ``pid``
    group is its writer's process id (`stale_temp_files`). Folders of other machines (a
    shared file system) never match: their process ids mean nothing here."""
    return re.compile(
        rf"\.mia-report-(?P<pid>[1-9][0-9]*)@{re.escape(_host())}\.[a-z0-9_]{{8}}"
    )


def remove_stale_temp_folders(out_dir: Path) -> None:
    """Remove, with an INFO line naming them, the temporary folders of `replace_file` that a
    report killed while writing (SIGKILL, the OOM killer) left in ``out_dir``: no reader
    takes them, and each such death added one. A folder counts only when its name is
    exactly `_tmp_folder_pattern`'s (this machine), it is a folder of this user (no link),
    its writer's process id is no live process (`stale_temp_files`), or it bears the old
    name without one and is over an hour old (`_old_temp_folders`), and it holds nothing
    but regular files of a report's names (the one file it was writing); anything else is
    left, and so is a folder that cannot be removed."""
    removed = []
    names = {*REPORT_FILES, REPORT_MARK}
    stale = stale_temp_files(out_dir, pattern=_tmp_folder_pattern(), folders=True)
    for folder in [*stale, *_old_temp_folders(out_dir)]:
        try:
            with os.scandir(folder) as entries:
                inside = list(entries)
            if not all(e.name in names and e.is_file(follow_symlinks=False) for e in inside):
                continue
            for entry in inside:
                os.unlink(entry.path)
            folder.rmdir()
        except OSError:
            continue
        removed.append(folder.name)
    if removed:
        log.info("%s: removed %s of reports killed while writing (their process is gone): %s",
                 out_dir, counted(len(removed), "temporary folder"), ", ".join(removed))


# The name of `replace_file`'s temporary folders before they held their writer's process id
# and machine (tempfile's 8 characters after the prefix): nothing tells whether their writer
# lives, so such a folder is taken as a dead writer's once it is this many seconds old
# (a writer fills it with one file within seconds, then renames it away).
_OLD_TMP_FOLDER = re.compile(r"\.mia-report-[a-z0-9_]{8}")


_OLD_TMP_AGE = 3600.0


def _old_temp_folders(out_dir: Path) -> list[Path]:
    """`replace_file`'s temporary folders of the old name (`_OLD_TMP_FOLDER`) in ``out_dir``,
    folders of this user (no link) older than `_OLD_TMP_AGE`: reports killed while writing
    before the names held a process id left them, and no report removed them. Sorted."""
    try:
        names = sorted(os.listdir(out_dir))
    except OSError:
        return []
    old = []
    for name in filter(_OLD_TMP_FOLDER.fullmatch, names):
        try:
            info = os.lstat(out_dir / name)
        except OSError:
            continue
        if (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
                and time.time() - info.st_mtime > _OLD_TMP_AGE):  # fmt: skip
            old.append(out_dir / name)
    return old


def replace_file(path: Path, write: Callable[[Path], None]) -> None:
    """``write(tmp)`` to a temporary file beside ``path``, then rename it into place: an
    interrupted or failed write leaves the previous report's file whole, never half of it."""
    folder = Path(tempfile.mkdtemp(dir=path.parent, prefix=_tmp_folder_prefix()))
    tmp = folder / path.name  # the same name, in a folder of its own beside it
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:  # named by the file it was for (a failed write names none)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()


class Staged:
    """A report's files written into one temporary folder beside them (`_tmp_folder_prefix`,
    so a killed writer's is removed by the next report), then moved into place together
    (`commit`): a rerun stopped or failing part way (Ctrl-C while drawing the charts, a
    full disk) left new tables beside the earlier report's charts and summary, its front
    still showing a run since deleted; now it leaves the earlier report whole. The earlier
    report's files are kept (hard links, in a second such folder) until every file is in
    place, so that a rename failing or a Ctrl-C between two renames puts them back."""

    def __init__(self, out_dir: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(dir=out_dir, prefix=_tmp_folder_prefix()))
        self.files: dict[Path, Path] = {}
        self.earlier: Path | None = None  # the folder of the earlier files (`commit`)

    def write(self, path: Path, write: Callable[[Path], None]) -> None:
        """``write(tmp)`` for the report's file ``path``; an error names ``path``."""
        tmp = self.folder / path.name
        try:
            write(tmp)
        except OSError as exc:  # named by the file it was for (a failed write names none)
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        self.files[path] = tmp

    def commit(self) -> None:
        """Rename every file written into place (one folder: renames, no copies), all or
        none: where a rename fails or is interrupted, the files already moved in give way
        to the earlier report's again (`_roll_back`). A writer killed between two renames
        (SIGKILL, the OOM killer) leaves the report mixed, and the earlier files and its
        journal (`_JOURNAL`: each file before its rename) in a folder that the next report
        reads to put them back (`roll_back_killed_commits`) before it writes its own."""
        self.earlier = Path(tempfile.mkdtemp(dir=self.folder.parent, prefix=_tmp_folder_prefix()))
        done: list[tuple[Path, Path | None]] = []  # (file moved in, the earlier one kept)
        journal = os.open(self.earlier / _JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        marked = False  # (whether this commit wrote the folder's REPORT_INCOMPLETE)
        try:
            _note(journal, _STAGED, self.folder.name)
            marked = _mark_incomplete(self.folder.parent, journal)
            for path, tmp in self.files.items():
                # listed before the rename: a Ctrl-C just after it puts this one back too
                done.append((path, _keep(path, self.earlier / path.name)))
                _note(journal, path.name, _KEPT_AS.get(done[-1][1], "kept"))
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    raise OSError(exc.errno, exc.strerror, str(path)) from None
            _note(journal, _DONE, "")  # (killed after this: the new report is whole)
        except BaseException:  # (KeyboardInterrupt too)
            if _roll_back(done) and marked:  # the earlier report is as it was
                remove_incomplete(self.folder.parent)
            raise
        finally:
            os.close(journal)

    def close(self) -> None:
        """Remove what was not moved into place, the earlier files kept, and the folders."""
        for tmp in self.files.values():
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        for folder in (self.folder, self.earlier):
            if folder is None:
                continue
            with contextlib.suppress(OSError):
                for entry in folder.iterdir():  # a file cut where its write failed
                    if entry.name in (*REPORT_FILES, _JOURNAL):
                        entry.unlink()
            with contextlib.suppress(OSError):
                folder.rmdir()


# `_keep`'s answer for an earlier file it could not keep: left as the new one on a roll-back.
_NOT_KEPT = Path()


# The journal of a commit, in the folder of the earlier files it keeps: a line naming the
# folder of the staged files, then, before each rename, the file's name and what was kept of
# the earlier one (`_KEPT_AS`; else "kept": its hard link beside the journal), then a last
# line once every file is in place. Each line is one write to a file opened for appending.
_JOURNAL = "commit-journal"


_STAGED, _DONE = "<staged>", "<done>"


# The journal's line saying the commit wrote REPORT_INCOMPLETE (none was there before it).
_MARKED = "<incomplete>"


_KEPT_AS: dict[Path | None, str] = {None: "none", _NOT_KEPT: "not-kept"}


def _note(journal: int, name: str, value: str) -> None:
    """One line ``name<TAB>value`` of the commit journal (file descriptor ``journal``)."""
    os.write(journal, f"{name}\t{value}\n".encode())


def _mark_incomplete(out_dir: Path, journal: int) -> bool:
    """Write ``out_dir``'s `REPORT_INCOMPLETE` where there is none (never through a link:
    O_EXCL), noted in the commit's ``journal`` first; returns whether this wrote it."""
    if os.path.lexists(out_dir / REPORT_INCOMPLETE):  # (an earlier report stopped part way)
        return False
    _note(journal, _MARKED, "")
    fd = os.open(out_dir / REPORT_INCOMPLETE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, utf8(_INCOMPLETE_TEXT))
    except OSError:  # (a full disk: the file's name says it, empty)
        pass
    finally:
        os.close(fd)
    return True


def remove_incomplete(out_dir: Path) -> None:
    """Remove ``out_dir``'s `REPORT_INCOMPLETE`: the folder holds a whole report again."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out_dir / REPORT_INCOMPLETE)


def roll_back_killed_commits(out_dir: Path) -> None:
    """Put back the earlier report's files that a report killed while moving its own into
    place (`Staged.commit`: SIGKILL, the OOM killer, a power cut) replaced: its journal
    names each file before its rename, and the earlier one is kept beside it. A killed
    report left tables of the new report beside the summary and charts of the earlier one,
    and the next report removed the earlier files kept (`remove_stale_temp_folders`): a
    report killed again, or refused, left that mix for good. Only the folders of writers
    that are gone (`stale_temp_files`); a commit whose journal says it ended is left as it
    is. Call it holding the folder's lock (`sole_writer`), before
    `remove_stale_temp_folders`, which then removes the folders."""
    for folder in stale_temp_files(out_dir, pattern=_tmp_folder_pattern(), folders=True):
        journal = folder / _JOURNAL
        if journal.is_symlink() or not journal.is_file():  # (a FIFO, opened, blocked for good)
            continue  # no journal: a folder of staged files, or of an older version
        try:
            text = journal.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        lines = [line.split("\t") for line in text.split("\n")[:-1]]  # (whole lines only)
        lines = [line for line in lines if len(line) == 2]
        staged = lines[0][1] if lines and lines[0][0] == _STAGED else ""
        moves = [(name, how) for name, how in lines[1:] if name in REPORT_FILES]
        put_back, whole = [], True
        if staged and _tmp_folder_pattern().fullmatch(staged) and not any(
                name == _DONE for name, _ in lines):  # fmt: skip
            for name, how in reversed(moves):
                if (out_dir / staged / name).exists():
                    continue  # not moved in yet: the earlier file is still in place
                try:
                    if how == "kept":
                        os.replace(folder / name, out_dir / name)
                    elif how == "none":
                        (out_dir / name).unlink(missing_ok=True)  # (moved in over no file)
                    else:
                        whole = False
                        continue  # (the earlier file could not be kept)
                except OSError:
                    whole = False
                    continue
                put_back.append(name)
            if whole and any(name == _MARKED for name, _ in lines):  # (the killed one's)
                remove_incomplete(out_dir)
        with contextlib.suppress(OSError):
            (folder / _JOURNAL).unlink()
        if put_back:
            log.warning(
                "%s: a report killed while moving its files into place (process %s) had "
                "replaced part of the earlier report; put back the earlier report's %s",
                out_dir, _tmp_folder_pattern().fullmatch(folder.name)["pid"],
                ", ".join(reversed(put_back)),
            )  # fmt: skip


def _keep(path: Path, kept: Path) -> Path | None:
    """Keep the earlier report's file at ``path`` as ``kept`` (a hard link; a copy on a file
    system without them) for `_roll_back`, and return ``kept``; ``None`` where there is no
    such file, `_NOT_KEPT` where it cannot be kept."""
    try:
        os.link(path, kept, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError:
        try:
            shutil.copyfile(path, kept, follow_symlinks=False)
        except OSError:
            return _NOT_KEPT
    return kept


def _roll_back(done: Sequence[tuple[Path, Path | None]]) -> bool:
    """Put back the earlier report's file of each ``(path, kept)`` moved in (``kept``: its
    copy; ``None``: there was none, so the new one is removed; `_NOT_KEPT`: left as it is),
    the last first; a file that cannot be put back is left too (the error that stopped the
    commit is raised). Returns whether every file was put back."""
    whole = True
    for path, kept in reversed(done):
        try:
            if kept is None:
                path.unlink()
            elif kept is not _NOT_KEPT:
                os.replace(kept, path)
            else:
                whole = False
        except FileNotFoundError:  # (no file moved in yet, nor one before: as it was)
            continue
        except OSError:
            whole = False
    return whole

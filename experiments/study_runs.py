"""What the studies' summary scripts share: the runs under a sweep root and their results.json.

Each run directory (a sub-directory of the root holding a results.json or a run's log) is
read and checked as mia-report does (`read_json`, `payload_problem`, a diverged run's
`rank_problem`, the folder's files: `folder_problem`); a run that cannot be used is left
out with its reason, printed to stderr and kept for the lines under the script's table.
(mia-report's own `load_runs` walks the whole tree and ranks runs apart; the studies read
one level and keep a useless model's row with a caveat.)
"""

from __future__ import annotations

import csv
import io
import math
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from mia_defense.errors import DataError
from mia_defense.files import atomic_write, write_advice
from mia_defense.report.checks import payload_problem, rank_problem
from mia_defense.report.runs import folder_problem
from mia_defense.tracking import read_json

RESULTS = "results.json"
# What a run directory holds from its start (Hydra's job log) or its end (results.json).
MARKS = (RESULTS, "train.log")
RERUN = "run the study again with the same ROOT (finished runs are kept) to redo it"


class StudyError(Exception):
    """A sweep root that cannot be summarised; the message names the path and what to do."""


def finite(value: Any) -> bool:
    """Whether ``value`` is a finite number (not a bool; a null is a NaN written to JSON)."""
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    )


def nested(payload: Mapping[str, Any], *keys: str) -> Any:
    """``payload[k1][k2]...``, or ``None`` where a level is missing or no object."""
    for key in keys:
        if not isinstance(payload, Mapping):
            return None
        payload = payload.get(key)
    return payload


def figure(value: Any) -> float | None:
    """A finite number as a float, a null (a NaN when written) as NaN; else ``None``."""
    if value is None:
        return math.nan
    return float(value) if finite(value) else None


def _holds_a_run(folder: Path) -> bool:
    try:
        return folder.is_dir() and any((folder / mark).exists() for mark in MARKS)
    except OSError:  # (a folder that cannot be read: `Sweep.payloads` names it)
        return True


def run_dirs(root: Path, script: str) -> list[Path]:
    """The run directories of a sweep root: its sub-directories holding a results.json or a
    run's log (a run that failed or is still running has no results.json). ``script``: the
    study's run.sh, named in the errors."""
    if not root.is_dir():
        raise StudyError(
            f"{root}: no such directory; run the study first "
            f"({script} ROOT) or give the sweep's directory"
        )
    try:
        dirs = sorted(d for d in root.iterdir() if _holds_a_run(d))
    except OSError as exc:
        reason = f"cannot list it ({exc.strerror}); check its permissions"
        raise StudyError(f"{root}: {reason}") from None
    if not dirs:
        raise StudyError(
            f"{root}: no run under it (no sub-directory with a {RESULTS} or train.log); run the "
            f"study first ({script} ROOT) or give the sweep's directory"
        )
    return dirs


class Sweep:
    """The runs under one sweep root, read by a study's summary script.

    Attributes:
        root: the sweep root.
        skipped: ``(path, reason)`` of every run left out.
        caveats: ``(path, note)`` of the caveats on kept rows.
    """

    def __init__(self, root: Path, *, name: str, script: str) -> None:
        """``name``: the summary script's file name, prefixing its stderr lines;
        ``script``: the study's run.sh, named in the errors."""
        self.root, self.name, self.script = root, name, script
        self.skipped: list[tuple[Path, str]] = []
        self.caveats: list[tuple[Path, str]] = []
        self.count = 0

    def say(self, line: str) -> None:
        print(f"{self.name}: {line}", file=sys.stderr)

    def leave_out(self, path: Path, reason: str) -> None:
        self.skipped.append((path, reason))
        self.say(f"left out {path}: {reason}")

    def caveat(self, path: Path, note: str) -> None:
        self.caveats.append((path, note))
        self.say(f"caveat on {path}: {note}")

    def payloads(self) -> Iterator[tuple[Path, Path, Mapping[str, Any]]]:
        """``(run directory, its results.json, the payload)`` of every run the report's
        checks pass (a diverged run is left out), in directory order; the others are left
        out with their reasons.

        Raises:
            StudyError: the root is no directory, cannot be listed or holds no run.
        """
        dirs = run_dirs(self.root, self.script)
        self.count = len(dirs)
        for run in dirs:
            path = run / RESULTS
            try:
                present = path.exists() or path.is_symlink()
            except OSError as exc:
                self.leave_out(run, f"cannot read it ({exc.strerror}); check its permissions")
                continue
            if not present:
                self.leave_out(
                    run, f"no {RESULTS}: the run failed or is still running (see its "
                    f"train.log); {RERUN}",
                )  # fmt: skip
                continue
            try:
                payload = read_json(path)
            except DataError as exc:
                self.leave_out(path, str(exc).removeprefix(f"{path}: "))
                continue
            problem = payload_problem(payload)
            if problem is None and payload.get("status") == "diverged":
                problem = rank_problem(payload)
            if problem is None:  # (the run folder's files, as mia-report checks them)
                problem = folder_problem(run, payload, name=run.name)
            if problem is not None:
                self.leave_out(path, problem)
                continue
            yield run, path, payload

    def nothing_usable(self) -> StudyError:
        """The error for a root none of whose runs could be used."""
        return StudyError(
            f"{self.root}: none of its {self.count} runs could be used (listed above); {RERUN}"
        )


def make_out(out: Path) -> None:
    """Create the folder ``out`` for a summary script's tables and check that a file can be
    written there.

    Raises:
        StudyError: it cannot be made or written in (a read-only file system, no
            permission); the message names it. (Before, an OSError traceback once the
            sweep had run, e.g. a study run into a writable ROOT from a read-only checkout,
            whose tables go to experiments/*/results.)
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise StudyError(
            f"{out}: cannot write the tables there ({exc.strerror}); give --out a folder you "
            "can write to"
        ) from None


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """``rows`` as CSV text, as `csv.writer` writes them into a file opened with
    ``newline=""`` (`write_outputs` writes it)."""
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    return text.getvalue()


def write_outputs(script: str, files: Mapping[Path, Any]) -> None:
    """Write a summary script's files: text (a `str`) or a matplotlib figure (a PNG at 120
    dpi), each atomically (`atomic_write`), so a file is its old content or its new one.

    A file that cannot be written (a full disk) ends the script with one line naming it,
    ``<script>: error: ...``; the files written before it are kept. (Before, an OSError
    traceback, and a table cut where the disk filled, or left empty: the committed tables
    of experiments/*/results lost.)"""
    for path, content in files.items():
        def write(handle: Any, content: Any = content) -> None:
            if isinstance(content, str):
                handle.write(content.encode("utf-8"))
            else:
                content.savefig(handle, format="png", dpi=120)

        try:
            atomic_write(path, write)
        except DataError as exc:
            advice = write_advice(exc, fix="give --out a folder you can write to", where="--out")
            sys.exit(f"{script}: error: {path}: cannot write it ({exc.reason}); {advice}")


def notes(
    root: Path, skipped: list[tuple[Path, str]], caveats: list[tuple[Path, str]], *, title: str
) -> str:
    """The lines under the table naming the runs left out (under ``title``) and the
    caveats, by their paths under ``root`` ("" for none)."""

    def lines(heading: str, items: list[tuple[Path, str]]) -> str:
        listed = "".join(f"- `{_under(root, path)}`: {reason}\n" for path, reason in items)
        return f"\n{heading}:\n\n{listed}" if items else ""

    return lines(title, skipped) + lines("Caveats", caveats)


def _under(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


"""Find and load the finished runs under sweep or run directories, skipping broken ones."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mia_defense.constraints import shown_path
from mia_defense.errors import DataError
from mia_defense.files import list_folder, walk_run_folders
from mia_defense.report.checks import (
    caveats,
    one_line,
    payload_problem,
    rank_problem,
    strongest_attack,
)
from mia_defense.report.folder_checks import (
    _killed_problem,
    _unread_checkpoints,
    _with_claim,
    _with_inverted,
    _with_scored_ties,
    _with_unbalanced,
    folder_problem,
)
from mia_defense.report.replicates import (
    _attacked,
    _note_failed_seeds,
    _resolved,
    _same_checkpoints_apart,
    _same_figures_apart,
    _set_repeats_apart,
    _tell_apart,
    software_tag,
    versions_differing,
)
from mia_defense.report.run_record import RESULTS, LoadedRuns, RunRecord, log
from mia_defense.report.scores import checked_figures, read_scores
from mia_defense.tracking import read_json
from mia_defense.tracking.artifacts import DuplicateKeyError, unique_keys

__all__ = [
    "LoadedRuns",
    "RunRecord",
    "distinct_roots",
    "folder_problem",
    "load_runs",
    "software_tag",
    "versions_differing",
]

# What a run leaves in its folder before its results.json, besides Hydra's .hydra/ (which
# mia-train's and mia-attack's runs lack: hydra.output_subdir is null): Hydra's job log, all
# a run refused on its data leaves (its .lock comes later, and other tools, pytest among
# them, name their locks so too). Such a folder is no run to report (the tool said why when
# it failed: tests/cli/test_new_user_nits.py), but no place for a report either.
EARLY_MARKS = ("train.log", "attack.log")
# The name mia-train keeps an unreadable results.json under (``results.json.unreadable`` or
# ``...-N``: `mia_defense.tracking.run_dir._keep_aside`) before running the run again.
KEPT_UNREADABLE = f"{RESULTS}.unreadable"


_list_dir = list_folder  # (how the walk lists a folder; tests replace it here)


# The most folders read under one root: a sweep of a thousand runs is a few thousand (each
# run holds tb/ and checkpoints/: 20000 is some 6000 runs), while `mia-report /` or a home
# folder walked the whole disk.
MAX_FOLDERS = 20_000


def _too_many_folders(root: Path, at: Path) -> DataError:
    return DataError(
        f"{shown_path(root)}: more than {MAX_FOLDERS} folders under it (stopped at "
        f"{shown_path(at)}): no sweep or run "
        "directory of this size; point mia-report at a sweep root (multirun/NAME/DATE_TIME, "
        "hydra.sweep.dir) or at run directories, not at / or a home folder"
    )


def _run_dirs(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Directories under ``root`` (itself included) that hold a run (`_marks_a_run`), by
    `mia_defense.files.walk_run_folders` (the walk of mia-train's sweep code too).

    Links are followed, after the real folders (a run reached both ways is named by its
    folder), each directory read once (a link loop ends there); a link out of
    ``root`` only to a run directory (a link to ``/`` or a home folder would walk the whole
    disk and report other people's runs); ``.hydra/`` is not searched. Returns the run
    directories, sorted, and ``(directory, reason)`` of the directories that could not be
    listed.

    Raises:
        DataError: more than `MAX_FOLDERS` folders under ``root`` (``/``, a home folder): the
            walk stops there, rather than reading the whole disk.
    """
    found: list[Path] = []
    unreadable: list[tuple[Path, str]] = []
    notes: list[str] = []  # said once the walk ends: a refused walk of / says only why

    def cannot_list(directory: Path, exc: OSError) -> None:
        reason = f"cannot list this directory ({exc.strerror}); " + (
            "shorten its path (move or rename the folders above it)"
            if exc.errno == errno.ENAMETOOLONG else "fix its permissions")  # fmt: skip
        unreadable.append((directory, reason))
        log.warning("%s: %s; skipping it", shown_path(directory), reason)

    def not_followed(link: Path, why: str) -> None:
        notes.append(f"{shown_path(link)}: links to {shown_path(link.resolve())}, already "
                     "read; not read again" if why == "read" else f"{shown_path(link)}: links "
                     f"to {shown_path(link.resolve())}, outside {shown_path(root)}, which holds "
                     "no run; not walked")  # fmt: skip

    for directory, names, folders in walk_run_folders(
            root, is_run=_marks_a_run, list_dir=_list_dir, max_folders=MAX_FOLDERS,
            too_many=lambda at: _too_many_folders(root, at), cannot_list=cannot_list,
            not_followed=not_followed):  # fmt: skip
        if _marks_a_run(names, ".hydra" in folders):  # (a folder named results.json too: read
            found.append(directory)  # and skipped with a warning, "not a regular file")
    _say_links(notes)
    return sorted(found), unreadable


# The most link notes a walk logs one by one; the rest are counted.
MAX_LINK_NOTES = 10


def _say_links(notes: list[str]) -> None:
    """Log the walk's notes on links not followed: the first `MAX_LINK_NOTES`, then how
    many more (a tree of many links would bury the report's own lines)."""
    for note in notes[:MAX_LINK_NOTES]:
        log.warning("%s", note)
    if len(notes) > MAX_LINK_NOTES:
        log.warning("... and %d more links not followed (each already read, or outside the "
                    "root without a run)", len(notes) - MAX_LINK_NOTES)  # fmt: skip


def _marks_a_run(names: set[str], hydra: bool) -> bool:
    """Whether a directory of these entry ``names`` (``hydra``: with a .hydra/ folder) is a
    run's: its results.json, one being written, or Hydra's .hydra/."""
    return RESULTS in names or hydra or any(_is_partial(n) or _is_kept(n) for n in names)


def _is_partial(name: str) -> bool:
    """Whether ``name`` is a results.json being written (`atomic_write`'s temporary file)."""
    return name.startswith((f".{RESULTS}.", f"{RESULTS}.")) and name.endswith(".tmp")


def _is_kept(name: str) -> bool:
    """Whether ``name`` is an unreadable results.json mia-train kept aside (`KEPT_UNREADABLE`)."""
    number = name.removeprefix(f"{KEPT_UNREADABLE}-")
    return name == KEPT_UNREADABLE or (number != name and number.isdecimal())  # (int reads it)


def _kept_note(run_dir: Path) -> str:
    """``"; results.json.unreadable ..."``: the unreadable results.json mia-train kept aside
    in ``run_dir`` before running it again, which a run folder without a results.json may
    hold (the run again failed or was killed before writing its own); ``""`` for none."""
    try:
        kept = [n for n in os.listdir(run_dir) if _is_kept(n)]
    except OSError:
        return ""
    if not kept:
        return ""
    # the latest: the highest -N (`_keep_aside` takes the first free one)
    latest = max(kept, key=lambda n: int(n.rpartition("-")[2]) if n != KEPT_UNREADABLE else 0)
    more = f" (and {len(kept) - 1} earlier such copies)" if len(kept) > 1 else ""
    return (f"; the folder holds {shown_path(latest)}{more}: an earlier results.json "
            "of the run that could not be read, kept aside by mia-train when it ran the run "
            "again; run its command again to finish it")


def _partial_in(run_dir: Path) -> str | None:
    """The name of a results.json being written in ``run_dir``, if any."""
    try:
        return next((n for n in sorted(os.listdir(run_dir)) if _is_partial(n)), None)
    except OSError:
        return None


def _read_results(path: Path) -> tuple[dict[str, Any], str | None]:
    """results.json at ``path`` and ``None``, or ``{}`` and why it cannot be read."""
    try:  # (read once: its checks, regular file, size, depth, JSON, hold for these bytes)
        payload = read_json(path, object_pairs_hook=unique_keys)
    except DataError as exc:
        return {}, one_line(str(exc).removeprefix(f"{shown_path(path)}: "), limit=300)
    except DuplicateKeyError as exc:
        return {}, f"{exc}; not a results.json mia-defense wrote: rerun the run"
    return payload, None


def _root_labels(roots: list[Path]) -> list[str]:
    """Each root's name, with as many parent folders as needed to tell roots of one name
    apart (``x/sweep``, ``y/sweep``: their runs had the same names). ``..`` is the folder it
    names (``mia-report . ..`` from a run folder named its sweep's runs ``../NAME``)."""
    parts = [Path(os.path.abspath(r)).parts for r in roots]
    depth = 1
    while True:
        labels = ["/".join(p[-depth:]) if depth < len(p) else r.as_posix()
                  for p, r in zip(parts, roots, strict=True)]  # fmt: skip
        if len(set(labels)) == len(labels) or all(depth >= len(p) for p in parts):
            return labels
        depth += 1


def _run_name(run_dir: Path, root: Path, label: str, *, several: bool) -> str:
    """The run's name relative to ``root``, prefixed by the root's ``label`` when
    ``several``."""
    if run_dir == root:
        return label
    name = run_dir.relative_to(root).as_posix()
    return f"{label}/{name}" if several else name  # names stay unique across sweeps


def _load_run(run_dir: Path, name: str, loaded: LoadedRuns) -> tuple[RunRecord, str] | None:
    """Read one run directory into ``loaded``: ranked, not ranked or skipped, with a warning
    naming the file for the last two. Returns a run skipped on its parsed results.json (a
    figure edited, a type wrong) as a record with the reason, for `_note_failed_seeds`."""
    path = run_dir / RESULTS
    partial = None if os.path.lexists(path) else _partial_in(run_dir)
    if partial is not None:
        reason = (
            f"no {RESULTS} yet: {shown_path(partial)} is being written (the run is "
            "still running, or was killed while writing it); report it again once it ends"
        )
        loaded.skipped.append((run_dir, reason))
        log.warning("%s: %s; skipping it", shown_path(run_dir), reason)
        return None
    if not os.path.lexists(path):
        reason = f"no {RESULTS} (the run failed or is still running)"
        logs = [name for name in EARLY_MARKS if os.path.isfile(run_dir / name)]
        if logs:
            reason += f"; its {logs[0]} says why"
        reason += _kept_note(run_dir)
        loaded.skipped.append((run_dir, reason))
        log.warning("%s: %s; skipping it", shown_path(run_dir), reason)
        return None
    payload, reason = _read_results(path)
    if reason is None:
        reason = _killed_problem(run_dir, payload) or payload_problem(payload, run_dir=run_dir)
    scores = None
    if reason is None:
        strongest, attack = strongest_attack(payload)
        scores = read_scores(run_dir, strongest) if attack is not None else None
        reason = folder_problem(run_dir, payload, name=name, scores=scores)
    unchecked = None
    if reason is None:  # (figures that are not their scores' were ranked: edited)
        reason, unchecked = checked_figures(run_dir, payload, scores)
    if reason is None and (unread := _unread_checkpoints(run_dir, payload)):
        log.warning("%s: %s", run_dir, unread)
    if reason is not None:
        loaded.skipped.append((run_dir, reason))
        log.warning("%s: %s; skipping this run", shown_path(path), reason)
        return (RunRecord(path=run_dir, name=name, payload=payload), reason) if payload else None
    unranked = rank_problem(payload)
    # (the scores kept for its ROC curve, which a run not ranked never gets)
    record = RunRecord(path=run_dir, name=name, payload=payload,
                       scores=scores if unranked is None else None)  # fmt: skip
    if unranked is not None:
        loaded.not_ranked(record, unranked)
        return
    loaded.runs.append(record)
    for caveat in caveats(_with_unbalanced(run_dir, _with_claim(
            _with_inverted(_with_scored_ties(run_dir, payload, scores), scores), scores))):
        loaded.caveat(record, caveat)
    if unchecked is not None:
        loaded.caveat(record, unchecked)
    return None




def _not_a_directory(path: Path) -> str:
    """Why ``path``, given as a sweep or run directory, is none, and what to give instead:
    a missing folder and a run's results.json both read "not a directory"."""
    if path.is_symlink() and not path.exists():
        return f"not a directory: a broken link (to {shown_path(os.readlink(path))})"
    if not os.path.lexists(path):
        return "not a directory: nothing is there (a typo, or a sweep not started yet?)"
    if path.name == RESULTS:
        return f"not a directory: a run's {RESULTS}; give its folder, {shown_path(path.parent)}"
    return "not a directory: a file; give a sweep root or a run directory"


def distinct_roots(paths: Iterable[Path]) -> list[Path]:
    """``paths`` less those naming a folder given before them (``sweep sweep/``,
    ``sweep ../x/sweep``), in order: read once, its two roots of one label were told apart
    by their whole paths, every run named /home/.../sweep/NAME, and the report named it as
    two sources."""
    given: dict[str, Path] = {}
    for path in map(Path, paths):
        given.setdefault(_resolved(str(path)) or os.path.abspath(path), path)
    return list(given.values())


def load_runs(paths: Iterable[Path]) -> LoadedRuns:
    """Load every finished run under ``paths`` (sweep roots or run directories).

    A broken run is never fatal: one whose results.json is missing (still running or crashed),
    unreadable, corrupt, of another schema version, not ``complete`` or of the wrong types is
    skipped, and a diverged or useless run (see `rank_problem`) is kept apart as not ranked,
    each with a warning naming its file. Input files are only read.

    Raises:
        DataError: a root holds more than `MAX_FOLDERS` folders (``/``, a home folder): no
            sweep is that large, and walking it would read the whole disk.
    """
    loaded = LoadedRuns()
    # a seed skipped on its file (its figures edited, the most leaky one dropped) is lost to
    # its row as much as a diverged one: its siblings get the same caveat
    skipped: list[tuple[RunRecord, str]] = []
    seen: set[Path] = set()
    roots = distinct_roots(paths)
    found: list[tuple[Path, Path, str]] = []  # (run folder, its root, the root's label)
    for root, label in zip(roots, _root_labels(roots), strict=True):
        if not root.is_dir():
            reason = _not_a_directory(root)
            loaded.skipped.append((root, reason))
            log.warning("%s: %s; skipping it", root, reason)
            continue
        dirs, unreadable = _run_dirs(root)
        loaded.skipped += unreadable
        if not dirs and not unreadable:
            reason = f"no {RESULTS} or .hydra/ found under it"
            loaded.skipped.append((root, reason))
            log.warning("%s: %s; skipping it", root, reason)
        found += [(run_dir, root, label) for run_dir in dirs]
    # a run reached through a link under one root and by its own folder under another is
    # named by its folder (`mia-report links sweep` named it by the link, the root given
    # first); so is one whose results.json another folder links to
    read_with: dict[str, Path] = {}  # results.json, links followed -> the folder read with it
    for run_dir, root, label in sorted(
            found, key=lambda f: (_through_link(f[0], f[1]), _results_elsewhere(f[0]))):
        if run_dir.resolve() in seen:
            continue
        seen.add(run_dir.resolve())
        results = _resolved(str(run_dir / RESULTS))
        if results is not None and results in read_with:
            reason = (f"its {RESULTS} links to {results}, the {RESULTS} of {read_with[results]}, "
                      "read as that run: one run's figures, counted once; remove the link")
            loaded.skipped.append((run_dir, reason))
            log.warning("%s: %s; skipping it", shown_path(run_dir), reason)
            continue
        if results is not None:
            read_with[results] = run_dir
        name = _run_name(run_dir, root, label, several=len(roots) > 1)
        read = _load_run(run_dir, name, loaded)
        if read is not None:
            skipped.append(read)
    failed = [*loaded.unranked, *skipped]  # (before the repeats join: no failed seeds)
    _set_repeats_apart(loaded)
    _same_checkpoints_apart(loaded)
    _same_figures_apart(loaded)
    _tell_apart(loaded, _attacked(loaded))
    _note_failed_seeds(loaded, failed)
    return loaded


def _through_link(run_dir: Path, root: Path) -> bool:
    """Whether the walk of ``root`` reached ``run_dir`` through a link below ``root``."""
    try:
        return run_dir.resolve() != root.resolve() / run_dir.relative_to(root)
    except (OSError, RuntimeError, ValueError):
        return False


def _results_elsewhere(run_dir: Path) -> bool:
    """Whether ``run_dir``'s results.json is a link to a file outside ``run_dir`` (another
    run's, where a folder was "filled" with a link to it)."""
    path = run_dir / RESULTS
    resolved = _resolved(str(path))
    return os.path.islink(path) and resolved is not None and (
        os.path.dirname(resolved) != _resolved(str(run_dir)))  # fmt: skip

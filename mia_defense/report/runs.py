"""Find and load the finished runs under sweep or run directories, skipping broken ones."""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
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
    same_figure,
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
from mia_defense.report.run_record import RESULTS, LoadedRuns, RunRecord, log
from mia_defense.report.scores import checked_figures, read_scores
from mia_defense.tracking import read_json

__all__ = [
    "LoadedRuns",
    "RunRecord",
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


class _DuplicateKey(Exception):  # (no ValueError: read_json would call it not JSON)
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing an object with a key twice: a parser keeps the last,
    so a hand-edited or forged file could show a reader one figure and the report another."""
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        twice = next(key for i, key in enumerate(keys) if key in keys[:i])
        raise _DuplicateKey(f"duplicate key {one_line(repr(twice), limit=60)} in one object")
    return dict(pairs)


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
        payload = read_json(path, object_pairs_hook=_no_duplicates)
    except DataError as exc:
        return {}, one_line(str(exc).removeprefix(f"{shown_path(path)}: "), limit=300)
    except _DuplicateKey as exc:
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
    # a folder given twice (``mia-report sweep sweep/``) is read once: its two roots of one
    # label were told apart by their whole paths, every run named /home/.../sweep/NAME
    given: dict[str, Path] = {}
    for path in map(Path, paths):
        given.setdefault(_resolved(str(path)) or os.path.abspath(path), path)
    roots = list(given.values())
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


def _seedless(payload: Mapping[str, Any], *, seeds: bool) -> str | None:
    """A run's config (with or without its seeds) and what it attacked, as text; ``None``
    for a run without a config."""
    config = payload.get("config")
    if not isinstance(config, Mapping) or not config:
        return None
    kept = config if seeds else _without_seeds(config)
    kept = {k: v for k, v in kept.items() if k not in _NO_EFFECT}
    return json.dumps([kept, payload.get("source")], sort_keys=True, default=str)


def _note_failed_seeds(loaded: LoadedRuns, failed: list[tuple[RunRecord, str]]) -> None:
    """A caveat on the ranked runs of a config whose other seeds were not ranked (training
    diverged, a model at chance, no leakage figure): their row averages the seeds that
    were, and a config that fails for most seeds looked as accurate as one that never
    does, the failures listed only apart, under "Runs not ranked"."""
    if not failed or not loaded.runs:
        return
    ranked = {_seedless(r.payload, seeds=True) for r in loaded.runs}
    lost: dict[str, dict[str, str]] = {}  # config -> {seeded config: first reason}
    for record, reason in failed:
        key, seeded = _seedless(record.payload, seeds=False), _seedless(record.payload, seeds=True)
        if key is not None and seeded not in ranked:  # (not a failed copy of a ranked run)
            lost.setdefault(key, {}).setdefault(str(seeded), reason)
    if not lost:
        return
    for record in loaded.runs:
        seeds = lost.get(str(_seedless(record.payload, seeds=False)))
        if not seeds:
            continue
        count = len(seeds)
        were = f"{count} other seeds of its config were" if count > 1 else (
            "another seed of its config was")
        first = one_line(next(iter(seeds.values())), limit=160)
        note = (
            f"{were} not ranked (first: {first}): its row "
            "averages the seeds that were, and may overstate the config's utility or "
            "understate its leakage; see Runs not ranked"
        )
        loaded.caveat(record, note)


# Settings that do not change a run's numbers: runs differing only in them are repeats.
_NO_EFFECT = ("progress", "figures", "cache_dir")


def _experiment(
    payload: Mapping[str, Any], facts: tuple[str, ...] = ("data_fingerprint", "source", "versions")
) -> str | None:
    """What determines a run's numbers (its config, seeds included, and ``facts``: its data's
    content hash, what mia-attack attacked, the library versions), as text; ``None`` for a
    run without a config (built in code: not comparable)."""
    config = payload.get("config")
    if not isinstance(config, Mapping) or not config:
        return None
    kept = {k: v for k, v in config.items() if k not in _NO_EFFECT}
    return json.dumps([kept, *(payload.get(k) for k in facts)], sort_keys=True, default=str)


def _resolved(path: Any) -> str | None:
    """``path`` (a results.json's string) absolute with its links followed, or ``None``."""
    if not isinstance(path, str) or not path:
        return None
    try:
        return str(Path(path).resolve())
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte
        return None


def _attacked(loaded: LoadedRuns) -> dict[Path, Any]:
    """Per ranked run (by its directory), the models it measured besides its config and
    data: its ``source`` (what mia-attack attacked; none for mia-train's own). A run
    attacked again from a run's folder (``mia-attack RUN``: ``source.kind`` run_directory)
    measured that run's models: what that run attacked when it is among the runs read, or,
    for a folder of mia-train's models (its config is a training config, no mia-attack
    ``source``), the models its config and data name, as for the run itself. The same run
    attacked again with the same settings was a second "seed replicate" of it (seeds 0, 0),
    never a repeat."""
    if not any(map(_again, loaded.runs)):  # (no folder resolved: a sweep of thousands)
        return {r.path: r.payload.get("source") for r in loaded.runs}
    records = [*loaded.runs, *(record for record, _ in loaded.unranked)]
    by_path = {_resolved(str(r.path)): r.payload for r in records}

    def origin(payload: Mapping[str, Any], depth: int = 0) -> Any:
        source = payload.get("source")
        if not isinstance(source, Mapping) or source.get("kind") != "run_directory":
            return source
        first = by_path.get(_resolved(source.get("path")))
        if first is not None and first is not payload and depth < len(by_path):
            return origin(first, depth + 1)
        config = payload.get("config")
        return None if isinstance(config, Mapping) and "source" not in config else source

    return {r.path: origin(r.payload) for r in loaded.runs}


def _short(value: Any) -> str:
    """A short, printable tag of a fingerprint (itself when it is short hex) or of a value."""
    text = json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, str) and value.isalnum() and len(value) <= 16:
        return value
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


def software_tag(payload: Mapping[str, Any]) -> str | None:
    """The run's ``software=`` value as `_tell_apart` tags it (`_short` of results.json's
    ``versions``), or ``None`` where it records no versions (an older run, or the field
    deleted): what the report labels a run that was not tagged itself, beside runs of its
    dataset and model that were."""
    versions = payload.get("versions")
    if not isinstance(versions, Mapping) or not versions:
        return None
    return _short(versions)


def _tell_apart(loaded: LoadedRuns, attacked: Mapping[Path, Any]) -> None:
    """Tag the runs of one config that differ in their data or software
    (`RunRecord.apart`), with a warning naming them: such runs are no seed replicates (an
    edited data file rerun with the same config gave a row averaging two different tasks as
    if they were seeds, seeds ``0, 0``), so they get rows and fronts of their own.

    Runs that record ``data_digest`` (the whole dataset's hash, the same for every seed) are
    told apart by it across seeds (of one ``dataset.seed``, for data drawn from the seed).
    Older runs only have ``data_fingerprint``, which hashes the plan's arrays too (the seed
    draws them): only runs of the same seeds can be compared by it, and those of other seeds
    are matched to neither."""
    for members in _same_config(loaded, attacked, seeds=False, data_seed=True).values():
        digests = [loaded.runs[i].payload.get("data_digest") for i in members]
        if all(isinstance(d, str) for d in digests) and len(set(digests)) > 1:
            _tag(loaded, members, "data_digest", "data")
    for members in _same_config(loaded, attacked, seeds=True).values():
        if len(members) < 2 or any(loaded.runs[i].apart for i in members):
            continue
        data = {_short(loaded.runs[i].payload.get("data_fingerprint")) for i in members}
        if len(data) > 1:
            _tag(loaded, members, "data_fingerprint", "data")
        else:
            _tag(loaded, members, "versions", "software")
    for members in _same_config(loaded, attacked, seeds=False).values():
        _tag_other_seeds(loaded, members)
        _note_mixed_versions(loaded, [i for i in members if not loaded.runs[i].apart])
        _note_one_file(loaded, members, attacked)
        _note_attack_seeds(loaded, members)


def _tag_other_seeds(loaded: LoadedRuns, members: list[int]) -> None:
    """Where runs of one config (``members``, all seeds) were told apart by their software,
    tag its other runs with the versions they record (`software_tag`): a run of another seed
    than those, untagged, was labelled software=unknown though its results.json records its
    versions, and sat in a row and front of its own (or with other untagged seeds of other
    versions). Runs that record none stay untagged (unknown); runs told apart by their data
    keep that tag."""
    if not any(loaded.runs[i].apart.startswith("software=") for i in members):
        return
    tagged: dict[int, RunRecord] = {}
    for i in members:
        record = loaded.runs[i]
        tag = None if record.apart else software_tag(record.payload)
        if tag is not None:
            loaded.runs[i] = tagged[id(record)] = replace(record, apart=f"software={tag}")
    loaded.caveats = [(tagged.get(id(r), r), n) for r, n in loaded.caveats]


def _note_one_file(loaded: LoadedRuns, members: list[int], attacked: Mapping[Path, Any]) -> None:
    """A caveat on the runs of one config but other seeds that attacked one observations
    file (``mia-attack obs.npz seed=1``): a seed there draws the attacks, not the models, so
    their row averaged one set of models as if trained again, n runs and a tighter interval
    for the same models. (The file may have changed between them: they stay ranked.)"""
    if len(members) < 2:
        return
    origins = [attacked[loaded.runs[i].path] for i in members]
    kinds = {o.get("kind") if isinstance(o, Mapping) else None for o in origins}
    if kinds != {"observations"}:
        return
    path = shown_path(origins[0].get("path"))
    note = (
        f"attacked the same observations file ({path}) as other seeds of its config: a seed "
        "draws the attacks, not the models, so its row's n counts attacks of one set of "
        "models and its interval is no spread over trained models"
    )
    for i in members:
        loaded.caveat(loaded.runs[i], note)


def _seed_items(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """The seeds of a nested config at any depth, as ``dotted key -> value`` (as text)."""
    items: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            items.update(_seed_items(value, f"{name}."))
        elif key == "seed":
            items[name] = json.dumps(value, sort_keys=True, default=str)
    return items


def _note_attack_seeds(loaded: LoadedRuns, members: list[int]) -> None:
    """A caveat on the mia-train runs of one config that differ only in an attack's own seed
    (``-m attack.attacks.shokri.seed=0,1``; ``seed`` and ``data_fingerprint`` the same):
    ``seed`` draws the models, so these trained the same models, yet their row counted
    them as seed replicates, n=2 and a narrower interval for one set of models."""
    same: dict[str, list[int]] = {}
    for i in members:
        payload = loaded.runs[i].payload
        seed, fingerprint = payload.get("seed"), payload.get("data_fingerprint")
        config = payload.get("config")
        if (payload.get("source") is not None or not isinstance(config, Mapping)
                or isinstance(seed, bool) or not isinstance(seed, int)
                or not isinstance(fingerprint, str) or not fingerprint):  # fmt: skip
            continue
        # (runs told apart by their data or software sit in rows of their own)
        same.setdefault(json.dumps([seed, fingerprint, loaded.runs[i].apart]), []).append(i)
    for runs in same.values():
        seeds = [_seed_items(loaded.runs[i].payload["config"]) for i in runs]
        differ = sorted({k for s in seeds for k in s if len({t.get(k) for t in seeds}) > 1})
        if len(runs) < 2 or not differ or not all(k.startswith("attack.") for k in differ):
            continue  # (a seed of the training or data: other models)
        note = (
            f"trained the same models as {len(runs) - 1} other run(s) of its config (the same "
            f"seed and data_fingerprint; only {one_line(', '.join(differ), limit=120)} "
            "differs, which draws the attack, not the models), so its row's n counts attacks "
            "of one set of models and its interval is no spread over trained models; vary "
            "seed for replicates"
        )
        for i in runs:
            loaded.caveat(loaded.runs[i], note)


def versions_differing(payloads: list[Mapping[str, Any]]) -> str:
    """``versions.KEY a, b`` for each library or code version that differs between
    ``payloads`` (``""`` when none does)."""
    tables = [p.get("versions") if isinstance(p.get("versions"), Mapping) else {} for p in payloads]
    keys = dict.fromkeys(k for t in tables for k in t)
    shown = []
    for key in keys:
        values = dict.fromkeys(_short(t.get(key)) for t in tables)
        if len(values) > 1:
            shown.append(f"versions.{one_line(key, limit=40)} {', '.join(values)}")
    if not shown and len({_short(p.get("versions")) for p in payloads}) > 1:
        shown.append("versions recorded by some runs only")
    return "; ".join(shown)


def _note_mixed_versions(loaded: LoadedRuns, members: list[int]) -> None:
    """A caveat on the runs of one config but other seeds that ran on other library versions
    or code (a sweep resumed after an edit or an upgrade): their row averages them as seed
    replicates, and nothing said the code differed between them."""
    if len(members) < 2:
        return
    differing = versions_differing([loaded.runs[i].payload for i in members])
    if not differing:
        return
    note = (
        f"ran on other library versions or code than other seeds of its config ({differing}); "
        "a row averaging them counts them as seed replicates: rerun the sweep on one version "
        "to compare like with like"
    )
    for i in members:
        record = loaded.runs[i]
        loaded.caveat(record, note)


def _same_config(
    loaded: LoadedRuns, attacked: Mapping[Path, Any], *, seeds: bool, data_seed: bool = False
) -> dict[str, list[int]]:
    """Indices of the runs of one config (and source), with or without their seeds; with
    ``data_seed``, ``dataset.seed`` is kept: a dataset drawn from the seed (purchase_like,
    a subset of max_samples: ``seed: ${seed}``) has another data_digest for each, which is no
    edited data file."""
    same: dict[str, list[int]] = {}
    for i, record in enumerate(loaded.runs):
        config = record.payload.get("config")
        if not isinstance(config, Mapping) or not config:
            continue
        if not seeds:
            dataset = config.get("dataset")
            config = _without_seeds(config)
            if data_seed and isinstance(dataset, Mapping) and "seed" in dataset:
                config["dataset"] = {**config.get("dataset", {}), "seed": dataset["seed"]}
        payload = {**record.payload, "config": config, "source": attacked[record.path]}
        key = _experiment(payload, facts=("source",))
        if key is not None:
            same.setdefault(key, []).append(i)
    return same


def _without_seeds(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` without its seeds at any depth (``seed``, ``attack.attacks.rmia.seed``):
    the nested form of `mia_defense.report.groups.is_seed_key`'s dotted keys."""
    return {
        k: _without_seeds(v) if isinstance(v, Mapping) else v
        for k, v in config.items() if k != "seed"
    }  # fmt: skip


def _tag(loaded: LoadedRuns, members: list[int], field_name: str, tag: str) -> None:
    records = [loaded.runs[i] for i in members]
    tagged: dict[int, RunRecord] = {}
    for i, record in zip(members, records, strict=True):
        value = _short(record.payload.get(field_name))
        loaded.runs[i] = tagged[id(record)] = replace(record, apart=f"{tag}={value}")
    loaded.caveats = [(tagged.get(id(r), r), n) for r, n in loaded.caveats]
    shown = ", ".join(
        f"{shown_path(r.path)} ({field_name} {_short(r.payload.get(field_name))})"
        for r in records
    )
    what = "different data (the data file changed between them?)" if tag == "data" else (
        "different library versions or code")
    across = "" if field_name == "data_digest" else (
        "; results.json records no seed-independent digest of the data, so runs of other "
        "seeds are matched to neither"
    )
    log.warning(
        "%s: the same config on %s; no seed replicates, so each gets its own row and Pareto "
        "front, tagged [%s=...]%s: rerun the sweep on one version of the data and code",
        shown, what, tag, across,
    )


def _copy_key(payload: Mapping[str, Any]) -> str | None:
    """A run without a config (built in code: api.audit) as text, when it records the wall
    time it took: another results.json equal to it to the last digit of that time is a copy
    of its folder, not a second run. ``None`` without a wall time (nothing tells a copy from
    a run that gave the same figures)."""
    seconds = payload.get("wall_seconds")
    if not isinstance(seconds, float) or not seconds > 0:
        return None
    return "copy:" + json.dumps(payload, sort_keys=True, default=str)


def _set_repeats_apart(loaded: LoadedRuns) -> None:
    """Keep the first of the runs of one experiment (a copied run directory, a rerun of the
    same config and seed): runs are deterministic, so a repeat is no new evidence, and
    counting it as a seed replicate would shrink the row's interval for nothing. A run
    without a config is a repeat when it is a copy (`_copy_key`): it was a second row
    beside the first, both on the front. A run attacked first is kept before its models
    attacked again from its folder (`_attacked`)."""
    attacked = _attacked(loaded)
    keys = [
        _experiment({**r.payload, "source": attacked[r.path]}) or _copy_key(r.payload)
        for r in loaded.runs
    ]  # fmt: skip
    first: dict[str, RunRecord] = {}
    for key, record in sorted(zip(keys, loaded.runs, strict=True), key=lambda kr: _again(kr[1])):
        if key is not None:
            first.setdefault(key, record)
    kept: list[RunRecord] = []
    for key, record in zip(keys, loaded.runs, strict=True):
        if key is None or first[key] is record:
            kept.append(record)
            continue
        same = "same config, seeds and data" if key.startswith("[") else (
            "no config recorded, and the same results.json to its wall time: a copy")
        if _again(record) or _again(first[key]):
            same += ": the same models attacked again, with the same settings"
        reason = (
            f"the same experiment as {first[key].name} ({same}), so no new evidence: counted "
            "once; give replicates different seeds"
        )
        loaded.not_ranked(record, reason)
        _note_repeat_differs(loaded, first[key], record)
    kept = _same_models_apart(loaded, kept, attacked)
    ids = {id(record) for record in kept}  # (any(r is k for k in kept): quadratic)
    loaded.caveats = [(r, note) for r, note in loaded.caveats if id(r) in ids]
    loaded.runs = kept


def _figures(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A run's measured figures: its test accuracy and each attack's AUC and TPRs (not their
    intervals' nor the seconds it took)."""
    utility = payload.get("utility")
    figures = {"test accuracy": utility.get("test_accuracy") if isinstance(utility, Mapping)
               else None}  # fmt: skip
    attacks = payload.get("attacks")
    for name, metrics in (attacks.items() if isinstance(attacks, Mapping) else ()):
        for key, value in (metrics.items() if isinstance(metrics, Mapping) else ()):
            if key == "auc" or (key.startswith("tpr@") and not key.endswith(("_low", "_high"))):
                figures[f"{name} {key}"] = value
    return figures


def _note_repeat_differs(loaded: LoadedRuns, kept: RunRecord, repeat: RunRecord) -> None:
    """A caveat on the run kept of a repeat whose figures differ from its own: the two ran the
    same config, seeds and data, which gives the same numbers, so one of the results.json was
    edited (or they ran on machines that round otherwise): the repeat was dropped without a
    word, and the run kept may be the one whose figures were lowered."""
    mine, theirs = _figures(kept.payload), _figures(repeat.payload)
    # (a ranked run's figures are finite numbers or null: `payload_problem`)
    differ = [k for k in dict.fromkeys([*mine, *theirs])
              if not same_figure(mine.get(k), theirs.get(k))]  # fmt: skip
    if not differ:
        return
    first = differ[0]
    note = (
        f"its repeat {repeat.name} (same config, seeds and data) gives other figures "
        f"({one_line(first, limit=80)} {one_line(mine.get(first), limit=30)} here, "
        f"{one_line(theirs.get(first), limit=30)} there; {len(differ)} differ): one results.json "
        "was edited, or they ran where numbers round otherwise; rerun it to know which holds"
    )
    loaded.caveat(kept, note)


def _same_models_apart(
    loaded: LoadedRuns, runs: list[RunRecord], attacked: Mapping[Path, Any]
) -> list[RunRecord]:
    """``runs`` without those attacked again from a run's folder under another seed
    (``mia-attack RUN seed=1``) whose models another run of them measured: its config then
    reads as the next seed of the run's, and the two shared a row as seed replicates (n=2,
    the same models' test accuracy twice). The same models: one config but its seeds, what
    was attacked (`_attacked`) and ``data_fingerprint``, which hashes the plan the training
    seed drew (runs of other seeds differ in it)."""
    first: dict[str, RunRecord] = {}
    keys: list[str | None] = []
    for record in runs:
        fingerprint = record.payload.get("data_fingerprint")
        config = record.payload.get("config")
        if not isinstance(fingerprint, str) or not fingerprint or not isinstance(config, Mapping):
            keys.append(None)
            continue
        kept = {k: v for k, v in _without_seeds(config).items() if k not in _NO_EFFECT}
        keys.append(json.dumps([kept, attacked[record.path], fingerprint], sort_keys=True,
                               default=str))  # fmt: skip
    for key, record in sorted(zip(keys, runs, strict=True), key=lambda kr: _again(kr[1])):
        if key is not None:
            first.setdefault(key, record)
    kept_runs = []
    for key, record in zip(keys, runs, strict=True):
        if key is None or first[key] is record or not _again(record):
            kept_runs.append(record)
            continue
        reason = (
            f"the same models as {first[key].name} (same config but its seeds, and the same "
            f"data_fingerprint, which the training seed draws), attacked again from a run "
            f"folder with seed {one_line(record.payload.get('seed'), limit=20)}: no seed "
            "replicate of them, so counted once; train replicates with other seeds"
        )
        loaded.not_ranked(record, reason)
    return kept_runs


_PLAN = "plan:"


def _checkpoints(payload: Mapping[str, Any]) -> list[str]:
    """The sha256 of a mia-train run's trained models (``sha256["checkpoints/..."]``), and its
    ``data_fingerprint`` (``plan:FINGERPRINT``: it hashes the members each model trained on,
    which the seed draws)."""
    if payload.get("source") is not None:
        return []
    fingerprint = payload.get("data_fingerprint")
    plan = [_PLAN + fingerprint] if isinstance(fingerprint, str) and fingerprint else []
    digests = payload.get("sha256")
    if not isinstance(digests, Mapping):
        return plan
    return plan + [d for name, d in digests.items()
                   if isinstance(name, str) and name.startswith("checkpoints/")
                   and isinstance(d, str) and d]  # fmt: skip


def _seeds_of(payload: Mapping[str, Any]) -> tuple[Any, Any]:
    """A run's ``seed`` and its ``config.seed`` (the one that groups it: either edited alone
    made a copy another seed)."""
    config = payload.get("config")
    return payload.get("seed"), config.get("seed") if isinstance(config, Mapping) else None


def _seeds_text(seeds: tuple[Any, Any]) -> str:
    seed, configured = (one_line(s, limit=20) for s in seeds)
    return f"seed {seed}" if seed == configured else f"seed {seed} (config.seed {configured})"


def _same_checkpoints_apart(loaded: LoadedRuns) -> None:
    """Leave out of the ranking a mia-train run whose trained models are, byte for byte, those
    of a run of another seed (the same ``sha256`` of a checkpoint), or trained on the same
    members (the same ``data_fingerprint``): ``seed`` draws the plan and the initial weights,
    so no two seeds train the same model. A run folder copied and its
    seed edited by hand passed for a second seed replicate, n=2 and a narrower interval for
    one set of models. (Runs of one seed share models legitimately: a release on the same
    models, an attack's own seed.)"""

    def same(other: RunRecord, shared: str) -> str:
        what = ("the same data_fingerprint: the members the seed draws" if
                shared.startswith(_PLAN) else "a checkpoint of the same sha256")  # fmt: skip
        return f"the same trained models as {other.name} ({what})"

    _other_seeds_apart(loaded, _checkpoints, same, model="model")


def _other_seeds_apart(
    loaded: LoadedRuns,
    keys: Callable[[Mapping[str, Any]], list[str]],
    same: Callable[[RunRecord, str], str],
    *,
    model: str,
) -> None:
    """Leave out of the ranking, warned, each run sharing one of its ``keys(payload)`` with
    an earlier run of another seed (``same(other, key)`` says what they share: no two seeds
    train the same ``model``), and its caveats."""
    first: dict[str, RunRecord] = {}
    kept: list[RunRecord] = []
    for record in loaded.runs:
        found = keys(record.payload)
        seed = _seeds_of(record.payload)
        shared = next((k for k in found if k in first
                       and _seeds_of(first[k].payload) != seed), None)  # fmt: skip
        if shared is None:
            kept.append(record)
            for key in found:
                first.setdefault(key, record)
            continue
        other = first[shared]
        reason = (
            f"{same(other, shared)} under {_seeds_text(seed)}, where {other.name} has "
            f"{_seeds_text(_seeds_of(other.payload))}: no two seeds train the same {model}, so "
            "it is no seed replicate (a copy of its folder, the seed edited?): counted once; "
            "train replicates with other seeds"
        )
        loaded.not_ranked(record, reason)
    if len(kept) < len(loaded.runs):
        ids = {id(record) for record in kept}
        loaded.caveats = [(r, note) for r, note in loaded.caveats if id(r) in ids]
        loaded.runs = kept


def _figures_key(payload: Mapping[str, Any]) -> list[str]:
    """A trained run's train and test loss and every attack's AUC as text, or none (a run
    attacked from another's folder carries its utility; no finite losses): runs of
    two seeds train other models, whose mean losses never agree to the last digit."""
    utility = payload.get("utility")
    losses = [utility.get(k) for k in ("train_loss", "test_loss")] if isinstance(
        utility, Mapping) else []  # fmt: skip
    if payload.get("source") is not None or not losses or not all(
            isinstance(v, float) and math.isfinite(v) for v in losses):  # fmt: skip
        return []
    attacks = payload.get("attacks")
    aucs = {name: m.get("auc") for name, m in attacks.items() if isinstance(m, Mapping)} if (
        isinstance(attacks, Mapping)) else {}  # fmt: skip
    return [json.dumps([losses, aucs], sort_keys=True, default=str)]


def _same_figures_apart(loaded: LoadedRuns) -> None:
    """Leave out of the ranking a run whose train and test loss and attack AUCs are, to the
    last digit, those of a run of another seed (`_figures_key`): a folder copied and its
    seeds edited, its sha256 record and data_fingerprint too (which `_same_checkpoints_apart`
    reads), passed for a second seed replicate, n=2 and a narrower interval for one run."""

    def same(other: RunRecord, _key: str) -> str:
        return f"the same train and test loss and attack AUCs, to the last digit, as {other.name}"

    _other_seeds_apart(loaded, _figures_key, same, model="models")


def _again(record: RunRecord) -> bool:
    """Whether the run attacked a run's folder (``mia-attack RUN``)."""
    source = record.payload.get("source")
    return isinstance(source, Mapping) and source.get("kind") == "run_directory"

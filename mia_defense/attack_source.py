"""The source mia-attack re-attacks: read it, and check it is the file or run it says it is.

`read_source` reads PATH (an observations .npz, or a finished mia-train run directory: its
observations.npz and results.json) into a `Source` and refuses, with a `DataError` naming the
file and the fix, a source that is not what it claims: observations that are not the run's own
(replaced, edited, or changed while read), a run folder whose checkpoints or config are not
its results.json's, extra arrays (``is_canary``, ``population_idx``, ``copy_groups``) that do
not fit the records. Whether results.json's facts, privacy claim, audit and settings can be
carried into a new record is `mia_defense.attack_source_facts`'s to judge; this module refuses
the source on its answer. The other public helpers answer the same question for the command
line (`missing_source`, `unreadable_source`, `fixed_settings_problem`) or give what the attack
carries from the source (`checked_extra`, `copy_groups`, `own_settings`).

It imports no more than the error types at start-up (``mia-attack --help`` stays fast); the
readers and checks are imported when a source is read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mia_defense.attack_source_facts import (
    _UNKNOWN,
    _canaries_unflagged,
    _edited_problem,
    _not_the_runs,
    _results_problem,
    _setting,
)
from mia_defense.constraints import shown_path, typed_path
from mia_defense.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    from omegaconf import DictConfig

    from mia_defense.observations import Observations
    from mia_defense.tracking.artifacts import HeldCheckpoint

__all__ = [
    "Source",
    "checked_extra",
    "copy_groups",
    "file_identity",
    "fixed_settings_problem",
    "missing_source",
    "own_settings",
    "read_source",
    "unreadable_source",
]


@dataclass(frozen=True)
class Source:
    """What mia-attack attacks, read from PATH.

    Attributes:
        path: the file or run directory given.
        observations: the file's observations.
        extras: its other arrays (mia-train's ``is_canary``, ``population_idx``, ``test_idx``,
            ``copy_groups``).
        results: results.json of a mia-train run directory (``None`` for a file).
    """

    path: Path
    observations: Observations
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    results: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        return "observations" if self.results is None else "run_directory"

    @property
    def file(self) -> Path:
        return self.path / "observations.npz" if self.path.is_dir() else self.path


def missing_source(path: Path | str) -> str | None:
    """Why PATH names nothing to attack: no such file, or an empty PATH (which ``Path``
    would read as the working directory), or ``None``."""
    if str(path) == "" or (not str(path).strip() and not Path(path).exists()):
        return (f"source={str(path)!r}: an empty PATH; give an observations .npz "
                "(docs/observations.md) or a finished mia-train run directory")  # fmt: skip
    if Path(path).exists():
        return None
    broken = _broken_link(Path(path))
    if broken:
        return (f"{broken}; give an observations .npz (docs/observations.md) or a finished "
                "mia-train run directory")  # fmt: skip
    return (f"{shown_path(path)}: no such file or directory; give an observations .npz "
            "(docs/observations.md) or a finished mia-train run directory")  # fmt: skip


def _broken_link(path: Path) -> str | None:
    """``PATH: a broken link (to TARGET)`` where ``path`` is a symbolic link to nothing (its
    target missing, or links in a loop: a git-annex or DVC checkout never fetched, a file
    moved away), which ``Path.exists`` reads as no file at all; else ``None``."""
    if os.path.exists(path) or not os.path.islink(path):
        return None
    return f"{shown_path(path)}: a broken link (to {os.readlink(path)!r})"


def _run_file_link_broken(path: Path, name: str) -> str | None:
    """The refusal of the run folder ``path`` whose file ``name`` (observations.npz,
    results.json) is a link to nothing, or ``None``: it was refused as a folder without the
    file, beside an ``ls`` that lists it."""
    broken = _broken_link(path / name)
    if broken is None:
        return None
    return (f"{broken}, so the run's {name} cannot be read; fetch or put back the file it "
            "points to (git annex get, dvc pull), or replace the link with the file")


def _no_observations(path: Path) -> str:
    broken = _run_file_link_broken(path, "observations.npz")
    if broken:
        return broken
    results = path / "results.json"
    if results.is_file():  # a run killed, stopped or in progress before it wrote them
        from mia_defense.tracking import read_json

        try:
            payload = read_json(results)
        except DataError:
            payload = {}
        status = payload.get("status")  # (stopped before it wrote them: said as such)
        if isinstance(status, str) and status != "complete":
            return _not_complete(path, status, payload)
    return (f"{shown_path(path)}: no observations.npz in it; give a finished mia-train run "
            "directory (for a sweep, one of its run folders) or an observations .npz")  # fmt: skip


def _not_complete(path: Path, status: Any, results: dict[str, Any] | None = None) -> str:
    """The refusal of the run folder ``path`` whose results.json (``results``) reads
    ``status``, not complete: one reading ``running`` is said to be killed (`killed_writer`)
    or in progress; a diverged one, to diverge again if run the same."""
    from mia_defense.tracking.run_dir import (
        failed_on_a_setting,
        failure_said,
        killed_words,
        killed_writer,
    )

    shown = shown_path(path / "results.json")
    if status == "diverged":
        diverged = (results or {}).get("diverged")
        reason = diverged.get("reason") if isinstance(diverged, dict) else None
        said = f" ({reason})" if isinstance(reason, str) and reason else ""
        return (f"{shown}: status 'diverged': its training diverged{said}, so "
                "it has no verdict to re-attack, and the same mia-train command diverges "
                "again; change what made it diverge and train it in a new directory, then "
                "attack that")  # fmt: skip
    if status == "failed" and failed_on_a_setting(path, results or {}):
        said = failure_said(results or {})  # (the same command fails again on it)
        return (f"{shown}: status 'failed': the run stopped on a setting"
                f"{f' ({said})' if said else ''} with no model saved, so the same mia-train "
                "command fails again; fix the setting it names and train it in a new "
                "directory (or delete this one first), then attack that")  # fmt: skip
    tool = _made_by(path, results)
    killed = killed_writer(path) if status == "running" else None
    if killed:
        reused = ": its saved models are reused" if tool == "mia-train" else ""
        return (f"{shown}: status 'running', but {killed_words(killed)}; "
                f"resume it first (run the same {tool} command again with "
                f"hydra.run.dir={typed_path(path, instead='<that folder>')}{reused}), then "
                "attack it")  # fmt: skip
    if status == "running":
        return (f"{shown}: status 'running': the run is still in progress (or "
                "stopped where its lock cannot tell: on another host); attack it once it ends, "
                f"or resume it (the same {tool} command again)")  # fmt: skip
    return (f"{shown}: status {status!r}, not complete; finish the run first "
            f"(run the same {tool} command again)")


def _made_by(folder: Path, results: dict[str, Any] | None = None) -> str:
    """The tool whose command finishes the run folder ``folder``: mia-attack for one it made
    (a results.json naming its ``source``, or its attack.log without mia-train's train.log),
    whose refusals told the user to run 'the same mia-train command again'; else mia-train."""
    if isinstance((results or {}).get("source"), dict):
        return "mia-attack"
    made = os.path.lexists(folder / "attack.log") and not os.path.lexists(folder / "train.log")
    return "mia-attack" if made else "mia-train"


def unreadable_source(path: Path) -> str | None:
    """Why PATH, which exists, holds nothing to read (a folder without observations.npz, a
    FIFO or a device, never opened: it would block), or ``None``; asked before Hydra makes
    the run directory, so that such a PATH leaves no empty run folder behind."""
    from mia_defense.files import require_regular_file

    if path.is_dir():
        if not (path / "observations.npz").exists():
            return _no_observations(path)
        path = path / "observations.npz"
    try:
        require_regular_file(path)
    except DataError as exc:
        return str(exc)
    return None


# What a mia-train or mia-attack run folder holds beside its observations.npz.
_RUN_FILES = ("train.log", "attack.log", "checkpoints", ".hydra")


def _run_left(folder: Path) -> bool:
    """Whether ``folder`` is a run's folder (its log, checkpoints or Hydra record), not a
    user's folder holding an observations.npz alone."""
    return any(os.path.lexists(folder / name) for name in _RUN_FILES)


def _unfinished(folder: Path) -> str:
    """The refusal of a run folder without its results.json: deleted to resume (the README's
    route) or the run stopped before writing it. Attacked as a bare file, its DP claim,
    defense and training settings were dropped without a word."""
    return (f"{shown_path(folder)}: a run folder without its results.json (deleted to resume "
            "the run, or the run stopped before writing it), so the run's facts (its defense, "
            f"DP claim and settings) are unknown; finish the run first (run the same "
            f"{_made_by(folder)} command again), or attack its observations alone "
            f"({_attack_alone(folder)})")


def _attack_alone(folder: Path) -> str:
    """The command that attacks ``folder``'s observations.npz alone, shell-quoted."""
    return ("mia-attack "
            + typed_path(folder / 'observations.npz', instead='<that folder>/observations.npz'))


def read_source(path: Path) -> Source:
    """The observations (and results.json) of PATH; a `DataError` names what is missing."""
    from mia_defense.observations import load_file

    path = Path(path)
    missing = missing_source(path)
    if missing:
        raise DataError(missing)
    if path.is_dir():
        if not (path / "observations.npz").exists():
            raise DataError(_no_observations(path))
        broken = _run_file_link_broken(path, "results.json")
        if broken:
            raise DataError(broken)
        results = _read_results(path) if (path / "results.json").exists() else None
        if results is None and _run_left(path):
            raise DataError(_unfinished(path))
        if results is not None and results.get("status") != "complete":
            raise DataError(_not_complete(path, results.get("status"), results))
        problem = None if results is None else _results_problem(results)
        if problem:
            raise DataError(_unusable_facts(path, problem))
        before = file_identity(path / "observations.npz")
        recorded = _sha256_matches(path, results)  # (hashed first: as the run wrote it)
        _refuse_unrecorded_models(path, results)
        held = _held_checkpoint(path, results)  # (hashed once, for both checks)
        _refuse_other_models(path, results, held)
        _refuse_edited_config(path, results, held)
        obs, extras = load_file(path / "observations.npz")
        _refuse_changed(path / "observations.npz", before)  # (the file hashed is the one read)
        mismatch = None if results is None else (_not_the_runs(obs, results)
                                                 or _canaries_unflagged(extras, results))
        if mismatch and recorded:
            raise DataError(
                f"{shown_path(path / 'results.json')}: {mismatch}, yet observations.npz is the "
                "file the run wrote (its sha256 is the one recorded): results.json was edited "
                "after the run; "
                "put the run's own results.json back, or attack the observations alone "
                f"({_attack_alone(path)})"
            )
        if mismatch or recorded is False:
            found = mismatch or (
                "its sha256 differs from the one results.json records (sha256[\"observations."
                "npz\"]): replaced or edited after the run (another run's, an edited copy, one "
                "of another mia-defense version)")  # fmt: skip
            raise DataError(
                f"{shown_path(path / 'observations.npz')}: {found}: they are not this run's "
                f"(replaced, or copied from another run), and its facts would be recorded "
                "beside another "
                f"run's figures; attack the file alone ({_attack_alone(path)}) "
                "or put the run's own observations back"
            )
        # (after the observations' checks, which say more of the same edits)
        edited = None if results is None else _edited_problem(results, extras)
        if edited:
            raise DataError(_unusable_facts(path, edited))
        return _checked_extras(Source(path, obs, extras, results))
    before = file_identity(path)
    try:
        obs, extras = load_file(path)
    except DataError as exc:  # (a run's results.json, scores.npz, log: its folder is meant)
        folder = _folder_meant(path)
        raise (DataError(f"{exc}; {folder}") if folder else exc) from None
    _refuse_changed(path, before)
    return _checked_extras(Source(path, obs, extras))


# `read_json`'s advice for a run's own output folder, which is no fix of a source's record:
# runs write results.json whole (one rename), and removing it loses the run's facts.
_OUTPUT_ADVICE = ("; the run was probably interrupted", ": remove it or choose another directory",
                  "; remove it or choose another directory")


def _read_results(run: Path) -> dict[str, Any]:
    """The run folder's results.json; a `DataError` naming what is wrong with it says what
    mia-attack reads from it and what to do (put the run's own back, or attack the
    observations alone), not `read_json`'s advice for an output folder. One the system
    would not read (its ``errno`` set: no damage of the file's own) is raised as it is. One
    holding a key twice is refused (`unique_keys`), as mia-report skips it: attacked, the
    last of the two was carried into mia-attack's record, another tool reading the first."""
    from mia_defense.tracking import read_json
    from mia_defense.tracking.artifacts import DuplicateKeyError, unique_keys

    try:
        return read_json(run / "results.json", object_pairs_hook=unique_keys)
    except DuplicateKeyError as exc:
        raise DataError(
            f"{shown_path(run / 'results.json')}: {exc}, which no run writes (edited by hand "
            "or by a tool); mia-attack reads the run's facts from it: put the run's own "
            f"results.json back (from a copy of the run), or attack the observations alone "
            f"({_attack_alone(run)})"
        ) from None
    except DataError as exc:
        if getattr(exc, "errno", None) is not None:
            raise
        said = str(exc)
        for advice in _OUTPUT_ADVICE:
            said = said.removesuffix(advice)
        raise DataError(
            f"{said}; mia-attack reads the run's facts from it (its counts, defense, DP claim "
            "and settings), and runs write it whole: put the run's own results.json back "
            f"(from a copy of the run), or attack the observations alone ({_attack_alone(run)})"
        ) from None


def _folder_meant(path: Path) -> str | None:
    """What to give instead of ``path``, a file mia-attack cannot read that lies in a run
    folder (its results.json, scores.npz, train.log, a checkpoint) or a sweep's folder (its
    multirun.yaml), or ``None`` for a file of no such folder."""
    run = path.parent.parent if path.parent.name == "checkpoints" else path.parent
    if (run / "observations.npz").is_file():
        return (f"it is a file of the run folder {shown_path(run)}: give the folder "
                f"(mia-attack {typed_path(run, instead='<that folder>')})")  # fmt: skip
    if (path.parent / "multirun.yaml").is_file():
        return (f"it is a file of the sweep folder {shown_path(path.parent)}: give one of its "
                f"run folders (mia-attack {typed_path(path.parent, instead='<that folder>')}/RUN)")
    return None


def file_identity(file: Path) -> tuple[int, ...] | None:
    """What tells a file's content apart without reading it: its inode, size and change
    times (``None`` where it cannot be read: the reader names that)."""
    try:
        info = os.stat(file)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _refuse_changed(file: Path, before: tuple[int, ...] | None) -> None:
    """A `DataError` when ``file`` was replaced or written to while mia-attack read it (a
    run writing it again, a copy still under way): the sha256 checked was that of the file
    before, the arrays attacked another's."""
    if before is not None and file_identity(file) != before:
        raise DataError(
            f"{shown_path(file)}: changed while mia-attack read it (replaced or written to: a "
            "run or a copy still writing it); nothing was attacked. Attack it again once nothing "
            "writes to it"
        )


def _unusable_facts(run: Path, problem: str) -> str:
    """The refusal of a run folder whose results.json has ``problem``."""
    return (f"{shown_path(run / 'results.json')}: {problem}; mia-attack reads the run's "
            f"facts from it: attack the observations alone instead ({_attack_alone(run)})")


def _refuse_unrecorded_models(run: Path, results: dict[str, Any] | None) -> None:
    """A `DataError` when results.json's digests were deleted after the run
    (`digests_problem`: ``sha256`` missing from a record that holds it always, or naming no
    digest of a checkpoint the folder holds), and with them the checks of the models
    (`_refuse_other_models`) and of the config that trained them (`_refuse_edited_config`)."""
    from mia_defense.tracking.artifacts import digests_problem

    problem = None if results is None else digests_problem(run, results)
    if problem is not None:
        raise DataError(f"{shown_path(run / 'results.json')}: {problem}; put the run's own "
                        f"results.json back, or attack the observations alone "
                        f"({_attack_alone(run)})")  # fmt: skip


def _held_checkpoint(run: Path, results: dict[str, Any] | None) -> HeldCheckpoint | None:
    """The run folder's `HeldCheckpoint` (its first recorded checkpoint and digest), which
    `_refuse_other_models` and `_refuse_edited_config` both read; ``None`` without
    results.json."""
    from mia_defense.tracking.artifacts import held_checkpoint

    return None if results is None else held_checkpoint(run, results)


def _refuse_other_models(
    run: Path, results: dict[str, Any] | None, held: HeldCheckpoint | None = None
) -> None:
    """A `DataError` when the run folder's checkpoints are not the models its results.json
    measured (`checkpoint_mismatch`: another run's results.json and observations.npz copied
    into the folder), whose facts mia-attack would carry as the folder's run's. ``held``:
    `_held_checkpoint`, already found."""
    from mia_defense.tracking.artifacts import checkpoint_mismatch

    found = None if results is None else checkpoint_mismatch(
        run, results, held=held,
        advice="; put the run's own results.json and observations.npz back")
    if found is not None:
        raise DataError(f"{shown_path(run / 'results.json')}: {found}, or attack the "
                        f"observations alone ({_attack_alone(run)})")  # fmt: skip


def _refuse_edited_config(
    run: Path, results: dict[str, Any] | None, held: HeldCheckpoint | None = None
) -> None:
    """A `DataError` when results.json's config is not the one that trained the run's models
    (`config_mismatch`: the fingerprint its config, ``data_fingerprint`` and
    ``versions.training_code`` give differs from the one mia-train stamped on
    the first checkpoint the folder holds, `stamped_checkpoint`, a file `_refuse_other_models`
    found to be the one results.json records). A results.json edited after the run (``train.lr``,
    ``model.hidden``, a defense added with its name) was carried into mia-attack's record, and
    its figures were reported as those of a config that never trained these models. Not
    checked without a checkpoint or its recorded sha256, or where it cannot be read
    without torch. ``held``: `_held_checkpoint`, already found."""
    from mia_defense.tracking.artifacts import config_mismatch, held_checkpoint

    if results is None:
        return
    held = held_checkpoint(run, results) if held is None else held
    mismatch = config_mismatch(run, results, held=held)
    if mismatch is None:
        return
    found, expected = mismatch
    raise DataError(
        f"{shown_path(run / 'results.json')}: its config (with data_fingerprint and "
        f"versions.training_code) is not the one that trained the run's models: "
        f"{held.stamped}, the file the run "
        f"wrote, was trained under fingerprint {found}, and results.json's config gives "
        f"{expected}: results.json was edited after the run (config.train, config.model, "
        "config.defense, seed...), and mia-attack would record these figures as that config's; "
        "put the run's own results.json back, or attack the observations alone "
        f"({_attack_alone(run)})"
    )


def _sha256_matches(run: Path, results: dict[str, Any] | None) -> bool | None:
    """Whether the run's observations.npz has the sha256 its results.json records (written
    by every run since they record it); ``None`` when it records none (an older run, or no
    results.json). A malformed record is a `DataError` naming the key."""
    from mia_defense.files import require_regular_file, require_zip
    from mia_defense.tracking.artifacts import matches_recorded_sha256

    if results is None:
        return None
    # (before hashing it: a file of 20 GB that is no .npz was read whole to be refused;
    # chmod 000 was a PermissionError, exit 1, as the file was hashed)
    require_regular_file(run / "observations.npz")
    require_zip(run / "observations.npz")
    try:
        return matches_recorded_sha256(run, results, "observations.npz")
    except ValueError as exc:
        raise DataError(f"{shown_path(run / 'results.json')}: {exc}; mia-attack checks the run's "
                        "observations.npz against it: put the run's own results.json back, or "
                        f"attack the observations alone ({_attack_alone(run)})"
                        ) from None


def _checked_extras(source: Source) -> Source:
    """``source`` once its ``is_canary`` and ``population_idx`` pass `checked_extra` (asked
    here, before Hydra makes the run directory, as well as by `mia_defense.cli.attack.run`,
    which reads their values)."""
    import numpy as np

    _refuse_path_names(source)
    n = len(source.observations.labels)
    checked_extra(source, "is_canary", np.zeros(n, dtype=bool))
    checked_extra(source, "population_idx", np.arange(n))
    copy_groups(source)
    return source


def _refuse_path_names(source: Source) -> None:
    """A `DataError` naming the first extra array of the file whose name is a path
    (``../evil``, ``/tmp/x``, ``a/b``) or no name (``..``, empty, NUL): mia-attack copies the
    file's extras into its own observations.npz, whose archive then held an entry an unzip
    writes outside its folder."""
    for name in source.extras:
        if name in ("", ".", "..") or any(c in name for c in "/\\\0"):
            raise DataError(
                f"{shown_path(source.file)}: an array named {name!r}, a path rather than a "
                "name: mia-attack copies the file's arrays into its own observations.npz, "
                "where it would name a file outside the archive's folder; save the array "
                "under a plain name (np.savez(path, name=array)), or leave it out"
            )


def copy_groups(source: Source) -> np.ndarray | None:
    """The file's ``copy_groups`` (mia-train's, where the population holds exact copies),
    checked; ``None`` for a file without them (no copies, or written before runs saved
    them)."""
    import numpy as np

    from mia_defense.observations import COPY_GROUPS, copy_group_problem

    if COPY_GROUPS not in source.extras:
        return None
    groups = np.asarray(source.extras[COPY_GROUPS])
    problem = copy_group_problem(groups, source.observations.masks)
    if problem:
        raise DataError(f"{shown_path(source.file)}: {COPY_GROUPS}: {problem}")
    return groups


def checked_extra(source: Source, name: str, default: np.ndarray) -> np.ndarray:
    """An extra array of [N] records (``is_canary``, ``population_idx``), checked
    (`mia_defense.observations.checked_extra`, which api.load_observations asks too)."""
    from mia_defense.observations import checked_extra as checked

    return checked(source.file, source.extras, name, default)


def own_settings(source: Source) -> dict[str, Any]:
    """The `FIXED_SETTINGS` the source's observations were made with: a file's as
    `observed_settings` reads them (its augmented queries, gradient norms and flagged
    canaries, no audit), a run's from its config, its augmented queries and gradient norms
    as its observations hold them; the others are not known."""
    import numpy as np

    from mia_defense.attack_setup import FIXED_SETTINGS, observed_settings

    obs = source.observations
    flags = checked_extra(source, "is_canary", np.zeros(len(obs.labels), dtype=bool))
    observed = observed_settings(obs, flags)
    if source.results is None:
        return observed
    own = {key: _setting(source.results, key) for key in FIXED_SETTINGS}
    for key in ("queries.num_augmented", "white_box"):
        own[key] = observed[key]
    return {key: value for key, value in own.items() if value is not _UNKNOWN}


def fixed_settings_problem(cfg: DictConfig, source: Source, overrides: list[str]) -> str | None:
    """Why the overrides of `FIXED_SETTINGS` cannot take effect on the source (`api`'s rule,
    as `audit` applies it), or ``None``."""
    from mia_defense.attack_setup import fixed_problem

    return fixed_problem(cfg, own_settings(source), overrides,
                         whose=f"the observations of {shown_path(source.path)}",
                         reader="mia-attack")

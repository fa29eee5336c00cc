"""Atomic writers and safe readers for the files a run leaves behind."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from mia_defense.constraints import shown_path
from mia_defense.errors import DataError
from mia_defense.files import (
    MAX_JSON_DEPTH,
    atomic_write,
    cut_short_at,
    json_depth,
    lfs_placeholder,
    lfs_pointer_at,
    load_npz,
    regular_file_open,
    require_regular_file,
    save_npz,
)
from mia_defense.run_fingerprint import TARGETS_STAGE, finished_fingerprints

__all__ = [
    "MAX_JSON_DEPTH",
    "SCHEMA_VERSION",
    "DuplicateKeyError",
    "HeldCheckpoint",
    "checkpoint_fingerprint",
    "checkpoint_mismatch",
    "config_mismatch",
    "digests_problem",
    "file_sha256",
    "flat_hparams",
    "held_checkpoint",
    "json_depth",
    "jsonable",
    "load_npz",
    "matches_recorded_sha256",
    "models_problem",
    "read_json",
    "recorded_checkpoints",
    "recorded_sha256",
    "regular_file_sha256",
    "resume_why",
    "run_sha256",
    "saved_model_counts",
    "schema_problem",
    "stamped_checkpoint",
    "training_problem",
    "unique_keys",
    "write_json",
    "write_npz",
]

SCHEMA_VERSION = 1


def resume_why(changed: list[str]) -> str:
    """How the resume settings that ``changed`` (train.chunk_size, train.device,
    train.threads) change the models trained, as a resume's refusals say it (chunk and
    device as they always did)."""
    return ", ".join([*(["a chunk's dropout draws and rounding, a device's random streams"]
                        if set(changed) - {"train.threads"} else []),
                      *(["the float sums torch splits among its threads"]
                        if "train.threads" in changed else [])])  # fmt: skip


def schema_problem(payload: Mapping[str, Any]) -> str | None:
    """Why a results.json's ``schema_version`` is not exactly the integer `SCHEMA_VERSION`
    this code writes (missing, another version, ``true``, ``1.0``, ``"1"``), or ``None``.
    Every reader that acts on a run's results.json (mia-attack, a resumed mia-train, a
    trained model's loader) asks this one rule: another layout read as this one gives
    wrong facts, or skips a run as finished that this code never made."""
    if "schema_version" not in payload:
        return (f"schema_version is missing (written by an older or foreign tool), this "
                f"mia-defense reads {SCHEMA_VERSION}")  # fmt: skip
    version = payload["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version != SCHEMA_VERSION:
        # (null said once: 'null None' read as two values)
        shown = "null" if version is None else f"{type(version).__name__} {version!r:.60}"
        return (f"schema_version is {shown}, not the integer "
                f"{SCHEMA_VERSION} this mia-defense reads (the layout of results.json)")
    return None


def jsonable(value: Any) -> Any:
    """numpy scalars/arrays to Python, NaN/inf to None (strict JSON)."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as JSON atomically (temp file + rename)."""
    text = json_text(payload)
    atomic_write(path, lambda handle: handle.write(text.encode()))


def json_text(payload: dict[str, Any]) -> str:
    """``payload`` as `write_json` writes it; ``json.loads`` of it is the payload as a reader
    of the file gets it (NaN as null, numpy as Python)."""
    return json.dumps(jsonable(payload), indent=2, allow_nan=False, default=_as_json) + "\n"


def _as_json(value: Any) -> Any:
    """What JSON has no type for, as results.json writes it: a tensor (or any object with
    ``tolist``) as its numbers, anything else (a set, a complex number) as its text. A user's
    defense reporting ``hparams() -> {"beta": torch.tensor(0.2)}`` ended the run at its last
    write (TypeError: Object of type Tensor is not JSON serializable), results.json left at
    'running'."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        try:
            return jsonable(tolist())
        except Exception:  # (a tensor on the meta device, say): its text below
            pass
    return str(value)


# A results.json larger than this was not written by a run (they hold a few hundred kB).
MAX_JSON_BYTES = 64 * 2**20
def read_json(
    path: Path, *, max_depth: int | None = MAX_JSON_DEPTH,
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
) -> dict[str, Any]:
    """Read a JSON object, raising `DataError` naming the file when it is missing, corrupt,
    not a regular file (a FIFO would block, a directory cannot be read), implausibly large
    or nested deeper than ``max_depth`` (``None``: the caller checks `json_depth` itself).
    ``object_pairs_hook`` is `json.loads`'s, on the same bytes (its own exceptions pass
    through, unless they are `ValueError`s: read as not JSON); without one, an object
    holding a key twice is a `DataError` naming it (`unique_keys`): every reader of a
    results.json refuses what mia-report and mia-attack refuse, where a parser keeps the
    last value silently."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise DataError(f"{shown_path(path)}: file not found") from exc
    except OSError as exc:
        raise _unread(path, exc) from None
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"{shown_path(path)}: not a regular file; remove it or choose another "
                        "directory")
    if info.st_size > MAX_JSON_BYTES:
        raise DataError(f"{shown_path(path)}: {info.st_size} bytes, more than any run writes")
    if info.st_size == 0:  # never opened: /proc's files read 0 bytes too (/proc/kmsg blocks)
        raise DataError(f"{shown_path(path)}: empty (0 bytes), not valid JSON; the run was "
                        "probably interrupted")  # fmt: skip
    try:
        raw = path.read_bytes()
        payload = json.loads(raw, object_pairs_hook=object_pairs_hook or unique_keys)
    except OSError as exc:
        raise _unread(path, exc) from None
    except DuplicateKeyError as exc:
        if object_pairs_hook is not None:  # (the caller's hook: its caller words it)
            raise
        raise DataError(f"{shown_path(path)}: {exc}, which no run writes (edited by hand or "
                        "by a tool): put back the run's own copy, or rerun the run") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, a huge number
        pointer = lfs_placeholder(raw)  # ('the run was probably interrupted' said)
        if pointer is not None:
            raise DataError(
                f"{shown_path(path)}: is {pointer}, not the JSON file it stands for: the file "
                "itself was never downloaded; run 'git lfs pull' in its repository"
            ) from None
        # a torn write leaves JSON cut short or a character cut in two; nesting deeper than
        # the parser goes, or a number of thousands of digits, is whole: no run wrote it
        torn = isinstance(exc, json.JSONDecodeError | UnicodeDecodeError)
        said = str(exc).split("; use sys.set_int_max_str_digits")[0]  # (Python's own advice)
        raise DataError(
            f"{shown_path(path)}: not valid JSON ({said[:200]}); "
            + ("the run was probably interrupted"
            if torn else "not a file mia-defense writes: remove it or choose another directory")
        ) from None  # fmt: skip
    if not isinstance(payload, dict):
        raise DataError(f"{shown_path(path)}: expected a JSON object, got {type(payload).__name__}")
    depth = 0 if max_depth is None else json_depth(payload)
    if max_depth is not None and depth > max_depth:
        raise DataError(
            f"{shown_path(path)}: nested {depth} levels deep, more than any run writes "
            f"({max_depth}); not a results.json of mia-defense: remove it or choose another "
            "directory"
        )
    return payload


class DuplicateKeyError(Exception):  # (no ValueError: read_json would call it not JSON)
    """A JSON object holding a key twice (`unique_keys`)."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`read_json`'s ``object_pairs_hook`` refusing an object with a key twice
    (`DuplicateKeyError`, naming it): a parser keeps the last, so a hand-edited or forged
    results.json shows a reader (or a tool keeping the first) one figure and mia-defense
    another. No run writes one."""
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        twice = repr(next(key for i, key in enumerate(keys) if key in keys[:i]))
        shown = twice if len(twice) <= 60 else twice[:59] + "…"  # (repr: one printable line)
        raise DuplicateKeyError(f"duplicate key {shown} in one object")
    return dict(pairs)


def _unread(path: Path, exc: OSError) -> DataError:
    """`read_json`'s error for a file the system would not read (permission denied, a disk
    error), its ``errno`` set: no damage of the file's own, which a caller may set aside."""
    error = DataError(f"{shown_path(path)}: cannot read it ({exc.strerror})")
    error.reason, error.errno = exc.strerror, exc.errno
    return error


# zlib's level for `write_npz`: the attacks' float64 scores (most of scores.npz) keep 3%
# fewer bytes at zlib's default level 6, for twice the time (34 ms more of the default run).
NPZ_LEVEL = 1


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    """Save arrays to a compressed ``.npz`` atomically (zlib level `NPZ_LEVEL`)."""
    atomic_write(path, lambda handle: save_npz(handle, arrays, level=NPZ_LEVEL))


# Config keys that are no hyperparameter of a run, left out of results.json's ``hparams``:
# what builds the models (``_target_``), the attack settings, the keys that change no
# result (a progress bar, TensorBoard's figures, where models are kept) and mia-attack's
# ``source`` (the file attacked).
_NOT_HPARAMS = frozenset({"_target_", "_partial_", "attack"})
_NOT_HPARAMS_TOP = frozenset({"progress", "figures", "cache_dir", "source"})


def flat_hparams(config: Mapping[str, Any]) -> dict[str, Any]:
    """A run's flat config as results.json's ``hparams`` holds it (mia-train writes it,
    mia-report reads it back from ``config``, which the run's checks hold to its models):
    scalar values as ``group.key`` pairs, lists as text, nulls, ``_target_``, ``attack`` and
    the keys that change no result left out."""
    flat: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key not in _NOT_HPARAMS and not (not prefix and key in _NOT_HPARAMS_TOP):
                    walk(value, f"{prefix}{key}.")
        elif node is not None:
            scalar = isinstance(node, bool | int | float | str)
            flat[prefix.rstrip(".")] = node if scalar else str(node)

    walk(config, "")
    return flat


# The files of a run its readers take back, whose sha256 results.json records (``sha256``,
# keyed by the path relative to the run directory): observations.npz (mia-attack) and the
# checkpoints of these folders (`mia_defense.tracking.trained_model.load_trained_model`). A
# file replaced after the run was written (another run's, an edited copy, one of another
# code version) no longer matches: its verdict was recorded as this run's.
DIGESTED_FILES = ("observations.npz",)
# A run directory's checkpoint folders: the target models, and the undefended shadow
# models of a naive attacker (attack.shadow_recipe=undefended).
CHECKPOINTS = "checkpoints"
UNDEFENDED_CHECKPOINTS = "checkpoints_undefended"
DIGESTED_FOLDERS = (CHECKPOINTS, UNDEFENDED_CHECKPOINTS)
# The seed stream (``stage``) each checkpoint folder's models are trained from: the model
# store, and an interrupted run's results.json (``model_store``), key them by it.
CHECKPOINT_STAGES = {CHECKPOINTS: TARGETS_STAGE, UNDEFENDED_CHECKPOINTS: "undefended"}
# What the log and the refusals call the models of each of those seed streams.
STAGE_MODELS = {TARGETS_STAGE: "target models", "undefended": "undefended shadow models"}
_SHA256 = re.compile(r"[0-9a-f]{64}")


def saved_model_counts(run_dir: Path) -> list[int]:
    """How many saved models (``model_*.pt``) each checkpoint folder of ``run_dir`` holds,
    in `DIGESTED_FOLDERS` order (0 for a folder that does not exist)."""
    return [len(list((Path(run_dir) / folder).glob("model_*.pt"))) for folder in DIGESTED_FOLDERS]


def file_sha256(path: Path) -> str:
    """The sha256 hex digest of the file at ``path``, read in blocks."""
    if os.stat(path).st_size == 0:  # never opened: /proc's files read 0 bytes too (kmsg blocks)
        return hashlib.sha256().hexdigest()
    with open(path, "rb") as handle:
        return _read_sha256(handle)


def regular_file_sha256(path: Path, *, max_size: int) -> str | None:
    """The sha256 hex digest of the regular file at ``path`` of at most ``max_size`` bytes,
    or ``None`` (none there, unreadable, larger, or no regular file: a FIFO is opened
    without blocking and never read)."""
    with regular_file_open(path) as handle:
        if handle is None:
            return None
        info = os.fstat(handle.fileno())
        if info.st_size > max_size:
            return None
        if info.st_size == 0:  # never read: /proc's files read 0 bytes too (kmsg blocks)
            return hashlib.sha256().hexdigest()
        try:
            return _read_sha256(handle)
        except OSError:
            return None


def _read_sha256(handle: BinaryIO) -> str:
    """The sha256 hex digest of what is left to read of ``handle``, read in blocks."""
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def run_sha256(run_dir: Path) -> dict[str, str]:
    """results.json's ``sha256``: each `DIGESTED_FILES` and checkpoint of `DIGESTED_FOLDERS`
    the run holds (regular files only), by its path relative to ``run_dir``."""
    run_dir = Path(run_dir)
    names = [name for name in DIGESTED_FILES if (run_dir / name).is_file()]
    for folder in DIGESTED_FOLDERS:
        found = (run_dir / folder).glob("model_*.pt") if (run_dir / folder).is_dir() else ()
        names += sorted(f"{folder}/{p.name}" for p in found if p.is_file())
    return {name: file_sha256(run_dir / name) for name in names}


def recorded_sha256(results: Mapping[str, Any], name: str) -> str | None:
    """The sha256 results.json records of the run's file ``name`` (`run_sha256`), or
    ``None`` for a run written before runs recorded them (no ``sha256`` at all). A record
    that is no object of hex digests, or lacks ``name``, is a `ValueError` naming the key:
    the run wrote one for every file its readers take back."""
    if "sha256" not in results:
        return None
    record = results["sha256"]
    if not isinstance(record, Mapping):
        kind = "null" if record is None else type(record).__name__
        raise ValueError(f"sha256 is {kind} {record!r:.60}, not an object of the run's files")
    if name not in record:
        raise ValueError(f"sha256 holds no digest of {name}, which every run records")
    value = record[name]
    if isinstance(value, str) and _SHA256.fullmatch(value.lower()) and value != value.lower():
        raise ValueError(f"sha256[{name!r}] is {value!r:.80}, in upper case: not the "
                         "lower-case sha256 hex digest every run writes")
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise ValueError(f"sha256[{name!r}] is {value!r:.80}, not a sha256 hex digest")
    return value


def recorded_checkpoints(results: Mapping[str, Any]) -> list[str]:
    """The checkpoints results.json's ``sha256`` records (``checkpoints/model_0000.pt``: a
    ``.pt`` file in a `DIGESTED_FOLDERS` folder, no ``..``), sorted; none where it records
    no object (a run written before runs recorded them)."""
    record = results.get("sha256")
    if not isinstance(record, Mapping):
        return []
    return sorted(n for n in record if isinstance(n, str) and n.partition("/")[0]
                  in DIGESTED_FOLDERS and n.endswith(".pt") and ".." not in n)  # fmt: skip


def matches_recorded_sha256(run_dir: Path, results: Mapping[str, Any], name: str) -> bool | None:
    """Whether the run's file ``name`` (relative to ``run_dir``) has the sha256 results.json
    records for it (`recorded_sha256`: a `ValueError` for a malformed record); ``None`` for
    a run written before runs recorded them. A FIFO is refused rather than hashed."""
    said = recorded_sha256(results, name)
    if said is None:
        return None
    require_regular_file(run_dir / name)
    return file_sha256(run_dir / name) == said


# The most bytes `checkpoint_mismatch` hashes: a model far larger than any a sweep reports
# many of is left unchecked rather than read for every report.
MAX_CHECKED_CHECKPOINT = 512 * 2**20


@dataclass(frozen=True)
class HeldCheckpoint:
    """The checkpoint of a run folder its checks read, found once per check of a run
    (`held_checkpoint`): ``name``, the first checkpoint results.json's ``sha256`` records
    (``checkpoints/model_0000.pt``) that the folder holds as a regular file of at most
    `MAX_CHECKED_CHECKPOINT` bytes (links followed), and ``sha256``, its digest;
    both ``None`` where the folder holds none. `checkpoint_mismatch` compares the digest,
    `config_mismatch` reads the fingerprint of the same file, and the refusals name it: each
    hashed it again, three reads of a large model per run of a sweep's report."""

    name: str | None = None
    sha256: str | None = None

    @property
    def stamped(self) -> str | None:
        """`stamped_checkpoint`: ``name`` where it is one of the target models'
        (`CHECKPOINTS`), else ``None`` (none held: `recorded_checkpoints` sorts those first)."""
        if self.name is None or not self.name.startswith(f"{CHECKPOINTS}/"):
            return None
        return self.name


def held_checkpoint(run_dir: Path, results: Mapping[str, Any]) -> HeldCheckpoint:
    """The `HeldCheckpoint` of ``run_dir``: each checkpoint `recorded_checkpoints` names, in
    order, hashed until one is a regular file of at most `MAX_CHECKED_CHECKPOINT` bytes."""
    for name in recorded_checkpoints(results):
        found = regular_file_sha256(Path(run_dir) / name, max_size=MAX_CHECKED_CHECKPOINT)
        if found is not None:
            return HeldCheckpoint(name, found)
    return HeldCheckpoint()


def checkpoint_mismatch(
    run_dir: Path, results: Mapping[str, Any], *, advice: str = "",
    held: HeldCheckpoint | None = None,
) -> str | None:
    """How the run folder's models differ from those its results.json measured, or ``None``:
    the first checkpoint ``sha256`` records (``checkpoints/model_0000.pt``) that the folder
    holds as a regular file, hashed, has another digest. Another run's results.json and
    observations.npz copied into a run folder (a DP run's over an undefended one's) were
    taken as the run of the models beside them. One file is enough: `torch.save` stamps
    each checkpoint with a random id, so no other run's has its digest. A folder without
    its checkpoints (deleted to save space), an older run without digests, or a file larger
    than `MAX_CHECKED_CHECKPOINT` is not checked. ``advice`` ends the message of models
    that are not the run's (a file never downloaded or cut short says its own, and so does
    a recorded digest that is none: `recorded_sha256`). ``held``: `held_checkpoint`, already
    found (else it is found here)."""
    held = held_checkpoint(run_dir, results) if held is None else held
    name = held.name
    if name is None:
        return None
    try:  # (5, null or upper case: the record edited, not the models another run's)
        if held.sha256 == recorded_sha256(results, name):
            return None
    except ValueError as exc:
        return (f"{exc}, so the folder's models cannot be checked against it: results.json "
                "was edited after the run; put the run's own results.json back, or rerun the "
                "run")
    path = Path(run_dir) / name
    pointer = lfs_pointer_at(path)  # (not another run's models: never downloaded)
    if pointer is not None:
        return (f"{shown_path(name)} in its folder is {pointer}, not the checkpoint it stands "
                "for: the file itself was never downloaded; run 'git lfs pull' in its "
                "repository")
    cut = cut_short_at(path)  # (not another run's models either)
    if cut is not None:
        return (f"{shown_path(name)} in its folder is {cut}, so its sha256 is not the one "
                f"results.json records (sha256[{name!r}]); copy the run's checkpoints again "
                "from where it wrote them, or rerun the run")
    return (f"{shown_path(name)} in its folder has another sha256 than results.json records "
            f"for it (sha256[{name!r}]): the folder's models are not the ones its figures "
            "measured (results.json and observations.npz copied from another run, or the "
            f"checkpoints replaced){advice}")


# The checkpoint whose fingerprint `config_mismatch` reads: one is enough, every checkpoint
# of a run carries the same one.
FIRST_CHECKPOINT = f"{CHECKPOINTS}/model_0000.pt"
# The most bytes of a checkpoint's pickle (its data.pkl: the names, shapes and fields of
# the state dict, never the weights) `checkpoint_fingerprint` reads.
MAX_CHECKPOINT_PICKLE = 16 * 2**20


def checkpoint_fingerprint(path: Path, *, limit: int = MAX_CHECKED_CHECKPOINT) -> str | None:
    """The ``fingerprint`` field a mia-train checkpoint at ``path`` holds, read without torch
    and without running its pickle (`pickletools.genops` only parses it: mia-attack and
    mia-report import no torch), or ``None`` when the file is no regular file of at most
    ``limit`` bytes, no torch.save archive, or holds no such field."""
    import pickletools
    import zipfile

    try:
        info = Path(path).lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with zipfile.ZipFile(path) as archive:
            entry = next((e for e in archive.infolist()
                          if e.filename.endswith("/data.pkl") or e.filename == "data.pkl"), None)
            if entry is None or entry.file_size > MAX_CHECKPOINT_PICKLE or (
                entry.compress_type != zipfile.ZIP_STORED
            ):
                return None
            raw = archive.read(entry)
        ops = [(op.name, arg) for op, arg, _ in pickletools.genops(raw)]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile):
        return None
    memo = ("BINPUT", "LONG_BINPUT", "MEMOIZE", "PUT")
    for i, (name, arg) in enumerate(ops):
        if arg != "fingerprint" or "UNICODE" not in name:
            continue
        value = next((a for n, a in ops[i + 1 :] if n not in memo), None)
        return value if isinstance(value, str) else None
    return None


def stamped_checkpoint(run_dir: Path, results: Mapping[str, Any]) -> str | None:
    """The checkpoint whose fingerprint `config_mismatch` reads: the first of the target
    models' (``checkpoints/model_0000.pt`` while it is there) that results.json records and
    the folder holds as a regular file (links followed), the file whose digest
    `checkpoint_mismatch` checks (`HeldCheckpoint.stamped`). With model_0000.pt alone
    deleted, or made a link to a copy, an edited ``config.train.lr`` went unchecked;
    ``None``: the folder holds none."""
    return held_checkpoint(run_dir, results).stamped


def config_mismatch(
    run_dir: Path, results: Mapping[str, Any], *, held: HeldCheckpoint | None = None
) -> tuple[str, str] | None:
    """``(found, expected)`` when results.json's config is not the one that trained the run
    folder's models, else ``None``: ``found`` is the fingerprint mia-train stamped on
    `stamped_checkpoint` (`checkpoint_fingerprint`), ``expected`` the one results.json's
    ``config``, ``data_fingerprint`` and ``versions.training_code`` give (`config_fingerprint`,
    as mia-train computes it, or that of runs from before: `finished_fingerprints`;
    ``versions.code`` in runs from before it was recorded). A results.json edited
    after the run (``config.train.lr``, ``config.defense``, ``seed``) had its figures read as
    those of a config that never trained these models. Only that checkpoint's small data.pkl
    is read, and only where results.json records its sha256 (callers check the digest:
    `checkpoint_mismatch`); a folder without one, an older run without digests, a file larger
    than `MAX_CHECKED_CHECKPOINT` or one that cannot be read so is not checked. ``held``:
    `held_checkpoint`, already found (else it is found here)."""
    name = (held_checkpoint(run_dir, results) if held is None else held).stamped
    config = results.get("config")
    if name is None or not isinstance(config, Mapping):
        return None
    found = checkpoint_fingerprint(Path(os.path.realpath(Path(run_dir) / name)))
    if found is None:
        return None
    versions = results.get("versions")
    code = (versions.get("training_code", versions.get("code"))
            if isinstance(versions, Mapping) else None)  # fmt: skip
    data = results.get("data_fingerprint")
    expected = finished_fingerprints(config, data=data if isinstance(data, str) else None,
                                     code=code if isinstance(code, str) else None)  # fmt: skip
    if expected[0] is None or found in expected:
        return None
    return found, expected[0]


def digests_problem(run_dir: Path, results: Mapping[str, Any]) -> str | None:
    """Why results.json's ``sha256`` is not the record its run wrote, or ``None``: missing
    from a complete record whose ``versions.training_code`` says a mia-defense that records
    it in every complete record wrote the file, or naming no digest of a checkpoint (a
    regular ``model_*.pt`` of `DIGESTED_FOLDERS`) the folder holds, where the run recorded
    one for each it wrote.
    Deleted by hand, the digests turned off the checks of the folder's observations.npz,
    checkpoints and config against the figures (an edited ``config.train.lr`` was carried as
    the config that trained the models). One rule for mia-attack and mia-report; a folder
    whose checkpoints were deleted (to save space) and an older record are read."""
    record, versions = results.get("sha256"), results.get("versions")
    if record is None and "sha256" not in results:  # (a diverged or failed run writes none)
        if results.get("status") == "complete" and isinstance(versions, Mapping) and (
                "training_code" in versions):  # fmt: skip
            return ("sha256 is missing, but versions.training_code says a mia-defense that "
                    "records the sha256 of the run's observations.npz and checkpoints in every "
                    "results.json wrote it: deleted after the run, and with it the checks of "
                    "those files and of the config against the figures")  # fmt: skip
        return None
    if not isinstance(record, Mapping):
        return None  # (`recorded_sha256` names a record that is no object)
    recorded = set(recorded_checkpoints(results))
    for folder in DIGESTED_FOLDERS:
        held = sorted((run_dir / folder).glob("model_*.pt")) if (run_dir / folder).is_dir() else []
        name = next((f"{folder}/{p.name}" for p in held
                     if p.is_file() and f"{folder}/{p.name}" not in recorded), None)  # fmt: skip
        if name is not None:
            return (f"sha256 records no digest of {shown_path(name)}, which the run folder "
                    "holds: every run records one for each checkpoint it writes, so the entry "
                    "was deleted after the run (and with it the checks that the folder's models "
                    "and config are the ones its figures measured)")  # fmt: skip
    return None


def training_problem(results: Mapping[str, Any]) -> str | None:
    """Why a record whose config names mia-train's engine (``config.train.engine``) lacks
    ``training.engine``, which every mia-train run has recorded since that setting exists,
    or ``None``: the block deleted after the run, and with it how the models trained and
    which defenses did not act (mia-attack recorded the models as trained outside
    mia-defense, mia-report ranked the run without its caveats). One rule for both."""
    config = results.get("config")
    train = config.get("train") if isinstance(config, Mapping) else None
    if not isinstance(train, Mapping) or "engine" not in train:
        return None
    training = results.get("training")
    if isinstance(training, Mapping) and "engine" in training:
        return None
    return (f"training.engine is missing, but config.train.engine is {train['engine']!r}: "
            "mia-train records how it trained the run's models with every run, so the file "
            "was edited")  # fmt: skip


def models_problem(run_dir: Path, results: Mapping[str, Any]) -> str | None:
    """Why the run folder's checkpoints are not the models its results.json measured
    (`checkpoint_mismatch`), or were not trained under its config (`config_mismatch`, asked
    once the first checkpoint's sha256 is the recorded one), with what to do, or ``None``: a
    results.json whose ``config.train.lr`` or ``config.defense`` was edited after the run had
    its figures shown under a config that never trained these models. mia-report skips such
    a run (and mia-train's finished-run check refuses it), and the sweep's HParams summary
    leaves it out."""
    deleted = digests_problem(Path(run_dir), results)
    if deleted is not None:
        return f"results.json's {deleted}; put the run's own results.json back, or rerun the run"
    held = held_checkpoint(run_dir, results)  # (hashed once, for both checks)
    found = checkpoint_mismatch(
        run_dir, results, held=held,
        advice="; rerun the run, or put its own results.json and observations.npz back")
    if found is not None:
        return found
    mismatch = config_mismatch(run_dir, results, held=held)
    if mismatch is None:
        return None
    stamped, expected = mismatch
    return (f"results.json's config (with data_fingerprint and versions.training_code) is not "
            f"the one that trained the run's models: {held.stamped}, the file the run "
            f"wrote, was trained under fingerprint {stamped}, and the config gives {expected}: "
            "results.json was edited after the run (config.train, config.model, "
            "config.defense, seed...), and its figures would be shown under a config that "
            "never trained these models; put the run's own results.json back, or rerun the run")

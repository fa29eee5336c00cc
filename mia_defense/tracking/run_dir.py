"""The run directory's guard: one writer at a time, and a finished run is never replaced.

A run directory belongs to one config on one set of data. Its ``results.json`` says which
(``config``, ``data_fingerprint``) and how far the run got (``status``: ``running``,
``interrupted``, ``diverged`` or ``complete``). A run of another config is refused before
anything in the directory changes; nothing here moves or deletes a file of a run (only
the temporary files of writers killed while writing: `_remove_stale_temp_files`).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import socket
import stat
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mia_defense.code_digest import code_digest
from mia_defense.constraints import shown_path, typed_path
from mia_defense.errors import ConfigError, DataError, UnsupportedModelError, first_few
from mia_defense.files import (
    RUN_FOLDER_SETTING,
    held_folder,
    no_regular_file,
    process_alive,
    process_started,
    remove_stale_temp_files,
    run_folder_advice,
)
from mia_defense.report.checks import PrintableLog, printable
from mia_defense.tracking.artifacts import (
    DIGESTED_FOLDERS,
    MAX_CHECKED_CHECKPOINT,
    MAX_JSON_DEPTH,
    SCHEMA_VERSION,
    checkpoint_fingerprint,
    file_sha256,
    json_depth,
    jsonable,
    read_json,
    recorded_checkpoints,
    resume_why,
    saved_model_counts,
    schema_problem,
    write_json,
)

__all__ = [
    "NEUTRAL_KEYS",
    "NO_LOCKS",
    "RESULTS",
    "another_config",
    "attack_record",
    "claim_run_dir",
    "config_differences",
    "end_the_keeper",
    "failed_on_a_setting",
    "failure_said",
    "finished_run",
    "gone_holder",
    "gone_writer",
    "gone_writer_words",
    "held_by_another",
    "holder_line",
    "killed_writer",
    "lock_taken",
    "mark_killed_runs",
    "mark_run",
    "refuse_unwritable_name",
    "resume_differences",
    "safe_dirname",
    "warn_incomplete",
]

log = logging.getLogger(__name__)
# (its warnings quote what a run's folder says: results.json's versions, as the report's do)
log.addFilter(PrintableLog())

RESULTS = "results.json"
LOCK = ".lock"
# The run's TensorBoard events folder (`record_run`), written before results.json.
EVENTS_DIR = "tb"
# Config keys that do not change what a run computes: a rerun differing only here is the same run.
NEUTRAL_KEYS = (
    "progress",
    "figures",
    "objectives",
    "cache_dir",
    "train.threads",
    "train.chunk_size",
    "train.eval_every",
    "train.device",
)


def _plain(value: Any) -> Any:
    """``value`` as results.json stores it (non-finite floats as None, tuples as lists)."""
    return json.loads(json.dumps(jsonable(value), default=str))


def _flatten(config: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted keys to JSON leaf values; lists and empty mappings are leaves."""
    if isinstance(config, Mapping) and config:
        flat: dict[str, Any] = {}
        for key, value in config.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix[:-1]: _plain(config)}


def _defense_order(config: Mapping[str, Any]) -> list[str]:
    defense = config.get("defense")
    return [str(name) for name in defense] if isinstance(defense, Mapping) else []


# Lists the code reads as sets: every reader of attack.fprs sorts it, so the same FPRs in
# another order are the same run.
_UNORDERED_KEYS = ("attack.fprs",)


def _effective(key: str, value: Any) -> Any:
    """``value`` of ``key`` as the code uses it (`_UNORDERED_KEYS` sorted)."""
    if key in _UNORDERED_KEYS and isinstance(value, list):
        try:
            return sorted(value)
        except TypeError:  # (mixed types: as written)
            return value
    return value


def config_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """``key: old -> new`` for every key whose value differs, neutral keys left out, and
    ``defense order: [...] -> [...]`` for the same defenses listed in another order:
    defenses of equal ``order`` run their hooks in the order the config lists them
    (`DefenseFactory` sorts stably), so the two may train other models (as the model store
    keys them); a run of one was skipped as a finished run of the other."""
    before, after = _flatten(old), _flatten(new)

    def neutral(key: str) -> bool:
        return any(key == n or key.startswith(f"{n}.") for n in NEUTRAL_KEYS)

    union = set(before) | set(after)
    # An empty group on one side and its keys on the other: report the keys only.
    parents = {k[:i] for k in union for i, char in enumerate(k) if char == "."}
    keys = sorted(k for k in union if not neutral(k) and k not in parents)
    missing = "(unset)"
    differences = [
        f"{key}: {json.dumps(before.get(key, missing))} -> {json.dumps(after.get(key, missing))}"
        for key in keys
        if _effective(key, before.get(key, missing)) != _effective(key, after.get(key, missing))
    ]
    order = (_defense_order(old), _defense_order(new))
    if order[0] != order[1] and sorted(order[0]) == sorted(order[1]):
        differences.append(f"defense order: {json.dumps(order[0])} -> {json.dumps(order[1])}")
    return differences


# Neutral keys that still change the models a resume trains: a chunk's models share one
# dropout generator (seeded from its first model) and their float rounding, so models saved
# under one train.chunk_size, finished under another, were a mix that neither setting gives;
# a CUDA generator draws other batch orders and noise than a CPU one of the same seed; torch
# splits a sum of many values into one (a layer standardising its weight by their RMS) among
# its train.threads threads, so its rounding, and the weights, follow their count.
_RESUME_KEYS = ("train.chunk_size", "train.device", "train.threads")


def _resume_value(key: str, value: Any) -> Any:
    """``value`` of ``key`` as training uses it: ``train.device=auto`` is the device it picks
    on this machine (CUDA when present; torch imported only then)."""
    if key == "train.device" and value == "auto":
        from mia_defense.training.config import resolve_device  # imports torch: only here

        return resolve_device(value).type
    if key == "train.device" and value == "cuda:0":
        return "cuda"
    if key == "train.threads" and value == 0:  # every usable core: their count here
        from mia_defense.budget import usable_cores

        return usable_cores()
    return value


def resume_differences(run_dir: Path, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """The refusal (empty: none) of resuming the unfinished run in ``run_dir``, whose config
    was ``old``, under ``new``: a `_RESUME_KEYS` value changed while models are saved (before
    any is saved, e.g. a run killed for memory, another chunk size is the fix)."""
    before, after = _flatten(old), _flatten(new)
    changed = [k for k in _RESUME_KEYS if before.get(k, "(unset)") != after.get(k, "(unset)")
               and _resume_value(k, before.get(k)) != _resume_value(k, after.get(k))]
    if not changed or not _holds_models(run_dir):
        return ""
    shown = "; ".join(f"{k}: {json.dumps(before.get(k))} -> {json.dumps(after.get(k))}"
                      for k in changed)  # fmt: skip
    again = " ".join(f"{k}={json.dumps(before.get(k))}" for k in changed)
    return (
        f"{shown_path(run_dir)} holds an unfinished run with saved models trained under other "
        f"settings ({shown}), which change the models trained ({resume_why(changed)}), "
        f"so a resume would mix the two; nothing was changed. "
        f"Resume with {again}, or run in a new directory (hydra.run.dir=... or a new "
        "hydra.sweep.dir)"
    )


def _holds_models(run_dir: Path) -> bool:
    """Whether a checkpoint folder (`DIGESTED_FOLDERS`) of ``run_dir`` holds a saved model."""
    return any(saved_model_counts(run_dir))


def failed_on_a_setting(run_dir: Path, payload: Mapping[str, Any]) -> bool:
    """Whether the run in ``run_dir`` (its results.json, ``payload``) failed on a setting (a
    ConfigError or UnsupportedModelError once it began: training that changed no weight)
    with no model saved: nothing there to resume. The same settings fail again, and another
    setting is refused there as another config's run: fix it in a new directory, or delete
    that one. Asked by mia-train's resume lines and mia-report's advice alike."""
    failed = payload.get("failed")
    return (payload.get("status") == "failed" and isinstance(failed, Mapping)
            and failed.get("error") in (ConfigError.__name__, UnsupportedModelError.__name__)
            and not _holds_models(run_dir))  # fmt: skip


def failure_said(payload: Mapping[str, Any]) -> str:
    """``"Type: message"`` from a failed run's ``failed`` entry (mia-train's record of the
    error that stopped it), or ``""``. A long message keeps its start and its end, where
    mia-train's errors say what to do (the setting to fix): mia-report's and mia-attack's
    words of a failed run."""
    failed = payload.get("failed")
    if payload.get("status") != "failed" or not isinstance(failed, Mapping):
        return ""
    error, message = failed.get("error"), failed.get("message")
    if not isinstance(error, str) or not isinstance(message, str):
        return ""
    message = " ".join(message.split())
    if len(message) > 300:
        message = f"{message[:120].rstrip()} ... {message[-175:].lstrip()}"
    return f"{' '.join(error.split())[:80]}: {message}"


# What flock raises where the file system gives no locks (NFS without its lock daemon, some
# FUSE mounts): a traceback before, as the run or the model store took its lock.
NO_LOCKS = frozenset({errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL})

_NOT_OUR_LOCK = ("{}: not a regular file (a link, a FIFO or a device), so no lock of "
                 "mia-train's; nothing was changed. Delete it (mia-train makes its own) or run "
                 "in a new directory (hydra.run.dir=...)")


@contextmanager
def claim_run_dir(run_dir: Path) -> Iterator[Path]:
    """Hold an exclusive OS lock on ``run_dir`` while the body runs (released on exit or death).

    A second process gets a `ConfigError` naming the holder (pid, host, start time).
    """
    run_dir = Path(run_dir)
    refuse_unwritable_name(run_dir)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        # never through a link (the file it names was truncated and written over), nor
        # waiting on a FIFO
        fd = os.open(run_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK,
                     0o644)  # fmt: skip
    except OSError as exc:
        if os.path.islink(run_dir / LOCK):
            raise DataError(_NOT_OUR_LOCK.format(shown_path(run_dir / LOCK))) from None
        if os.path.isdir(run_dir / LOCK):  # the run directory is fine, its lock is not
            raise DataError(
                f"{shown_path(run_dir / LOCK)}: a folder, so no lock of mia-train's; nothing was "
                "changed. Delete it (mia-train makes its own) or run in a new directory "
                "(hydra.run.dir=...)"
            ) from None
        if isinstance(exc, PermissionError) and os.path.isfile(run_dir / LOCK) and os.access(
                run_dir, os.W_OK):  # the folder is fine, its lock is not this user's to write
            raise DataError(
                f"{shown_path(run_dir / LOCK)}: cannot open it ({exc.strerror}); nothing was "
                "changed. Make it writable for this user (chmod u+w "
                f"{typed_path(run_dir / LOCK, instead='<that file>')}, or ask its owner), "
                "then run the same command again"
            ) from None
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and os.path.isfile(
                run_dir / RESULTS):  # a finished run kept read-only (a sweep's point, chmod)
            word = typed_path(run_dir, instead="<that folder>")
            raise DataError(
                f"{shown_path(run_dir)}: cannot use it as the run directory ({exc.strerror}); "
                "it holds a run, and a run's folder is written even to skip it as finished (its "
                "lock, its "
                "log), so nothing was run there. Read it as it is with mia-report "
                f"{word} --out DIR (the report written elsewhere), or make it writable "
                f"(chmod -R u+w {word}) to run the same command again"
            ) from None
        raise DataError(
            f"{shown_path(run_dir)}: cannot use it as the run directory ({exc.strerror}); point "
            "hydra.run.dir (or hydra.sweep.dir) at a writable directory"
        ) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # a FIFO, a device: ftruncate's OSError
        os.close(fd)
        raise DataError(_NOT_OUR_LOCK.format(shown_path(run_dir / LOCK)))
    if info.st_nlink > 1:  # its holder line is written over the file in place
        os.close(fd)
        raise DataError(
            f"{shown_path(run_dir / LOCK)}: a hard link ({info.st_nlink} names for one file), so "
            "another "
            "file's content would be overwritten by the lock's; nothing was changed. Delete it "
            "(mia-train makes its own) or run in a new directory (hydra.run.dir=...)"
        )
    try:
        locked = True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = holder_line(fd) or "another process"
            raise ConfigError(
                f"{shown_path(run_dir)} is in use by {holder}; wait for that run to end or choose "
                "another directory (hydra.run.dir=...)"
            ) from None
        except OSError as exc:
            if exc.errno not in NO_LOCKS:
                raise
            locked = False
            log.warning("%s: the file system gives no locks (%s), so another mia-train started "
                        "in this directory would not be noticed: run one at a time there",
                        shown_path(run_dir / LOCK), exc.strerror or exc)  # fmt: skip
        _refuse_linked_events(run_dir)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {stamp}\n".encode(),
                      0)  # fmt: skip
        except OSError as exc:  # (a full disk: a traceback)
            advice = run_folder_advice(exc)
            raise DataError(
                f"{shown_path(run_dir / LOCK)}: cannot write it ({exc.strerror or exc}); {advice}"
            ) from None
        if locked:  # (without a lock another run may be writing here, maybe on another host)
            _remove_stale_temp_files(run_dir)
        with held_folder(run_dir, lock=LOCK, fd=fd):  # (its writes stop once it is removed)
            yield run_dir
    except BaseException:
        if locked:
            _mark_moved_run(run_dir, fd)
        raise
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def refuse_unwritable_name(run_dir: Path) -> None:
    """Refuse, before anything is made, a ``run_dir`` whose name the file-system encoding
    writes as other bytes than UTF-8 (``x é`` under a Latin-1 locale): TensorBoard opens its
    events by the UTF-8 bytes, another folder, and the run failed after training with
    "choose a writable run directory". mia-train checks it before Hydra makes the folder
    too (`mia_defense.cli.run_dirs.refuse_unencodable_name`)."""
    text = str(run_dir)
    try:
        same = os.fsencode(text) == text.encode()
    except UnicodeEncodeError:  # (bytes of no UTF-8 name: surrogates)
        same = False
    if not same:
        raise DataError(
            f"{shown_path(text, quoted=True)}: the locale's file-system encoding "
            f"({sys.getfilesystemencoding()}) writes this name as other bytes than UTF-8, the "
            "bytes TensorBoard writes its events by; nothing was run. Choose an ASCII path "
            f"({RUN_FOLDER_SETTING.get()}=...), or run in a UTF-8 locale (LC_ALL=C.UTF-8)")


def _mark_moved_run(run_dir: Path, fd: int) -> None:
    """Mark ``interrupted`` the results.json of the run that stopped because its folder was
    moved (``mv``) while it ran (`require_held` refused its next write there): the folder
    at its new place, found by the lock file this process holds open as ``fd`` (Linux's
    /proc), read ``running`` for ever after, which mia-report took for a run in progress or
    killed. Written under the lock still held; a folder removed, or not moved, is left."""
    try:
        if os.path.samestat(os.stat(run_dir / LOCK), os.fstat(fd)):
            return  # (not moved)
    except OSError:
        pass
    try:
        lock = os.readlink(f"/proc/self/fd/{fd}")
        moved = Path(lock).parent
        if not os.path.samestat(os.stat(lock), os.fstat(fd)):
            return  # (removed: "... (deleted)"; or a name that is not it)
        payload = read_json(moved / RESULTS)
        if payload.get("status") != "running":
            return
        write_json(moved / RESULTS, {**payload, "status": "interrupted"})
    except (DataError, OSError):
        return
    log.warning("%s was moved to %s while the run wrote it: its results.json there says "
                "'interrupted' (its saved models kept); a run of the same config in %s "
                "resumes it", shown_path(run_dir), shown_path(moved), shown_path(moved))


def _remove_stale_temp_files(run_dir: Path) -> None:
    """Remove, with an INFO line naming them, the temporary files that writers killed while
    writing (SIGKILL, the OOM killer) left in ``run_dir`` and its checkpoint folders
    (`stale_temp_files`: exactly atomic_write's names, of no live process): no reader takes
    them, and each killed attempt of a resumed run added one. Called with the run's lock
    held, so no other run writes here; a file that cannot be removed is left."""
    removed = []
    for folder in (run_dir, *(run_dir / name for name in DIGESTED_FOLDERS)):
        if folder != run_dir and folder.is_symlink():  # (another folder's files)
            continue
        removed += [str(tmp.relative_to(run_dir)) for tmp in remove_stale_temp_files(folder)]
    if removed:
        log.info("%s: removed %d temporary file%s of writers killed while writing (their "
                 "process is gone): %s", shown_path(run_dir), len(removed),
                 "" if len(removed) == 1 else "s", ", ".join(removed))


def _refuse_linked_events(run_dir: Path) -> None:
    """Refuse a run whose ``tb`` is a link or not a folder: the run replaces the event files
    in it (an earlier attempt's), and through a link those are another folder's (a shared
    TensorBoard folder lost every run's events). Refuse too a folder in it named as an event
    file, which that replacement cannot remove: the run ended after its training and attacks
    on 'cannot write the TensorBoard events (Is a directory)'."""
    events = run_dir / EVENTS_DIR
    if events.is_symlink() or (os.path.lexists(events) and not events.is_dir()):
        what = (f"a link to {shown_path(os.readlink(events))}" if events.is_symlink()
                else "not a folder")
        raise DataError(
            f"{shown_path(events)}: {what}, where the run writes its own TensorBoard events "
            "(replacing "
            "those of an earlier attempt); nothing was changed. Delete it (mia-train makes its "
            "own) or run in a new directory (hydra.run.dir=...)"
        )
    folder = next((p for p in sorted(events.glob("events.out.tfevents.*"))
                   if p.is_dir() and not p.is_symlink()), None)  # fmt: skip
    if folder is not None:
        raise DataError(
            f"{shown_path(folder)}: a folder named as a TensorBoard event file, where the run "
            "replaces "
            "the event files of an earlier attempt with its own; nothing was changed. Move or "
            "delete it, or run in a new directory (hydra.run.dir=...)"
        )


def _keep_aside(path: Path) -> Path:
    """Rename the unreadable ``path`` to ``<name>.unreadable[-N]`` beside it, so that the
    run written again does not replace the only copy of what it held."""
    for n in range(1000):
        kept = path.with_name(f"{path.name}.unreadable" + (f"-{n}" if n else ""))
        if not os.path.lexists(kept):
            os.replace(path, kept)
            return kept
    raise ConfigError(f"{shown_path(path)}: unreadable, and 1000 earlier copies lie beside it; "
                      "move them away")


def attack_record(path: Path, payload: Mapping[str, Any]) -> str:
    """The refusal (empty: none) of mia-train's run into the folder whose results.json
    (``path``, read as ``payload``) is mia-attack's record of an attack (its ``source``): it
    records the config of the run it attacked, so mia-train of that config skipped it as its
    own finished run (exit 0, 'skipping finished run'), a folder where no model was trained
    (mia-attack refuses a mia-train run's folder likewise)."""
    source = payload.get("source")
    if not isinstance(source, Mapping):
        return ""
    attacked = source.get("path")
    what = f"the attack on {shown_path(attacked)}" if isinstance(attacked, str) else "an attack"
    if os.path.lexists(Path(path).parent / "train.log"):  # (refused by mia-attack since)
        return (f"{shown_path(path)} is mia-attack's record of {what} (results.json holds its "
                "'source'), "
                "written into what was left of a mia-train run (its train.log is there) by a "
                "mia-attack of before it refused such folders: that run's observations.npz and "
                "scores.npz were replaced by the attack's, and its models are gone; nothing "
                "was changed. Run in a new directory (hydra.run.dir=... or a new "
                "hydra.sweep.dir)")  # fmt: skip
    return (f"{shown_path(path)} is mia-attack's record of {what} (results.json holds its "
            "'source'), not a "
            "run mia-train trained: no models were trained in that folder; nothing was "
            "changed. Run in a new directory (hydra.run.dir=... or a new hydra.sweep.dir)")


def finished_run(
    run_dir: Path, *, config: Mapping[str, Any], data_fingerprint: str | None
) -> dict[str, Any] | None:
    """results.json of a complete run of this config on this data, or of one that diverged
    under this code on this data (`_same_divergence`: its status says so), or ``None`` (run
    it).

    Raises:
        ConfigError: the directory holds a run (complete, diverged, interrupted or still
            running) of another config or of another results.json layout (its
            ``schema_version`` not exactly `SCHEMA_VERSION`), or a complete run of this
            config on other data or made by other code (results.json ``versions.code``,
            `code_digest`). Nothing is moved or deleted: the user chooses a new directory.

    An unreadable results.json (a regular file) is run again, and first kept beside it as
    ``results.json.unreadable[-N]`` (`_keep_aside`), never overwritten. One the system will
    not read (permission denied, a disk error) is a `DataError`, nothing moved: a finished
    run's record, chmod'ed by mistake, was set aside and its run done again.
    """
    path = Path(run_dir) / RESULTS
    if not path.exists():
        return None
    try:
        payload = read_json(path, max_depth=None)
    except DataError as exc:  # (written atomically: an edit or a disk fault, not a crash)
        if path.is_symlink() or not path.is_file():  # (a FIFO, a folder: never read)
            log.warning("%s; running it again", exc)
            return None
        if exc.errno is not None:  # (not read, so not known damaged: a finished run's, maybe)
            fix = ("make it readable for this user (chmod, or ask its owner)"
                   if exc.errno in (errno.EACCES, errno.EPERM)
                   else "check the disk or file system holding it")  # fmt: skip
            raise DataError(f"{exc}; nothing was changed: {fix}, then run the same command "
                            "again (a finished run is skipped, another resumed)") from None
        kept = _keep_aside(path)
        log.warning("%s; kept as %s, running it again", exc, kept.name)
        return None
    problem = _other_run(Path(run_dir), payload, config=config,
                         data_fingerprint=data_fingerprint)  # fmt: skip
    if problem:
        raise ConfigError(problem)
    status = payload.get("status")
    if status == "diverged" and _same_divergence(payload, config, data_fingerprint):
        return payload  # (its training would diverge again: the caller says so)
    if status == "running":  # (this process holds the lock: no other runs it)
        log.info("%s: status 'running', but no process runs it (it was killed before it "
                 "finished): resuming it (checkpoints are reused)", shown_path(path))
        return None
    if status != "complete":
        status = status if isinstance(status, str) and status else "unknown"  # (edited)
        log.info("%s: status %r, running it again (checkpoints are reused)", shown_path(path),
                 status)
        return None
    _warn_other_versions(Path(run_dir), payload.get("versions"))
    warn_incomplete(Path(run_dir))
    _warn_lost_models(Path(run_dir), payload)
    return payload


def _same_divergence(
    payload: Mapping[str, Any], config: Mapping[str, Any], data_fingerprint: str | None
) -> bool:
    """Whether a diverged run's results.json ``payload`` (of this ``config``) was written by
    this code (``versions.code``, `code_digest`) on this data: trained again, its training
    diverges again (each rerun of a sweep trained its diverged points anew, for nothing).
    One of other code or data, or of before the digest was recorded, is trained again."""
    versions = payload.get("versions")
    made_by = versions.get("code") if isinstance(versions, Mapping) else None
    stored = payload.get("data_fingerprint")
    return (isinstance(made_by, str) and made_by == code_digest(config)
            and stored is not None and stored == data_fingerprint)  # fmt: skip


def other_run(
    run_dir: Path, *, config: Mapping[str, Any], data_fingerprint: str | None
) -> str | None:
    """`finished_run`'s refusal of ``run_dir`` (it holds another config's run, or this
    config's on other data or code), or ``None``, with nothing changed nor logged: asked
    before the run's lock is taken, whose holder line a refused run rewrote. An unreadable
    results.json is no refusal (`finished_run` keeps it aside under the lock)."""
    path = Path(run_dir) / RESULTS
    if not path.is_file():
        return None
    try:
        payload = read_json(path, max_depth=None)
    except DataError:
        return None
    return _other_run(Path(run_dir), payload, config=config, data_fingerprint=data_fingerprint)


def another_config(run_dir: Path, status: str, differences: list[str], *, new_dir: str) -> str:
    """The refusal of a run into ``run_dir``, whose results.json reads ``status``, of a config
    that differs from its run's in ``differences`` (`config_differences`); ``new_dir`` names
    the keys that choose another folder. A run reading ``running`` whose writer was killed
    (`killed_writer`) is said to be killed, not running, with how to resume it. Either way
    the ways that keep that run come before its deletion (`keep_or_discard`)."""
    shown = first_few(differences, 8, sep="; ")
    killed = killed_writer(run_dir) if status == "running" else None
    if killed:
        return (f"{shown_path(run_dir)} holds a killed run of another config ({shown}): its "
                "results.json "
                f"still reads 'running', but {killed_words(killed)}; nothing was changed. "
                "Resume it with its own settings (those left of each '->') and the same "
                f"directory. {keep_or_discard(run_dir, new_dir=new_dir)}")  # fmt: skip
    article = "an" if status[:1] in ("a", "e", "i", "o", "u") else "a"
    return (f"{shown_path(run_dir)} holds {article} {status} run of another config ({shown}); "
            f"nothing was changed. {keep_or_discard(run_dir, new_dir=new_dir)}")


# The keys that choose another run folder, said where a run may go elsewhere.
NEW_RUN_DIR = "hydra.run.dir=... or a new hydra.sweep.dir"


def keep_or_discard(run_dir: Path, *, new_dir: str = NEW_RUN_DIR) -> str:
    """What to do about the finished run in ``run_dir`` that this run may not stand on (of
    another config, or made by other code): first the ways that keep it (a new directory,
    ``new_dir`` naming the keys that choose one, or it moved aside), its deletion last.
    'Run in a new directory, or delete that directory yourself' read as the fix to a user
    wanting this run's figures there, who deleted the only run of the other."""
    here = typed_path(run_dir, instead="<that folder>")
    aside = typed_path(f"{run_dir}.old", instead="<that folder>.old")
    return (f"To keep that run: run in a new directory ({new_dir}), or move it aside (mv "
            f"{here} {aside}) and run the same command again; to discard it, delete that "
            "directory yourself, then run the same command again")


def killed_words(holder: str) -> str:
    """What `killed_writer`'s ``holder`` line says of the run: its writer is gone, killed, or
    stopped on an error when the disk was too full for even results.json's 'failed' (the
    error was said then, on the console): "killed (SIGKILL, the OOM killer...)" sent users
    hunting for a killer that was never there."""
    return (f"no process holds its lock: its writer ({holder}) was killed (SIGKILL, the OOM "
            "killer or a crash) before it finished, or stopped by an error it could not record "
            "there (a full disk, a read-only file system)")


def killed_writer(run_dir: Path) -> str | None:
    """The lock's line of the last writer of ``run_dir`` (``pid N on HOST since T``), whose
    results.json reads ``running`` (the caller read it), when no process holds the lock and
    that writer ran on this host: it was killed (SIGKILL, the OOM killer), and its run reads
    ``running`` for ever. ``None`` otherwise: the run is in progress, its writer was another
    host's (a job that may run there), or there is no lock to read. Probed with a shared
    lock, released at once; nothing is written (`mark_killed_runs` writes)."""
    try:
        fd = os.open(Path(run_dir) / LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return _this_hosts_holder(fd)
    except OSError:  # (BlockingIOError: held; a file system without locks)
        return None
    finally:
        os.close(fd)  # (releases the shared lock at once)


def holder_line(fd: int) -> str:
    """The line the lock file ``fd`` holds (``pid N on HOST since T``: its holder's), as
    printable text (`report.checks.printable`, the rule of the log lines it goes into: a
    control character as a space, a byte that is no UTF-8 as ``\\xNN``, decoded as
    os.fsdecode decodes a name: not U+FFFD; anyone who can write the run's folder can write
    it, and it is printed into messages); '' where it holds none."""
    return printable(os.pread(fd, 512, 0).decode(errors="surrogateescape").strip())


# A lock's line naming a process of this host that is gone while the lock is held (its
# writer killed, a process it forked keeping the lock open): in `gone_writer_words`, and
# what the sweep's end looks for (`held_log.GONE_HOLDER`, the same words).
GONE_HOLDER = "names a process of this host that is gone"
# How long `gone_holder` waits before it looks at the lock's line again, in seconds.
RELOOK_S = 0.2


# How much later than its lock's time a process must have started to be taken for another
# than the lock's writer (`_started_after`), in seconds: the boot time /proc gives is whole
# seconds, the line's time too, and the clock may be set a little after.
STARTED_SLACK_S = 60.0


def gone_writer(holder: str, *, taken: float | None = None) -> int | None:
    """The process id of the lock's ``holder`` line (``pid N on HOST since T``) where it
    names a process of this host that is gone (a zombie too) or, ``taken`` given (when
    the lock was taken, at the latest: seconds since the epoch), one that started after it
    (`_started_after`): pid N reused by another process, which cannot be the lock's writer.
    Else ``None``: a live writer, another host's process, or a line of no process id
    ('another process')."""
    words = holder.split()
    if words[:1] != ["pid"] or words[3:4] != [socket.gethostname()] or not (
            words[1:2] and words[1].isascii() and words[1].isdigit() and words[1][0] != "0"):
        return None
    pid = int(words[1])
    if not process_alive(pid):
        return pid
    return pid if taken is not None and _started_after(pid, taken) else None


def gone_holder(fd: int) -> tuple[str, int] | None:
    """The line of the lock file ``fd``, held by another process (the caller found it so),
    and the gone pid it names (`gone_writer`, its id maybe reused since: a process that
    started after the lock was taken, `lock_taken`, reads 'in use by pid N' for ever): the
    lock is kept by a process that pid forked, and a wait for it ends only when that one is
    ended. Looked at twice, `RELOOK_S` apart: a process that took the lock writes its line
    just after, the last holder's until then, and a keeper that let go meanwhile leaves it
    free (`held_by_another`). ``None`` where the line names a live process, or none, or
    the lock is free by the second look."""
    holder = holder_line(fd)
    pid = gone_writer(holder, taken=lock_taken(holder, fd))
    if pid is None:
        return None
    time.sleep(RELOOK_S)
    return (holder, pid) if held_by_another(fd) and holder_line(fd) == holder else None


def held_by_another(fd: int) -> bool:
    """Whether another open lock file holds the lock of the lock file ``fd`` now (a run in
    progress, or a keeper of it): probed with a shared lock, let go at once; nothing is
    written. ``False`` too where the file system gives no locks."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


def lock_taken(holder: str, fd: int) -> float:
    """When the lock file ``fd`` reading ``holder`` was taken, at the latest (seconds since
    the epoch): the later of its line's time (``since T``, local time) and the file's last
    write (its line is written just after the lock is taken). The line's time alone, read
    in another time zone than its writer's, is hours early: a live writer would read as
    started after it."""
    written = os.fstat(fd).st_mtime
    try:
        since = time.mktime(time.strptime(" ".join(holder.split()[5:7]), "%Y-%m-%d %H:%M:%S"))
    except (ValueError, OverflowError):  # (no time there: an edited line)
        return written
    return max(since, written)


def _started_after(pid: int, taken: float) -> bool:
    """Whether process ``pid`` of this host started more than `STARTED_SLACK_S` after
    ``taken`` (seconds since the epoch; `process_started`). ``False`` where that cannot be
    read (no /proc: not Linux; the process gone since)."""
    started = process_started(pid)
    return started is not None and started > taken + STARTED_SLACK_S


def gone_writer_words(holder: str) -> str:
    """Why a lock held while its ``holder`` line names a process of this host that is gone
    (`gone_writer`) is waited on for ever: the process keeping it is one that pid started."""
    return (f"its lock's line ({holder}) {GONE_HOLDER} (killed), yet the lock is held, by a "
            "process it started that keeps it open")


def end_the_keeper(lock: Path, pid: int) -> str:
    """What to do about the lock file ``lock`` kept by a process the gone ``pid`` started
    (`gone_writer_words`): end that process, which `fuser` names."""
    shown = typed_path(lock, instead=f"<that folder>/{lock.name}")
    return f"end that process (fuser -v {shown} names it; pid {pid}'s workers)"


def _this_hosts_holder(fd: int) -> str | None:
    """The holder line of the lock file ``fd`` when a process of this host wrote it."""
    line = holder_line(fd)
    words = line.split()
    return line if words[:1] == ["pid"] and words[3:4] == [socket.gethostname()] else None


def _other_run(
    run_dir: Path, payload: dict[str, Any], *, config: Mapping[str, Any],
    data_fingerprint: str | None,
) -> str | None:
    """Why ``run_dir``, whose results.json reads ``payload``, is not this run's to resume or
    skip (`finished_run`'s refusals, in its order), or ``None``."""
    path = run_dir / RESULTS
    status = payload.get("status")
    status = status if isinstance(status, str) and status else "unknown"  # (an edited file)
    depth = json_depth(payload)
    if depth > MAX_JSON_DEPTH:  # valid JSON, but no run's: refused, never overwritten
        return (
            f"{shown_path(path)} is not the results of a mia-train run (it is nested {depth} "
            "levels deep, "
            f"a run's at most {MAX_JSON_DEPTH}); nothing was changed. Run in a new directory "
            "(hydra.run.dir=...), or move that file away"
        )
    attacked = attack_record(path, payload)
    if attacked:
        return attacked
    if not isinstance(payload.get("config"), Mapping):
        return (
            f"{shown_path(path)} is not the results of a mia-train run (it holds no config); "
            "nothing was "
            "changed. Run in a new directory (hydra.run.dir=...), or move that file away"
        )
    version = schema_problem(payload)
    if version:  # another layout: its config, status and figures cannot be read as this one's
        return (
            f"{shown_path(path)}: {version}; it cannot be resumed nor skipped as a finished run of "
            "this config, and nothing was changed. Run in a new directory (hydra.run.dir=... or a "
            "new hydra.sweep.dir), or use the mia-defense version that wrote it"
        )
    differences = config_differences(payload["config"], config)
    if differences:
        return another_config(run_dir, status, differences, new_dir=NEW_RUN_DIR)
    if status != "complete":
        return resume_differences(run_dir, payload["config"], config) or None
    stored = payload.get("data_fingerprint")
    if stored is not None and data_fingerprint is not None and stored != data_fingerprint:
        return (
            f"{shown_path(run_dir)} holds a complete run of this config on other data (data "
            "fingerprint "
            f"{stored}, now {data_fingerprint}: the data files changed); run in a new directory "
            "(hydra.run.dir=...)"
        )
    versions = payload.get("versions")
    made_by = versions.get("code") if isinstance(versions, Mapping) else None
    if made_by is not None and made_by != code_digest(config):
        return (
            f"{shown_path(run_dir)} holds a complete run of this config made by other code "
            "(mia-defense's sources or a _target_'s file changed since: code digest "
            f"{str(made_by)[:12]}, now {code_digest(config)[:12]}), so its figures are not "
            f"this code's; nothing was changed. {keep_or_discard(run_dir)}"
        )
    return None


def _warn_other_versions(run_dir: Path, versions: Any) -> None:
    """Warn when a complete run skipped as finished was trained under other library
    versions (results.json ``versions``) than this process's: its figures stand, but a sweep
    finished now holds runs of two versions, whose numbers differ."""
    from mia_defense.training.checkpoints import changed_keys  # imports torch: only here
    from mia_defense.versions import training_versions

    now = training_versions()
    changed = [f"{name} {versions[name]} (now {now[name]})"
               for name in changed_keys(versions, now)]  # fmt: skip
    if changed:
        log.warning("%s: a complete run trained under %s, skipped as finished: its figures are "
                    "that version's, and runs trained now differ in their numbers; delete the "
                    "folder to run it again under these versions", shown_path(run_dir),
                    ", ".join(changed))


# What a complete run leaves beside results.json (written before it, which marks it complete).
_RUN_FILES = ("observations.npz", "scores.npz")


def warn_incomplete(run_dir: Path) -> None:
    """Warn when a complete run's folder lacks its arrays or its results.json is a link (a
    half-copied folder, or another run's record linked in): it is skipped as finished, and
    what it lacks is named, with how to get it back (mia-train's runs and mia-attack's)."""
    path = run_dir / RESULTS
    missing = [name for name in _RUN_FILES if not (run_dir / name).is_file()]
    saved = sorted(p.relative_to(run_dir) for folder in DIGESTED_FOLDERS
                   for p in (run_dir / folder).glob("model_*.pt") if p.is_file())  # fmt: skip
    if path.is_symlink():
        log.warning("%s is a link to %s: this folder is skipped as a finished run, with another "
                    "folder's record; delete the link to run it here", shown_path(path),
                    shown_path(os.readlink(path)))
    elif missing:  # (with checkpoints saved, the route from them is said below instead)
        log.warning("%s: a complete run, skipped as finished, but %s %s missing (moved, deleted "
                    "or not copied): mia-attack and the scores need them%s", shown_path(run_dir),
                    " and ".join(missing), "is" if len(missing) == 1 else "are",
                    "" if saved else "; delete the folder to run it again")  # fmt: skip
    if path.is_symlink():
        return
    events = not _lacks_events(run_dir)
    if not events:
        log.warning("%s: a complete run, skipped as finished, but its TensorBoard events (%s/) "
                    "are missing (moved, deleted or not copied): TensorBoard shows none of its "
                    "curves, scalars or figures", shown_path(run_dir), EVENTS_DIR)  # fmt: skip
    if (missing or not events) and saved:
        # (deleting the folder would train every model again)
        log.warning("%s: its trained models are saved (%d checkpoint%s in %s): delete %s alone, "
                    "not the folder, and run the same command again to write %s anew from "
                    "them (no saved model is trained again)", shown_path(run_dir),
                    len(saved), "" if len(saved) == 1 else "s",
                    " and ".join(sorted({f"{p.parent}/" for p in saved})), RESULTS,
                    " and ".join([*missing, *([] if events else [f"{EVENTS_DIR}/"])]))  # fmt: skip


def _warn_lost_models(run_dir: Path, payload: Mapping[str, Any]) -> None:
    """Warn when a complete run skipped as finished lacks some of the checkpoints of a folder
    whose others are there (results.json ``sha256`` names them): one deleted or moved by
    hand was skipped without a word, and only `load_trained_model` found it gone, saying to
    train the whole run again. A folder whose checkpoints are all gone (deleted to save
    space, as `checkpoint_mismatch` takes it) gets no word. One there but no regular file (a
    folder, a FIFO, a link to /dev/zero: a resume refuses it) is said as what it is, not as
    missing (moved or deleted)."""
    recorded = recorded_checkpoints(payload)
    record = payload.get("sha256")
    lost: list[str] = []
    damaged: list[str] = []
    unread: list[str] = []
    for folder in DIGESTED_FOLDERS:
        names = [name for name in recorded if name.partition("/")[0] == folder]
        gone = [name for name in names if not (run_dir / name).is_file()]
        # (not there, a link to nothing too: moved or deleted; there: what it is)
        kinds = {name: no_regular_file(run_dir / name) for name in gone
                 if os.path.exists(run_dir / name)}  # fmt: skip
        unread += [f"{name} ({what})" for name, what in kinds.items() if what]
        missing = [name for name in gone if not kinds.get(name)]
        if len(missing) < len(names):
            lost += missing
        damaged += _not_its_own(run_dir, [n for n in names if n not in gone], record)
    if lost:
        shown = first_few(lost, 5)
        log.warning("%s: a complete run, skipped as finished, but %d of its saved models %s "
                    "missing (%s; moved or deleted): load_trained_model cannot rebuild %s. "
                    "Put %s back, or delete %s alone, not the folder, and run the same "
                    "command again to train %s again (with the models of %s chunk, "
                    "train.chunk_size; the other saved models are reused)", shown_path(run_dir),
                    len(lost), "is" if len(lost) == 1 else "are", shown,
                    *(("it",) * 2 if len(lost) == 1 else ("them",) * 2), RESULTS,
                    "it" if len(lost) == 1 else "them",
                    "its" if len(lost) == 1 else "their")  # fmt: skip
    if unread:
        log.warning("%s: a complete run, skipped as finished, but %d of its saved models %s no "
                    "regular file (%s): load_trained_model cannot rebuild %s. Put the run's own "
                    "file%s back, or delete %s and %s alone, not the folder, and run the same "
                    "command again to train %s again (with the models of %s chunk, "
                    "train.chunk_size; the other saved models are reused)", shown_path(run_dir),
                    len(unread), "is" if len(unread) == 1 else "are",
                    first_few(unread, 5, sep="; "), "it" if len(unread) == 1 else "them",
                    "" if len(unread) == 1 else "s", "it" if len(unread) == 1 else "them",
                    RESULTS, "it" if len(unread) == 1 else "them",
                    "its" if len(unread) == 1 else "their")  # fmt: skip
    if damaged:
        shown = first_few(damaged, 5)
        log.warning("%s: a complete run, skipped as finished, but %d of its saved models cannot "
                    "be the ones it trained (%s: unreadable, emptied or cut short, or of another "
                    "config): its figures stand, but load_trained_model cannot rebuild them. Put "
                    "the run's own files back, or delete them and %s, not the folder, and run the "
                    "same command again to train them again", shown_path(run_dir), len(damaged),
                    shown, RESULTS)  # fmt: skip


def _not_its_own(run_dir: Path, names: list[str], record: Mapping[str, Any]) -> list[str]:
    """Those of a folder's checkpoints ``names`` (regular files) that do not carry the
    fingerprint the first carries, once its sha256 is the recorded one (the others are not
    hashed: `checkpoint_fingerprint` reads their small pickle only): unreadable (chmod 000),
    no archive (emptied, cut short) or another config's."""
    try:
        own = bool(names) and (run_dir / names[0]).stat().st_size <= MAX_CHECKED_CHECKPOINT \
            and file_sha256(run_dir / names[0]) == record[names[0]]
    except OSError:
        own = False
    first = checkpoint_fingerprint(run_dir / names[0]) if own else None
    return [] if first is None else [name for name in names[1:] if checkpoint_fingerprint(
        run_dir / name, limit=1 << 62) != first]  # (a pickle of a few kB read, at any size)


def _lacks_events(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds no TensorBoard event file of its run's own in `EVENTS_DIR`
    (the HParams experiment config a finished single run gets beside them does not count:
    it was written again after the folder's events were deleted)."""
    from mia_defense.tracking.hparams import EXPERIMENT_SUFFIX  # (tensorboard: only here)

    folder = run_dir / EVENTS_DIR
    return not folder.is_dir() or not any(
        not p.name.endswith(EXPERIMENT_SUFFIX) for p in folder.glob("events.out.tfevents.*")
    )


def mark_run(
    run_dir: Path,
    *,
    status: str,
    config: Mapping[str, Any],
    data_fingerprint: str | None,
    **details: Any,
) -> None:
    """Write a partial results.json saying how far the run got; a complete one is kept."""
    path = Path(run_dir) / RESULTS
    if path.is_dir() and not path.is_symlink():  # the record cannot replace it
        raise DataError(
            f"{shown_path(path)}: a folder, not the results of a run; nothing was changed. Move it "
            "away, or run in a new directory (hydra.run.dir=... or a new hydra.sweep.dir)"
        )
    if path.exists():
        try:
            if read_json(path).get("status") == "complete":
                return
        except DataError:
            pass
    write_json(
        path,
        {
            "schema_version": SCHEMA_VERSION,
            "status": status,
            **details,
            "data_fingerprint": data_fingerprint,
            "config": dict(config),
        },
    )


# How long `mark_killed_runs` waits for killed writers to release their locks (a pool's
# workers, killed as the tool stops, are joined before it goes on: rarely needed).
_KILLED_WAIT_S = 1.0


def mark_killed_runs(run_dirs: Iterable[Path], *, wait: float = _KILLED_WAIT_S) -> list[Path]:
    """Mark ``interrupted`` each of ``run_dirs`` whose results.json says ``running`` while
    no process holds its lock, the last holder (the lock's line) of this host: its writer
    was killed (SIGKILL, as a process pool kills its workers when the tool that started
    them is interrupted alone, ``kill -INT <pid>`` under ``launcher=joblib``), and the run
    read ``running`` for ever after, in mia-report too. A resume runs it again as it does
    any unfinished run, its saved models reused. A lock held, or last held on another
    host (a job that may still run there), or a file system without locks: left as it is.
    Returns the folders marked."""
    deadline = time.monotonic() + wait
    marked = []
    for run_dir in run_dirs:
        path = Path(run_dir) / RESULTS
        try:
            if not path.is_file() or read_json(path).get("status") != "running":
                continue
            fd = os.open(Path(run_dir) / LOCK, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
        except (DataError, OSError):
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode) or not _lock_free(fd, deadline):
                continue
            payload = read_json(path)
            if _this_hosts_holder(fd) and payload.get("status") == "running":
                write_json(path, {**payload, "status": "interrupted"})
                marked.append(Path(run_dir))
        except (DataError, OSError):
            continue
        finally:
            os.close(fd)  # (releases the lock)
    return marked


def _lock_free(fd: int, deadline: float) -> bool:
    """Take the lock on ``fd`` (held until it is closed), waiting until ``deadline`` for a
    holder to end; ``False`` where another process keeps it or the file system has none."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        except OSError:
            return False


# A float value in an override string (after '=', ',', '[' or ':'; up to ',', ']', '}').
_FLOAT = re.compile(r"(?<=[=,\[:])(-?\d+\.\d+(?:[eE][-+]?\d+)?)(?=$|[,\]}])")
_FLOAT_DIGITS = 6
# The folder of the one run of a sweep that overrides no key (``mia-train -m``).
EMPTY_DIRNAME = "defaults"
# Hex digits of the hash that keeps shortened names apart.
_SHORT_HASH = 8


def _short_float(match: re.Match[str]) -> str:
    """A float with more than 6 significant digits (an Optuna draw such as
    0.37454011884736254) as 6 (0.37454); shorter ones as the user typed them."""
    text = match.group(0)
    mantissa = re.split(r"[eE]", text)[0]
    if len(mantissa.replace("-", "").replace(".", "").lstrip("0")) <= _FLOAT_DIGITS:
        return text
    return f"{float(text):.{_FLOAT_DIGITS}g}"


# A character no file name can hold as text: a byte of the command line that is not UTF-8
# (a Latin-1 file name in dataset.path), which Python keeps as a lone surrogate.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(match: re.Match[str]) -> str:
    """The lone surrogate in ``match`` as ``%XX`` per byte: the command line's own byte
    (``\\udcff`` is ``%FF``), or its UTF-8 code units for one no byte gives."""
    char = match.group(0)
    try:
        raw = char.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = char.encode("utf-8", "surrogatepass")
    return "".join(f"%{byte:02X}" for byte in raw)


def safe_dirname(text: str, *, max_bytes: int = 200) -> str:
    """``text`` (a sweep's override string) as ONE directory name inside the sweep directory.

    Path separators become ``%2F`` so that an override value such as ``/tmp/x`` or ``../..``
    cannot place a run outside ``hydra.sweep.dir``; a name of only dots becomes ``_``, an
    empty one (``-m`` with no swept key) `EMPTY_DIRNAME`, never the sweep directory itself; a
    float with more than 6 significant digits is written with 6 (results.json keeps the
    exact value) and the name then ends in ``~`` and a hash of the exact text, so trials
    whose floats agree in 6 digits still get distinct folders; a name too long for the
    file system is cut and ends in a hash of the whole text; a byte of the command line
    that is not UTF-8 is written ``%XX`` (`_escape_surrogate`: it made the name unencodable,
    and the sweep was refused blaming ``hydra.sweep.subdir``).
    """
    name = _FLOAT.sub(_short_float, str(text))
    if name != str(text):
        exact = str(text).encode(errors="surrogatepass")
        name += "~" + hashlib.sha256(exact).hexdigest()[:_SHORT_HASH]
    name = name.replace("%", "%25").replace("/", "%2F").replace("\\", "%5C")
    name = _SURROGATE.sub(_escape_surrogate, name.replace("\0", "%00"))
    if name == "":  # a sweep that overrides nothing: its one run gets a folder of its own
        return EMPTY_DIRNAME
    if name.strip(".") == "":
        name = name.replace(".", "_")
    if len(name.encode()) > max_bytes:
        digest = hashlib.sha256(name.encode()).hexdigest()[:12]
        name = name.encode()[: max_bytes - 13].decode(errors="ignore") + "~" + digest
    return name

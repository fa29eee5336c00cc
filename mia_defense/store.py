"""A content-addressed store of trained ensembles, shared by the runs of a sweep.

Sweep points that train the same models (a sweep over release mechanisms or attack
settings, the naive attacker's undefended shadows of a sweep over defenses) take them from
the store instead of training them again. An entry is keyed on everything that determines
the trained weights (`store_key`): the content hash of the training data (masks included),
the dataset, model, plan and train settings, the training-time defenses (none for an
undefended ensemble), the seed, the seed stream (``stage``), what the config leaves to the
machine (`_machine`: device, GPU, cuDNN, the CPU's kernels, threads), the versions of the
libraries that train (`training_versions`), `STORE_SCHEMA`, the content of the files those
settings name (`_named_files`) and the code (`code_fingerprint`: this package's sources and
the source file of every ``_target_`` those settings name, so editing your own model,
defense or training function trains again rather than reusing weights of the old code; a
process whose imported code is older than its files uses no store: `_code_changed`).

An entry is two files: ``<key>.pt`` (the K models' weights and histories, `torch.save`,
read back with ``weights_only=True``) and ``<key>.json`` (its sha256 and what went into the
key), each written atomically; the manifest is written last, so an entry without one was
never finished. A ``<key>.lock`` file (``fcntl.flock``) lets one worker train an entry
while the others wait for it and then load it, on one machine or on a shared file system.
The lock file stays (a few bytes, one per key; a dead holder's lock is released with its
process, so one left blocks nothing): removing it races, as a worker waiting on the removed
file and one that opened the name afresh would hold a lock of the same key at once, and
both train it where its entry was not written.
An entry whose checksum or contents do not hold is logged and trained again, never used.
A store this user may read but not write (a shared store of trained models) is read as any
other; an entry it lacks is trained and logged as not written.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import json
import logging
import os
import platform
import re
import socket
import stat
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from mia_defense.archives import archive_problem, oversized
from mia_defense.budget import usable_cores
from mia_defense.code_digest import code_fingerprint
from mia_defense.constraints import shown_path
from mia_defense.errors import ConfigError, DataError
from mia_defense.files import (
    atomic_write,
    home_expanded,
    regular_file_open,
    remove_stale_temp_files,
    write_advice,
)
from mia_defense.tracking.artifacts import STAGE_MODELS
from mia_defense.tracking.run_dir import (
    NO_LOCKS,
    end_the_keeper,
    gone_holder,
    gone_writer_words,
    holder_line,
)
from mia_defense.training.checkpoints import _payload_problem as checkpoint_problem
from mia_defense.training.checkpoints import (
    checkpoint_path,
    load_checkpoint,
    save_state,
)
from mia_defense.training.config import resolve_device
from mia_defense.training.loop import Ensemble
from mia_defense.versions import training_versions

__all__ = ["STORE_SCHEMA", "ModelStore", "refuse_blocked_root", "store_key"]

log = logging.getLogger(__name__)

# Bump when a change of the training code changes the weights a config trains: every entry
# written before then is keyed apart and never reused.
STORE_SCHEMA = 1


def store_key(
    config: Mapping[str, Any], *, data: str, stage: str, defended: bool
) -> tuple[str, dict[str, Any]] | None:
    """The key of the ensemble a run trains in seed stream ``stage``, and its parts.

    Args:
        config: the run's resolved config (results.json's ``config``).
        data: the content hash of the arrays it trains on (`TrainingData.fingerprint`).
        stage: the seed stream (``model``: the targets; ``undefended``: a naive attacker's
            shadows).
        defended: whether the training-time defenses apply (they are left out of the key
            of an undefended ensemble, which every defense of a sweep shares).

    Returns:
        ``(sha256 hex, parts)``; ``None`` for an empty config (a run built in code without
        one): nothing to key on, so nothing is stored.
    """
    if not config:
        return None
    attack = config.get("attack") or {}
    canaries = attack.get("canaries")
    parts = {
        "schema": STORE_SCHEMA,
        "torch": torch.__version__,
        "data": data,
        "stage": stage,
        "dataset": config.get("dataset"),
        "model": config.get("model"),
        "plan": config.get("plan"),
        "train": config.get("train"),  # all of it: threads and chunks change the rounding
        "defense": config.get("defense") if defended else {},
        # the key is hashed with sorted keys, but defenses of equal `order` run their hooks
        # in the order the config lists them
        "defense_order": list(config.get("defense") or {}) if defended else [],
        "seed": config.get("seed"),
        # (none appended: attack.canaries.kind then changes nothing trained, and a sweep
        # over it shares the models; what canaries add is in ``data`` too)
        "canaries": canaries if not isinstance(canaries, Mapping) or canaries.get("num")
        else None,
        # what the config leaves to the machine, and the libraries DP draws σ and noise from
        "machine": _machine(config.get("train")),
        "packages": {name: v for name, v in training_versions().items() if name != "torch"},
    }
    parts["code"] = code_fingerprint(
        [parts[k] for k in ("dataset", "model", "plan", "train", "defense")]
    )
    parts["files"] = _named_files([parts[k] for k in ("model", "plan", "train", "defense")])
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest(), parts


def refuse_blocked_root(root: Path | None) -> Path | None:
    """``root`` (``cache_dir``), unless it or the nearest of its folders that exists is a
    file or a link to no folder: then the `DataError` the store raises on its first use,
    here before the run loads its data and claims its directory (found there, a sweep's
    every job loaded its data and left a .lock before failing on it)."""
    if root is None:
        return None
    blocked = next((p for p in (root, *root.parents) if os.path.lexists(p)), None)
    if blocked is None or blocked.is_dir():
        return root
    what = "a link to no folder" if blocked.is_symlink() and not blocked.exists() else (
        "a file, not a folder")  # fmt: skip
    raise DataError(
        f"cache_dir={shown_path(root)}: cannot use it as the model store "
        f"({what if blocked == root else f'{shown_path(blocked)} is {what}'}); point cache_dir "
        "at a writable directory, or set cache_dir=null to train every run's models itself"
    )


def _named_files(settings: Any) -> dict[str, str]:
    """sha256 of each file that a text value of ``settings`` names (a path, as written, to a
    regular file, relative ones from the working directory): your model, defense or
    ``train.fit`` reading pretrained weights or a vocabulary from ``init: /data/init.pt``
    trains other weights once that file is written over, under the same name. The data's
    files are left out (the arrays they give are keyed), as are folders."""
    found: dict[str, str] = {}
    stack = [settings]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            stack.extend(v for k, v in node.items() if k != "_target_")
        elif isinstance(node, list | tuple):
            stack.extend(node)
        elif isinstance(node, str) and node not in found and 0 < len(node) < 4096:
            try:
                path = home_expanded(node, where="store key")
            except ConfigError:  # '~someone/...' of no known user, a NUL: no file to key
                continue
            if path.is_file():  # (links followed: what the code reading it gets)
                found[node] = _file_digest(path)
    return found


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:  # (the run reading it fails on it anyway)
        return f"<unreadable: {exc.strerror or exc}>"
    return digest.hexdigest()


# Per user ``_target_`` a key named in this process: the module it runs from, and the digest
# of its code when first keyed (`_code_changed`).
_CODE_SEEN: dict[str, tuple[Any, str]] = {}


def _code_changed(code: Mapping[str, str]) -> list[str]:
    """The user's ``_target_``s of ``code`` (a key's `code_fingerprint`) whose sources changed
    on disk since this process first keyed them, while it still runs the module it imported
    then. The key reads the files, but a process runs the code it imported: a sweep of one
    process (Hydra's basic launcher) whose model file was edited between two runs trained the
    old code's weights under the new code's key, and a later sweep of the new code took them.
    A module imported again (a new module object) is keyed afresh."""
    changed = []
    for target, digest in code.items():
        if target == "mia_defense":  # (its digest is read once per process: what it runs)
            continue
        parts = target.split(".")
        module = next((found for end in range(len(parts) - 1, 0, -1)
                       if (found := sys.modules.get(".".join(parts[:end]))) is not None), None)
        seen = _CODE_SEEN.get(target)
        if seen is None or seen[0] is not module:
            _CODE_SEEN[target] = (module, digest)
        elif seen[1] != digest:
            changed.append(target)
    return changed


def _machine(train: Any) -> dict[str, Any]:
    """The device and thread count training gets here: ``train.device=auto`` (CUDA where
    present) and ``train.threads=0`` (every usable core) train other weights on another
    machine sharing the store, as does another GPU model, another cuDNN, and another CPU:
    one torch version picks its CPU kernels by the instructions the CPU has (AVX2, AVX512,
    none: ATEN_CPU_CAPABILITY) and by architecture and system (an ARM laptop beside an x86
    server), and their float sums differ (a digits MLP trained under the default kernels and
    under AVX2 differs in the 8th digit)."""
    train = train if isinstance(train, Mapping) else {}
    device = str(train.get("device") or "cpu")
    if device == "auto":
        device = resolve_device(device).type
    cuda = device.startswith("cuda") and torch.cuda.is_available()
    gpu = torch.cuda.get_device_name() if cuda else None
    threads = train.get("threads", 1)
    return {"device": device.split(":")[0], "gpu": gpu,
            "threads": usable_cores() if threads == 0 else threads,
            "cpu": f"{sys.platform} {platform.machine()} {torch.backends.cpu.get_cpu_capability()}",
            "cudnn": torch.backends.cudnn.version() if cuda else None}


@dataclass
class ModelStore:
    """The store under ``root`` (``cache_dir``), and what one run took from it.

    Attributes:
        root: the store's directory (created on first use).
        stages: per seed stream trained through `train_once`: its key, the models it
            holds and whether they were reused; results.json's ``training.store``.
        loading: per seed stream whose entry the store holds or another run trains (the
            lock's holder, ``waiting_for``, while this run waits for it): the entry's
            weights file and its models, which an interrupted run's resume loads rather
            than trains (its results.json's ``model_store``: a run stopped before their
            checkpoints were written, or as it waited, was told its training was lost).
    """

    root: Path
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    loading: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def reused(self) -> int:
        """Models this run took from the store instead of training them."""
        return sum(s["models"] for s in self.stages.values() if s["reused"])

    def summary(self) -> dict[str, Any]:
        """results.json's ``training`` additions: ``reused`` and ``store``."""
        return {"reused": self.reused, "store": {"dir": str(self.root), "stages": self.stages}}

    def train_once(
        self,
        key: tuple[str, dict[str, Any]] | None,
        train: Callable[[], Ensemble],
        *,
        checkpoint_dir: Path,
        fingerprint: str | None,
        num_models: int,
        stage: str,
        fits: Callable[[dict[str, torch.Tensor]], str | None] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> Ensemble:
        """``train()``'s ensemble, trained at most once per key across every worker.

        Holding the key's lock: a valid entry is written into ``checkpoint_dir`` as the
        run's own checkpoints (which ``train()`` then loads instead of training); without
        one, ``train()`` trains and saves them there, and they become the entry.
        ``fits(state_dict)`` says how an entry's weights do not fit the model this run builds
        (``None``: they fit): such an entry is trained again and replaced. ``settings``
        (`resume_settings`, which the key holds) are recorded in the checkpoints written from
        an entry, as in the ones training writes.
        """
        if key is None:
            return train()
        digest, parts = key
        what = STAGE_MODELS.get(stage, f"{stage} models")
        changed = _code_changed(parts.get("code") or {})
        if changed:  # the key is the file's code, the models would be the old code's
            log.warning("model store %s not used for the %s: the source of %s changed since "
                        "this process first read it (an edit during a sweep run in one "
                        "process), and the code it runs is still the one it imported; run "
                        "again in a new process to use the store", shown_path(self.root), what,
                        ", ".join(changed))  # fmt: skip
            return train()
        # (until read: a run stopped from here on is told its resume loads a whole entry)
        self.loading[stage] = {"entry": str(self._weights(digest)), "models": num_models}
        with self._locked(digest, what=what, waiting=self.loading[stage]):
            models = self._read(digest, num_models=num_models, fits=fits)
            if models is None:  # (refused: trained again)
                self.loading.pop(stage, None)
            else:
                _write_checkpoints(models, checkpoint_dir, fingerprint=fingerprint,
                                   settings=settings)
                log.info("reused %d %s from %s", num_models, what, self._weights(digest))
            resumed = models is None and any(
                checkpoint_path(checkpoint_dir, k).exists() for k in range(num_models)
            )
            # (a start under another key, another machine or train.eval_every, which the
            # checkpoints do not record, trained models not this key's: marked so, no later
            # resume under the first key stores the mix either)
            same_start = not resumed or _started_under(checkpoint_dir) == digest
            if models is None and not (resumed and same_start):
                _mark_start(checkpoint_dir, digest if same_start else "")
            ensemble = train()
            if models is None:
                try:
                    stored = same_start and self._write(
                        digest, parts, checkpoint_dir, fingerprint=fingerprint,
                        num_models=num_models, resumed_under=settings, resumed=resumed)
                except DataError as exc:  # disk full, a directory in the entry's place
                    # the store is a cache: the run goes on with the models it trained
                    reason = exc.reason or str(exc)
                    advice = write_advice(exc, fix="point cache_dir at a writable directory, "
                                          "or set cache_dir=null",
                                          where="cache_dir=..., or cache_dir=null for no store")
                    log.warning("model store entry %s not written (%s); the run goes on with "
                                "the models it trained. %s", self._weights(digest), reason,
                                advice[:1].upper() + advice[1:])  # fmt: skip
                else:
                    if stored:
                        log.info("stored %d %s in %s", num_models, what, self._weights(digest))
                    else:
                        log.info("%s not stored in %s: some were resumed from checkpoints of "
                                 "an earlier start not known to have trained under this run's "
                                 "settings and machine (train.chunk_size, train.threads, "
                                 "train.device, train.eval_every, the CPU and GPU)", what,
                                 shown_path(self.root))  # fmt: skip
        self.stages[stage] = {"key": digest, "models": num_models, "reused": models is not None}
        return ensemble

    # -- files -------------------------------------------------------------------------------

    def _weights(self, digest: str) -> Path:
        return self.root / f"{digest}.pt"

    def _manifest(self, digest: str) -> Path:
        return self.root / f"{digest}.json"

    @contextmanager
    def _locked(
        self, digest: str, *, what: str, waiting: dict[str, Any] | None = None
    ) -> Iterator[None]:
        """Hold the key's exclusive lock (released on exit, or when the process dies). In a
        store this user may read but not write (`_read_only_lock`), the lock is held when
        there is one, and nothing is held when there is none. While another run holds it,
        ``waiting`` says which (``waiting_for``: its holder line)."""
        path = self.root / f"{digest}.lock"
        writable = True
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            # never through a link: the file it names was truncated and written over
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            fd, writable = self._read_only_lock(path, exc), False
        if fd is None:  # a store this run may read, not write, holding no lock of this key
            yield
            return
        try:
            # what was opened, not what the name holds now: a FIFO or /dev/null swapped in
            # after the open gave ftruncate's raw OSError
            problem = _not_regular(path, fd=fd)
            links = os.fstat(fd).st_nlink
            if not problem and writable and links > 1:  # its holder line is written in place
                problem = (f"{shown_path(path.name)} is a hard link ({links} names for one "
                           "file), whose other file the lock's content would overwrite")
            if problem:
                raise DataError(f"model store lock {shown_path(path)}: {problem}; delete it (the "
                                "store "
                                "makes its own), or set cache_dir=null")
            locked = writable
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self._say_wait(path, fd, what=what)
                if waiting is not None:
                    waiting["waiting_for"] = holder
                fcntl.flock(fd, fcntl.LOCK_EX)
                if waiting is not None:
                    del waiting["waiting_for"]
            except OSError as exc:
                locked = False  # no locks on this file system (the store is a cache:
                # on without one), or none for a lock opened to read only (NFS wants more)
                if exc.errno in NO_LOCKS:
                    log.warning("model store lock %s: the file system gives no locks (%s), so "
                                "runs sharing the store may train the same %s at once (each "
                                "entry is still written whole)", shown_path(path),
                                exc.strerror or exc, what)  # fmt: skip
                elif writable:
                    raise
            if writable:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                # (the holder line only names the holder to a waiting run, which says
                # 'another run' without it; a full disk raised an OSError traceback)
                with suppress(OSError):
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since "
                              f"{stamp}\n".encode(), 0)  # fmt: skip
            if locked:  # (without the lock, another worker may be writing this entry now)
                self._remove_stale_temp_files(digest)
            yield
        finally:
            os.close(fd)

    def _say_wait(self, path: Path, fd: int, *, what: str) -> str:
        """Say that this run waits for the lock ``path`` (``fd``), held by another process,
        and return its holder line. Where that line names a process of this host that is
        gone (`gone_holder`: killed, a process it forked keeping the lock; or its pid taken
        since by a process started after the lock was taken), the wait ends only when that
        process is ended: said once at WARNING, with which one to end; an INFO line
        'waiting for pid N' sent the user waiting on a run that no longer is."""
        gone = gone_holder(fd)
        if gone is None:
            holder = holder_line(fd) or "another run"
            log.info("waiting for %s, which trains the same %s", holder, what)
            return holder
        holder, pid = gone
        log.warning("model store lock %s: %s, so this run waits for it to let go before it "
                    "trains or reuses the same %s; %s, and this run goes on",
                    shown_path(path), gone_writer_words(holder), what,
                    end_the_keeper(path, pid))  # fmt: skip
        return holder

    def _remove_stale_temp_files(self, digest: str) -> None:
        """Remove, with an INFO line naming them, the temporary files that writers of this
        key's entry killed while writing (SIGKILL, the OOM killer, a job's time limit) left in
        the store (`stale_temp_files`: exactly atomic_write's names of ``<key>.pt`` and
        ``<key>.json``, of no live process here): no reader takes them, and each killed
        writer left one as large as the entry. Called with the key's lock held, so no other
        worker writes this entry; a file that cannot be removed is left."""
        pattern = re.compile(
            rf"\.{re.escape(digest)}\.(?:pt|json)\.(?P<pid>[1-9][0-9]*)\.[0-9a-f]{{8}}\.tmp"
        )  # (atomic_write's name, _TMP_NAME, of this entry's two files)
        removed = [tmp.name for tmp in remove_stale_temp_files(self.root, pattern=pattern)]
        if removed:
            log.info("model store %s: removed %d temporary file%s of writers killed while "
                     "writing (their process is gone): %s", shown_path(self.root), len(removed),
                     "" if len(removed) == 1 else "s", ", ".join(removed))  # fmt: skip

    def _read_only_lock(self, path: Path, exc: OSError) -> int | None:
        """After the lock ``path`` could not be opened to write (``exc``): in a store this
        user may read but not write (a shared read-only store of trained models, another
        user's lock file), the lock opened to read only, or ``None`` when there is none. Its
        entries are then read as any store's; writing one fails and is logged. Otherwise a
        `DataError` naming the lock or the store and the fix."""
        if os.path.islink(path):
            raise DataError(f"model store lock {shown_path(path)}: {shown_path(path.name)} is a "
                            "link, not a "
                            "regular file; delete it (the store makes its own), or set "
                            "cache_dir=null") from None
        if os.path.isdir(path):  # the store is fine, its lock is not
            raise DataError(f"model store lock {shown_path(path)}: {shown_path(path.name)} is not "
                            "a regular file; "
                            "delete it (the store makes its own), or set "
                            "cache_dir=null") from None
        if (exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and self.root.is_dir()
                and os.access(self.root, os.R_OK | os.X_OK)):
            try:
                return os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
            except FileNotFoundError:
                log.info("model store %s cannot be written by this run (%s): its entries are "
                         "read, and none is written", shown_path(self.root), exc.strerror or exc)
                return None
            except OSError:
                pass  # (unreadable too: named below)
        # mkdir's 'File exists' named no file: say what is in the store's place
        reason = ("a file, not a folder" if os.path.lexists(self.root)
                  and not self.root.is_dir() else exc.strerror)  # fmt: skip
        raise DataError(
            f"cache_dir={shown_path(self.root)}: cannot use it as the model store ({reason}); "
            "point cache_dir at a writable directory, or set cache_dir=null to train "
            "every run's models itself"
        ) from None

    def _read(
        self,
        digest: str,
        *,
        num_models: int,
        fits: Callable[[dict[str, torch.Tensor]], str | None] | None = None,
    ) -> list[dict[str, Any]] | None:
        """The entry's models (``state_dict`` and ``history`` each), or ``None`` when there
        is no finished entry or it fails a check (then logged, and trained again)."""
        manifest_path, weights_path = self._manifest(digest), self._weights(digest)
        if not os.path.lexists(manifest_path):
            return None
        # Both are checked before they are opened: a FIFO would block the run forever, and
        # the weights are read whole only when no larger than the manifest states.
        problem = _not_regular(manifest_path) or _not_regular(weights_path)
        if problem:
            return _distrust(weights_path, problem)
        if manifest_path.stat().st_size > MAX_MANIFEST_BYTES:
            return _distrust(weights_path, "its manifest is larger than any the store writes")
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError, RecursionError) as exc:
            return _distrust(weights_path, f"unreadable ({exc.__class__.__name__}: {exc})")
        size = manifest.get("bytes") if isinstance(manifest, dict) else None
        if not isinstance(size, int) or weights_path.stat().st_size > size:
            return _distrust(weights_path, "it is larger than its manifest states")
        problem = oversized(weights_path.stat().st_size)  # (read whole below)
        if problem:
            return _distrust(weights_path, problem)
        try:
            raw = weights_path.read_bytes()
        except OSError as exc:
            return _distrust(weights_path, f"unreadable ({exc.__class__.__name__}: {exc})")
        if hashlib.sha256(raw).hexdigest() != manifest.get("sha256"):
            return _distrust(weights_path, "its sha256 differs from the one in its manifest")
        problem = archive_problem(io.BytesIO(raw))  # a zip bomb under a matching sha256
        if problem:
            return _distrust(weights_path, problem)
        try:
            payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises many types for a bad file
            return _distrust(weights_path, f"not loadable ({exc.__class__.__name__})")
        problem = _payload_problem(payload, digest=digest, num_models=num_models)
        if problem is None and fits is not None:
            # the key cannot see every change (a module a _target_'s file imports)
            problem = next((f"model {k} does not fit this model: {misfit}"
                            for k, model in enumerate(payload["models"])
                            if (misfit := fits(model["state_dict"]))), None)
        return _distrust(weights_path, problem) if problem else payload["models"]

    def _write(
        self,
        digest: str,
        parts: dict[str, Any],
        checkpoint_dir: Path,
        *,
        fingerprint: str | None,
        num_models: int,
        resumed: bool = False,
        resumed_under: Mapping[str, Any] | None = None,
    ) -> bool:
        """Make the run's freshly saved checkpoints the entry: weights, then manifest. A run
        ``resumed`` from checkpoints of an earlier start writes it only where each records
        ``resumed_under`` (`resume_settings`: train.chunk_size, train.threads, train.device,
        which change the rounding; a resume under others is refused where they are
        recorded): an entry interrupted before it was written was never filled by the
        resumes, and each later run sharing the store trained its models again. Whether it
        was written."""
        models = []
        for k in range(num_models):
            saved = load_checkpoint(checkpoint_path(checkpoint_dir, k), fingerprint=fingerprint)
            if resumed and (resumed_under is None or saved.get("settings") != dict(resumed_under)):
                return False  # (an older checkpoint, or one of other settings: not this key's)
            # (its index: an entry whose models were reordered is refused, `_payload_problem`)
            models.append({"index": k, "state_dict": saved["state_dict"],
                           "history": saved["history"]})  # fmt: skip
        buffer = io.BytesIO()
        torch.save({"schema": STORE_SCHEMA, "key": digest, "models": models}, buffer)
        raw = buffer.getvalue()
        atomic_write(self._weights(digest), lambda handle: handle.write(raw))
        manifest = {
            "key": digest,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "bytes": len(raw),
            "num_models": num_models,
            "written": time.strftime("%Y-%m-%d %H:%M:%S"),
            "host": socket.gethostname(),
            "parts": parts,
        }
        text = json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n"
        atomic_write(self._manifest(digest), lambda handle: handle.write(text.encode()))
        return True


# A manifest holds a key, a hash, sizes and the keyed settings: a few kB.
MAX_MANIFEST_BYTES = 2**20


def _not_regular(path: Path, *, fd: int | None = None) -> str | None:
    """Why ``path`` (or, given ``fd``, the file opened from it) cannot be read as a store
    file (missing, a FIFO, a directory, a device), or ``None`` for a regular file."""
    try:
        mode = path.stat().st_mode if fd is None else os.fstat(fd).st_mode
    except OSError as exc:
        return f"{shown_path(path.name)}: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return f"{shown_path(path.name)} is not a regular file"
    return None


def _distrust(path: Path, problem: str) -> None:
    log.warning("model store entry %s is not used: %s; training its models again",
                shown_path(path), problem)
    return None


def _payload_problem(payload: Any, *, digest: str, num_models: int) -> str | None:
    """Why a loaded entry cannot be used, or ``None``."""
    if not isinstance(payload, dict) or payload.get("key") != digest:
        return "it does not hold the entry of its key"
    if payload.get("schema") != STORE_SCHEMA:
        return f"store schema {payload.get('schema')}, this version writes {STORE_SCHEMA}"
    models = payload.get("models")
    if not isinstance(models, list) or len(models) != num_models:
        return f"it holds {len(models) if isinstance(models, list) else 'no'} models, not " \
               f"{num_models}"
    for k, model in enumerate(models):
        if not isinstance(model, dict):
            return f"model {k} is not a mapping of its weights and history"
        # what the run's checkpoint loader refuses (an epoch record of text, a NaN loss,
        # non-finite weights): used, the entry became checkpoints that stopped the run on
        # every restart. (Its finiteness check reads what each tensor stores, not what a view
        # claims: a 160 kB entry holding zeros(1).expand(2 * 10**8) took 1.3 GB checked so.)
        problem = checkpoint_problem({**model, "fingerprint": None})
        if problem:
            return f"model {k} {problem}"
        # (entries written before hold no index.) Models reordered in an entry, its manifest
        # rewritten to match, were each given another model's masks: a tiny sweep's
        # loss AUC moved (0.566 to 0.540), measured on models of other members.
        index = model.get("index")
        if index is not None and index != k:
            return (f"model {k} holds model {index}: the entry's models were reordered after "
                    "it was written")
    return None


# The store key a run's first start trained its checkpoints under, in their folder: a resume
# fills the entry only under the same key (`train_once`).
_STARTED_UNDER = ".store_key"


def _mark_start(checkpoint_dir: Path, digest: str) -> None:
    """Record in ``checkpoint_dir`` that its models start training under ``digest``; where
    it cannot be written, a resume only leaves the entry unwritten. Written beside and
    renamed into place: a link there is replaced, never written through (a link to a file
    of the user's was overwritten with the key), and a FIFO never blocks the run."""
    try:
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(checkpoint_dir / _STARTED_UNDER, lambda handle: handle.write(digest.encode()))
    except (OSError, DataError):
        pass


def _started_under(checkpoint_dir: Path) -> str | None:
    """`_mark_start`'s key in ``checkpoint_dir`` (``None``: none readable, or no regular file
    of its own there: a link or a FIFO, which `_mark_start` never leaves, is not opened)."""
    with regular_file_open(checkpoint_dir / _STARTED_UNDER, follow_links=False) as handle:
        try:
            return None if handle is None else handle.read(256).decode().strip()
        except (OSError, UnicodeDecodeError):
            return None


def _write_checkpoints(
    models: list[dict[str, Any]],
    checkpoint_dir: Path,
    *,
    fingerprint: str | None,
    settings: Mapping[str, Any] | None = None,
) -> None:
    """The entry's models as the run's own checkpoints (so the run resumes and
    `load_trained_model` reads them as if the run had trained them)."""
    for k, model in enumerate(models):
        # as training saves its models: the model index is the file's, and the entry's key
        # holds the versions and the settings this run trains under (a resume under other
        # settings, results.json lost, is refused: `check_checkpoint_dir`)
        save_state(checkpoint_path(checkpoint_dir, k), model["state_dict"], model["history"],
                   fingerprint=fingerprint, settings=settings)  # fmt: skip

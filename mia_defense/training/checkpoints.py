"""Per-model checkpoints, written atomically and loaded without executing code."""

from __future__ import annotations

import io
import json
import math
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.parameter import is_lazy

from mia_defense.archives import archive_problem, oversized, stored
from mia_defense.budget import usable_cores
from mia_defense.constraints import shown_path
from mia_defense.errors import ConfigError, DataError, first_few
from mia_defense.files import atomic_write
from mia_defense.tracking.artifacts import resume_why
from mia_defense.training.config import resolve_device
from mia_defense.training.loop import EpochRecord, ModelHistory
from mia_defense.versions import training_versions

__all__ = [
    "changed_keys",
    "check_checkpoint_dir",
    "checkpoint_path",
    "load_checkpoint",
    "load_state",
    "refuse_other_fingerprint",
    "resume_settings",
    "save_checkpoint",
    "save_state",
    "shape_differences",
    "state_mismatch",
]

def checkpoint_path(directory: Path, index: int) -> Path:
    """Where model ``index`` of a plan is saved."""
    return directory / f"model_{index:04d}.pt"


def changed_keys(saved: Any, now: Mapping[str, Any]) -> list[str]:
    """The keys of ``now`` whose value the mapping ``saved`` records otherwise (none when it
    is no mapping: a checkpoint or results.json written before it was recorded)."""
    if not isinstance(saved, Mapping):
        return []
    return [key for key in now if key in saved and saved[key] != now[key]]


def _refuse_other_versions(path: Path, payload: dict[str, Any]) -> None:
    """A resume's refusal (`DataError`) of the checkpoint ``payload`` of ``path`` trained
    under other library versions than these (`training_versions`)."""
    saved, now = payload.get("versions"), training_versions()
    changed = changed_keys(saved, now)
    if not changed:
        return
    shown = ", ".join(f"{name} {saved[name]} (now {now[name]})" for name in changed)
    again = " ".join(f"{name}=={saved[name]}" for name in changed if saved[name] is not None)
    raise DataError(
        f"checkpoint {shown_path(path)} was trained under {shown}: a resume would mix models "
        "trained by two library versions, whose numbers differ; nothing was trained. Resume "
        f"under the versions it was trained with{f' ({again})' if again else ''}, delete "
        f"{shown_path(path.parent)} to retrain its models under these, or run in a new "
        "directory (hydra.run.dir=... or a new hydra.sweep.dir)"
    )


def _index_in_name(path: Path) -> int | None:
    """The model index `checkpoint_path` puts in ``path``'s name (``None``: another name)."""
    match = re.fullmatch(r"model_(\d+)\.pt", Path(path).name)
    return int(match.group(1)) if match else None


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Save tensors, numbers, strings and containers of them; atomic (temp file + rename)."""
    buffer = io.BytesIO()  # serialised in memory first: a failed disk write is then an OSError
    torch.save(payload, buffer)
    atomic_write(path, lambda handle: handle.write(buffer.getbuffer()))


def load_checkpoint(path: Path, *, fingerprint: str | None = None) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True`` (no pickle code runs).

    With ``fingerprint`` (`mia_defense.run_fingerprint.config_fingerprint` of this run), a
    checkpoint trained under a different config, on other data or by other code is refused
    instead of silently reused.
    """
    # One open, read whole: the checks and torch.load see the same bytes, not a file swapped
    # in between, and the mode checked is that of what was opened (a FIFO would block).
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        if not os.path.lexists(path):
            raise  # no file of that name (callers tell a missing checkpoint from a bad one)
        raise _corrupt(path, f"a link to nothing: {shown_path(os.readlink(path))}") from None
    except PermissionError as exc:  # (chmod 000, another user's: its content may be fine)
        raise DataError(f"checkpoint {shown_path(path)}: cannot read it ({exc.strerror}); if it "
                        "is this run's own, make it readable for this user (chmod, or ask its "
                        "owner), else delete it to retrain that model") from None
    except OSError as exc:
        raise _corrupt(path, f"cannot open it: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _corrupt(path, "not a regular file")
        problem = oversized(info.st_size)
        if problem is not None:  # read whole below: a raw MemoryError, or the RAM filled
            raise DataError(f"checkpoint {shown_path(path)} is {problem}: free memory and start "
                            "again, or, if it is no checkpoint of this run (a sparse or "
                            "forged file), delete it to retrain that model")
        with open(fd, "rb", closefd=False) as file:
            data = io.BytesIO(file.read())
    finally:
        os.close(fd)
    problem = archive_problem(data)
    if problem is not None:
        raise _corrupt(path, problem)
    data.seek(0)
    try:
        payload = torch.load(data, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt files
        raise _corrupt(path, exc.__class__.__name__) from exc
    problem = _payload_problem(payload)
    if problem is not None:
        raise DataError(f"checkpoint {shown_path(path)} {problem}; delete it to retrain that "
                        "model")
    index, named = payload.get("index"), _index_in_name(path)
    if index is not None and named is not None and index != named:  # (older ones hold none)
        raise DataError(
            f"checkpoint {shown_path(path)} holds model {index}, not model {named}: the "
            "checkpoint files were renamed or copied over each other; delete "
            f"{shown_path(path.parent)} to retrain, or put each model's file back under its own "
            "name"
        )
    refuse_other_fingerprint(path, payload, fingerprint)
    return payload


def refuse_other_fingerprint(
    path: Path, payload: Mapping[str, Any], fingerprint: str | None
) -> None:
    """`load_checkpoint`'s refusal of the checkpoint ``payload`` read from ``path`` unless it
    carries ``fingerprint`` (``None``: not checked)."""
    saved = payload.get("fingerprint")
    if fingerprint is not None and saved != fingerprint:
        raise DataError(
            f"checkpoints in {shown_path(path.parent)} were trained with a different config or "
            "on different data (dataset, its content, model, plan, train, defense, seed or the "
            "one-run audit's gradient canaries differ, or the code changed: fingerprint "
            f"{saved} in {shown_path(path.name)}, {fingerprint} now); delete "
            f"{shown_path(path.parent)} to retrain, or run in a new directory (hydra.run.dir=... "
            "or a new hydra.sweep.dir)"
        )


def _corrupt(path: Path, why: str) -> DataError:
    """The refusal of a file ``path`` that cannot be read as a checkpoint, for reason ``why``."""
    return DataError(
        f"checkpoint {shown_path(path)} is corrupt or not a mia-defense checkpoint ({why}); "
        "delete it to retrain that model"
    )


def _payload_problem(payload: Any) -> str | None:
    """Why a loaded checkpoint cannot be used (missing fields, non-finite weights), or None."""
    if not isinstance(payload, dict):
        return "is not a mia-defense checkpoint (not a mapping)"
    missing = [key for key in ("state_dict", "history", "fingerprint") if key not in payload]
    if missing:
        return f"lacks {', '.join(map(repr, missing))}"
    state, history = payload["state_dict"], payload["history"]
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        return "has a malformed 'state_dict' (not a mapping of names to tensors)"
    try:  # (no isfinite for a sparse or meta tensor, or float8: raw tracebacks)
        bad = [name for name, value in state.items()
               if value.is_floating_point() and not bool(torch.isfinite(stored(value)).all())]
    except RuntimeError as exc:
        return (f"holds a tensor whose values cannot be checked (sparse, meta or float8: "
                f"{type(exc).__name__})")
    if bad:
        return f"holds non-finite weights ({', '.join(bad[:3])}): the model diverged"
    if (index := payload.get("index")) is not None and type(index) is not int:  # (a text '0')
        return f"has a malformed 'index' ({index!r}, a {type(index).__name__}, no whole number)"
    settings = payload.get("settings", {})  # (compared and shown as JSON on a resume)
    if not isinstance(settings, dict) or not all(v is None or isinstance(v, (str, int, float))
                                                 for v in settings.values()):  # fmt: skip
        return "has malformed 'settings' (not a mapping of names to numbers or text)"
    problem = _history_problem(history)
    return None if problem is None else f"has a malformed 'history' ({problem})"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _history_problem(history: Any) -> str | None:
    """What `_history_from_payload` could not read, or read as a model no run checkpoints
    (a non-finite loss: diverged models are never saved), or None."""
    if not isinstance(history, dict) or not isinstance(history.get("epochs"), list):
        return "no list of epochs"
    width = len(fields(EpochRecord))
    released = history.get("released")
    for row in [*history["epochs"], *([] if released is None else [released])]:
        if not isinstance(row, (list, tuple)) or len(row) != width:
            return f"an epoch record that is not {width} numbers"
        if not all(_is_number(v) and math.isfinite(v) for v in row) or row[0] < 0:
            return "an epoch record with a negative epoch, a non-number or a non-finite one"
        if not float(row[0]).is_integer() or row[0] >= 2**31:  # (a step TensorBoard refused)
            return f"an epoch record whose epoch is no whole number below 2**31 ({row[0]})"
    stats, per_epoch = history.get("stats"), history.get("epoch_stats", [])
    if not isinstance(stats, dict) or not all(_is_number(v) for v in stats.values()):
        return "'stats' is not a mapping of names to numbers"
    if not isinstance(per_epoch, list) or not all(
        isinstance(d, dict) and all(_is_number(v) for v in d.values()) for d in per_epoch
    ):
        return "'epoch_stats' is not a list of mappings of names to numbers"
    return None


def shape_differences(expected: Mapping[str, Any], found: Mapping[str, Any], *, built: str) -> str:
    """`state_mismatch`'s words for weights ``found`` unlike shapes ``expected`` (None: lazy)."""
    parts = [f"{label} {first_few(keys, 5)}"
             for label, keys in (("missing", [k for k in expected if k not in found]),
                                 ("unexpected", [k for k in found if k not in expected])) if keys]
    return "; ".join(parts + [f"{k} has shape {list(found[k].shape)}, {built} {list(shape)}"
                              for k, shape in expected.items() if k in found and shape is not None
                              and found[k].shape != shape][:3])  # fmt: skip


def state_mismatch(model: nn.Module, state: dict[str, torch.Tensor]) -> str | None:
    """How ``state`` does not fit ``model`` (keys missing or unexpected, shapes that differ,
    or a weight whose dtype is not the model's kind: integers, bools or complex numbers where
    it has floats, which torch's ``load_state_dict`` would cast without a word), or None.
    float64 weights of a float32 model fit, as torch casts them."""
    own = model.state_dict()
    if problem := shape_differences({k: None if is_lazy(v) else v.shape for k, v in own.items()},
                                    state, built="the model's"):
        return problem
    for key, value in own.items():
        theirs = state[key].dtype
        floats = value.is_floating_point() and state[key].is_floating_point()
        if theirs != value.dtype and not floats:
            return f"{key} has dtype {theirs} where the model has {value.dtype}"
    return None


def load_state(model: nn.Module, state: dict[str, torch.Tensor], *, path: Path,
               what: str = "this model") -> None:
    """Load a checked checkpoint's ``state`` into ``model``, or a `DataError` naming the
    file and how it does not fit (`state_mismatch`)."""
    problem = state_mismatch(model, state)
    if problem is None:
        try:
            model.load_state_dict(state)
        except (RuntimeError, KeyError, TypeError, ValueError, IndexError) as exc:
            problem = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    if problem is not None:
        raise DataError(f"checkpoint {shown_path(path)} does not fit {what}: {problem}; delete "
                        "it to retrain that model")


def check_checkpoint_dir(
    directory: Path | None,
    *,
    fingerprint: str | None,
    settings: Mapping[str, Any],
    num_models: int | None = None,
) -> Mapping[str, Any] | None:
    """Refuse, before any training, a checkpoint folder written under another config (or
    other `resume_settings` than ``settings``, unless it holds all ``num_models`` models:
    then they are only loaded, none trained beside them), and a file in the folder's place
    (saving the first chunk failed, its training lost). Return the settings every model
    loaded from it must hold (`load_model`): ``settings``, or the first file's if complete."""
    if directory is not None and os.path.lexists(directory) and not directory.is_dir():
        raise DataError(
            f"{shown_path(directory)}: not a folder (a file of that name is in the way of the "
            "models' checkpoints); nothing was trained. Move it away, or run in a new directory "
            "(hydra.run.dir=...)"
        )
    if directory is None or fingerprint is None or not directory.is_dir():
        return settings
    first = min(directory.glob("model_*.pt"), default=None)
    if first is None:
        return settings
    payload = load_checkpoint(first, fingerprint=fingerprint)
    _refuse_other_versions(first, payload)
    if num_models is not None and all(
            checkpoint_path(directory, k).exists() for k in range(num_models)):  # fmt: skip
        return payload.get("settings")  # (complete: loaded, none trained beside them)
    _refuse_other_settings(first, payload, settings)
    return settings


def _history_to_payload(history: ModelHistory) -> dict[str, Any]:
    return {
        "epochs": [_record_row(record) for record in history.epochs],
        "stats": {key: float(value) for key, value in history.stats.items()},
        "epoch_stats": [{key: float(value) for key, value in stats.items()}
                        for stats in history.epoch_stats],
        "released": None if history.released is None else _record_row(history.released),
    }


def _record_row(record: EpochRecord) -> list[float]:
    return list(map(float, vars(record).values()))


def _record(row: list[float]) -> EpochRecord:
    return EpochRecord(int(row[0]), *map(float, row[1:]))


def _history_from_payload(payload: dict[str, Any]) -> ModelHistory:
    released = payload.get("released")  # (checkpoints written before it have none)
    return ModelHistory(
        epochs=[_record(row) for row in payload["epochs"]],
        stats=dict(payload["stats"]),
        epoch_stats=[dict(stats) for stats in payload.get("epoch_stats", [])],
        released=None if released is None else _record(released),
    )


def save_model(
    path: Path,
    model: nn.Module,
    history: ModelHistory,
    *,
    fingerprint: str | None,
    settings: Mapping[str, Any] | None = None,
) -> None:
    """Checkpoint one trained model with its history, the config fingerprint and the
    `resume_settings` it trained under (``None``: not recorded)."""
    state = {name: value.cpu() for name, value in model.state_dict().items()}
    save_state(path, state, _history_to_payload(history), fingerprint=fingerprint,
               settings=settings)  # fmt: skip


def save_state(
    path: Path,
    state: dict[str, torch.Tensor],
    history: dict[str, Any],
    *,
    fingerprint: str | None,
    settings: Mapping[str, Any] | None = None,
) -> None:
    """`save_model`'s checkpoint of a model's ``state`` and its ``history`` as a checkpoint
    holds it (a model store's entry holds both so)."""
    payload = {
        "state_dict": state,
        "history": history,
        "fingerprint": fingerprint,
        # which model of the plan: a file copied over another's is refused on loading
        "index": _index_in_name(path),
        # what trained it: a resume under other versions is refused (`load_model`)
        "versions": training_versions(),
    }
    if settings is not None:  # (a resume under others is refused: `check_checkpoint_dir`)
        payload["settings"] = dict(settings)
    save_checkpoint(path, payload)


def resume_settings(config: Any) -> dict[str, Any]:
    """The train settings a checkpoint's fingerprint leaves out that still change the models
    a resume trains (how: `resume_why`), train.device and train.threads as resolved here;
    `mia_defense.tracking.run_dir.resume_differences` compares them in results.json's config."""
    return {"train.chunk_size": config.chunk_size,
            "train.device": resolve_device(config.device).type,
            "train.threads": config.threads or usable_cores()}  # fmt: skip


def _refuse_other_settings(
    path: Path, payload: Mapping[str, Any], settings: Mapping[str, Any], *, later: bool = False
) -> None:
    """A resume's refusal (`ConfigError`) of the checkpoint ``payload`` of ``path`` saved
    under other `resume_settings` than ``settings`` (results.json's config says the same;
    with it lost, a resume under another train.chunk_size or device mixed models). A
    ``later`` file (`load_model`) than the one `check_checkpoint_dir` read: a `DataError`."""
    saved = payload.get("settings")
    changed = changed_keys(saved, settings)
    if not changed:
        return
    shown = "; ".join(f"{k}: {json.dumps(saved[k])} -> {json.dumps(settings[k])}"
                      for k in changed)  # fmt: skip
    again = " ".join(f"{k}={json.dumps(saved[k])}" for k in changed)
    if later:  # (copied from another run of this config: its first file was these settings')
        raise DataError(f"checkpoint {shown_path(path)} was trained under other settings than "
                        f"the models saved beside it ({shown}); a resume would mix the two, "
                        f"nothing was trained. Delete {shown_path(path)} to retrain that model, "
                        f"or {shown_path(path.parent)} to retrain them all")  # fmt: skip
    raise ConfigError(
        f"checkpoint {shown_path(path)} was trained under other settings ({shown}), which "
        f"change the models trained ({resume_why(changed)}), so "
        f"a resume would mix the two; nothing was trained. Resume with {again}, delete "
        f"{shown_path(path.parent)} to retrain its models under these, or run in a new directory "
        "(hydra.run.dir=... or a new hydra.sweep.dir)"
    )


def load_model(
    path: Path, model: nn.Module, *, fingerprint: str | None,
    settings: Mapping[str, Any] | None = None,
) -> ModelHistory:
    """Load a checkpoint saved by `save_model` into ``model`` to resume a run; return its
    history. One trained under other library versions (`training_versions`) or other
    ``settings`` (`check_checkpoint_dir`'s) is refused: the run's other models differ."""
    payload = load_checkpoint(path, fingerprint=fingerprint)
    _refuse_other_versions(path, payload)
    _refuse_other_settings(path, payload, settings or {}, later=True)
    load_state(model, payload["state_dict"], path=path)
    return _history_from_payload(payload["history"])

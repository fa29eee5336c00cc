"""Per-model checkpoints, written atomically and loaded without executing code."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from mia_defense.errors import DataError
from mia_defense.training.loop import EpochRecord, ModelHistory

__all__ = [
    "FINGERPRINT_KEYS",
    "check_checkpoint_dir",
    "checkpoint_path",
    "config_fingerprint",
    "load_checkpoint",
    "save_checkpoint",
]

# The config parts that determine the trained models (attack.canaries changes the data).
FINGERPRINT_KEYS = ("dataset", "model", "plan", "train", "defense", "seed")
# Train settings that do not change what is computed (memory and placement only).
_NEUTRAL_TRAIN_KEYS = ("chunk_size", "device", "eval_every", "threads")


def config_fingerprint(config: Mapping[str, Any]) -> str | None:
    """A short hash of the resolved config parts that determine the models.

    ``None`` for an empty config (a run built in code without one): nothing to compare.
    """
    if not config:
        return None
    parts = {key: config.get(key) for key in FINGERPRINT_KEYS}
    train = parts["train"] if isinstance(parts["train"], Mapping) else {}
    parts["train"] = {k: v for k, v in train.items() if k not in _NEUTRAL_TRAIN_KEYS}
    parts["canaries"] = (config.get("attack") or {}).get("canaries")
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def checkpoint_path(directory: Path, index: int) -> Path:
    """Where model ``index`` of a plan is saved."""
    return directory / f"model_{index:04d}.pt"


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Save tensors, numbers, strings and containers of them; atomic (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path, *, fingerprint: str | None = None) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True`` (no pickle code runs).

    With ``fingerprint`` (`config_fingerprint` of this run), a checkpoint trained under a
    different config is refused instead of silently reused.
    """
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:  # torch raises many types for corrupt files
        raise DataError(
            f"checkpoint {path} is corrupt or not a mia-defense checkpoint "
            f"({exc.__class__.__name__}); delete it to retrain that model"
        ) from exc
    if not isinstance(payload, dict) or "state_dict" not in payload:
        raise DataError(
            f"checkpoint {path} has no 'state_dict'; delete it to retrain that model"
        )
    stored = payload.get("fingerprint")
    if fingerprint is not None and stored != fingerprint:
        raise DataError(
            f"checkpoints in {path.parent} were trained with a different config (dataset, "
            f"model, plan, train, defense or seed differ: fingerprint {stored} in {path.name}, "
            f"{fingerprint} now); delete {path.parent} to retrain, or run in a new directory "
            "(hydra.run.dir=... or a new hydra.sweep.dir)"
        )
    return payload


def check_checkpoint_dir(directory: Path | None, *, fingerprint: str | None) -> None:
    """Refuse, before any training, a checkpoint folder written under another config."""
    if directory is None or fingerprint is None or not directory.is_dir():
        return
    first = next(iter(sorted(directory.glob("model_*.pt"))), None)
    if first is not None:
        load_checkpoint(first, fingerprint=fingerprint)


def _history_to_payload(history: ModelHistory) -> dict[str, Any]:
    return {
        "epochs": [list(map(float, vars(record).values())) for record in history.epochs],
        "stats": {key: float(value) for key, value in history.stats.items()},
        "epoch_stats": [
            {key: float(value) for key, value in stats.items()} for stats in history.epoch_stats
        ],
    }


def _history_from_payload(payload: dict[str, Any]) -> ModelHistory:
    records = [EpochRecord(int(row[0]), *map(float, row[1:])) for row in payload["epochs"]]
    return ModelHistory(
        epochs=records,
        stats=dict(payload["stats"]),
        epoch_stats=[dict(stats) for stats in payload.get("epoch_stats", [])],
    )


def save_model(
    path: Path, model: nn.Module, history: ModelHistory, *, fingerprint: str | None
) -> None:
    """Checkpoint one trained model with its history and the config fingerprint."""
    save_checkpoint(
        path,
        {
            "state_dict": {name: value.cpu() for name, value in model.state_dict().items()},
            "history": _history_to_payload(history),
            "fingerprint": fingerprint,
        },
    )


def load_model(path: Path, model: nn.Module, *, fingerprint: str | None) -> ModelHistory:
    """Load a checkpoint saved by `save_model` into ``model``; return its history."""
    payload = load_checkpoint(path, fingerprint=fingerprint)
    model.load_state_dict(payload["state_dict"])
    return _history_from_payload(payload["history"])

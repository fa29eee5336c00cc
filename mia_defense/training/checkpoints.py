"""Per-model checkpoints, written atomically and loaded without executing code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from mia_defense.errors import DataError

__all__ = ["checkpoint_path", "load_checkpoint", "save_checkpoint"]


def checkpoint_path(directory: Path, index: int) -> Path:
    """Where model ``index`` of a plan is saved."""
    return directory / f"model_{index:04d}.pt"


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Save tensors, numbers, strings and containers of them; atomic (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True`` (no pickle code runs)."""
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
    return payload

"""Per-model checkpoints, written atomically and loaded without executing code."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from mia_defense.errors import ConfigError, DataError
from mia_defense.files import atomic_write
from mia_defense.training.loop import EpochRecord, ModelHistory

if TYPE_CHECKING:
    from mia_defense.data.dataset import Dataset

__all__ = [
    "CHECKPOINTS",
    "FINGERPRINT_KEYS",
    "UNDEFENDED_CHECKPOINTS",
    "check_checkpoint_dir",
    "checkpoint_path",
    "config_fingerprint",
    "load_checkpoint",
    "load_trained_model",
    "save_checkpoint",
]

# The config parts that determine the trained models (attack.canaries changes the data).
# A run directory's checkpoint folders: the target models, and the undefended shadow
# models of a naive attacker (attack.shadow_recipe=undefended).
CHECKPOINTS = "checkpoints"
UNDEFENDED_CHECKPOINTS = "checkpoints_undefended"
FINGERPRINT_KEYS = ("dataset", "model", "plan", "train", "defense", "seed")
# Train settings that do not change what is computed (memory and placement only).
_NEUTRAL_TRAIN_KEYS = ("chunk_size", "device", "eval_every", "threads")


def config_fingerprint(config: Mapping[str, Any], *, data: str | None = None) -> str | None:
    """A short hash of the resolved config parts that determine the models, and of ``data``
    (the content hash of the arrays they train on, `TrainingData.fingerprint`).

    ``None`` for an empty config (a run built in code without one): nothing to compare.
    """
    if not config:
        return None
    parts: dict[str, Any] = {key: config.get(key) for key in FINGERPRINT_KEYS}
    parts["data"] = data
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
    buffer = io.BytesIO()  # serialised in memory first: a failed disk write is then an OSError
    torch.save(payload, buffer)
    atomic_write(path, lambda handle: handle.write(buffer.getbuffer()))


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
    problem = _payload_problem(payload)
    if problem is not None:
        raise DataError(f"checkpoint {path} {problem}; delete it to retrain that model")
    stored = payload.get("fingerprint")
    if fingerprint is not None and stored != fingerprint:
        raise DataError(
            f"checkpoints in {path.parent} were trained with a different config or on different "
            f"data (dataset, its content, model, plan, train, defense or seed differ: "
            f"fingerprint {stored} in {path.name}, "
            f"{fingerprint} now); delete {path.parent} to retrain, or run in a new directory "
            "(hydra.run.dir=... or a new hydra.sweep.dir)"
        )
    return payload


def _payload_problem(payload: Any) -> str | None:
    """Why a loaded checkpoint cannot be used (missing fields, non-finite weights), or None."""
    if not isinstance(payload, dict):
        return "is not a mia-defense checkpoint (not a mapping)"
    missing = [key for key in ("state_dict", "history", "fingerprint") if key not in payload]
    if missing:
        return f"lacks {', '.join(map(repr, missing))}"
    state, history = payload["state_dict"], payload["history"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        return "has a malformed 'state_dict'"
    bad = [
        name for name, value in state.items()
        if value.is_floating_point() and not bool(torch.isfinite(value).all())
    ]
    if bad:
        return f"holds non-finite weights ({', '.join(bad[:3])}): the model diverged"
    if not isinstance(history, dict) or not isinstance(history.get("epochs"), list):
        return "has a malformed 'history'"
    return None


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
    try:
        model.load_state_dict(payload["state_dict"])
        return _history_from_payload(payload["history"])
    except (RuntimeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise DataError(
            f"checkpoint {path} does not fit this model ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200]}); delete it to retrain that model"
        ) from None


# -- a trained model back from a run directory -----------------------------------------------


def load_trained_model(
    run_dir: str | os.PathLike[str],
    index: int,
    *,
    undefended: bool = False,
    dataset: Dataset | None = None,
) -> nn.Module:
    """Model ``index`` of a mia-train run, rebuilt from its checkpoint: on CPU, in eval mode.

    The module is built from the config in the run's ``results.json`` (``model``, changed
    as the run's training-time defenses change it, e.g. ``defense.dp.auto_fix``) for the
    dataset's input shape and classes, then the weights of ``checkpoints/model_<index>.pt``
    are loaded with ``torch.load(weights_only=True)`` (no pickled code runs). Model ``index``
    is row ``index`` of observations.npz's ``log_probs`` and ``masks``: its log-softmax on
    the population (``population_idx``) is what the run observed under ``release=full``.

    Args:
        run_dir: the run's directory (it holds results.json and checkpoints/).
        index: which of the run's K models, 0 <= index < K.
        undefended: a naive attacker's shadow model (``checkpoints_undefended/``, written
            with ``attack.shadow_recipe=undefended``) instead of a target model.
        dataset: the run's dataset, if already loaded; ``None`` loads it from the config
            (the data file must still be where the run read it).

    Raises:
        DataError: no results.json, no such checkpoint, a corrupt one, or one written
            under another config or on other data (its fingerprint differs).
        ConfigError: ``index`` out of range, or a config that no longer builds.
    """
    from mia_defense.tracking.artifacts import read_json

    run_dir = Path(run_dir)
    results = read_json(run_dir / "results.json")
    config = results.get("config")
    if not isinstance(config, Mapping) or "model" not in config:
        raise DataError(f"{run_dir / 'results.json'}: holds no run config; point run_dir at a "
                        "directory written by mia-train")
    _check_index(index, config, run_dir=run_dir)
    path = checkpoint_path(run_dir / (UNDEFENDED_CHECKPOINTS if undefended else CHECKPOINTS),
                           index)
    if not path.is_file():
        status = results.get("status", "unknown")
        raise DataError(
            f"{path}: no checkpoint of model {index} (the run's status: {status}); "
            + ("finish the run (mia-train with the same config and directory resumes it)"
               if status != "complete" else "it was deleted or moved; run mia-train with "
               "the same config and directory to train that model again")
        )
    payload = load_checkpoint(
        path, fingerprint=config_fingerprint(config, data=results.get("data_fingerprint"))
    )
    model = _build_run_model(config, results, dataset=dataset, undefended=undefended)
    try:
        model.load_state_dict(payload["state_dict"])
    except (RuntimeError, KeyError, TypeError, ValueError) as exc:
        raise DataError(
            f"checkpoint {path} does not fit the model of {run_dir / 'results.json'} "
            f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
        ) from None
    return model.cpu().eval()


def _check_index(index: int, config: Mapping[str, Any], *, run_dir: Path) -> None:
    count = (config.get("plan") or {}).get("num_models")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0 or (
        isinstance(count, int) and index >= count
    ):
        raise ConfigError(
            f"index={index!r}: the run in {run_dir} has models 0..{count - 1 if count else '?'}"
            " (plan.num_models); pass one of them"
        )


def _build_run_model(
    config: Mapping[str, Any],
    results: Mapping[str, Any],
    *,
    dataset: Dataset | None,
    undefended: bool,
) -> nn.Module:
    """The untrained module of the run: ``model`` for the data's shape, prepared by the
    run's training-time defenses unless ``undefended``."""
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from mia_defense.defenses.compose import DefenseFactory, prepare_model
    from mia_defense.errors import MiaDefenseError
    from mia_defense.models import model_builder

    def build(key: str, **kwargs: Any) -> Any:
        try:
            return instantiate(OmegaConf.create(dict(config[key])), **kwargs)
        except InstantiationException as exc:
            if isinstance(exc.__cause__, MiaDefenseError):
                raise exc.__cause__ from None
            raise ConfigError(f"results.json config.{key}: cannot build it now ({exc})") from exc

    shape, classes = results.get("input_shape"), results.get("num_classes")
    if shape is None or classes is None:
        data = dataset if dataset is not None else build("dataset")
        shape, classes = data.input_shape, data.num_classes
    builder = model_builder(build("model", _partial_=True))
    model = builder(input_shape=tuple(shape), num_classes=int(classes))
    defenses = config.get("defense") or {}
    if undefended or not defenses:
        return model
    factory = DefenseFactory([
        instantiate(OmegaConf.create(dict(spec)), _partial_=True) for spec in defenses.values()
    ])  # fmt: skip
    return prepare_model(model, factory())

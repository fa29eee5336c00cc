"""The training recipe's plain settings (the defenses are separate strategies)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from mia_defense.constraints import Param, check_values
from mia_defense.errors import ConfigError

__all__ = ["TRAIN", "TrainConfig", "records_epoch", "resolve_device"]

# What each train.* key accepts: checked by TrainConfig and by the config checker.
TRAIN: dict[str, Param] = {
    "epochs": Param("int", low=1),
    "batch_size": Param("int", low=1),
    "lr": Param("float", low=0, low_open=True),
    "optimizer": Param("str", choices=("adam", "sgd")),
    "momentum": Param("float", low=0, high=1, high_open=True, note="sgd only"),
    "weight_decay": Param("float", low=0),
    "device": Param("str", choices=("cpu", "cuda", "auto")),
    "engine": Param("str", choices=("stacked", "opacus")),
    "chunk_size": Param("int", low=1),
    "eval_every": Param("int", low=1),
    "threads": Param("int", low=0, note="0: all usable cores"),
}


@dataclass
class TrainConfig:
    """How each model is trained.

    Attributes:
        epochs: passes over the model's members.
        batch_size: samples per step.
        lr: learning rate.
        optimizer: ``adam`` or ``sgd``.
        momentum: SGD momentum (ignored by Adam).
        weight_decay: L2 penalty passed to the optimizer.
        device: ``cpu``, ``cuda`` or ``auto`` (CUDA when present).
        engine: ``stacked`` trains the models of a chunk as one stacked ensemble
            (``torch.func``); ``opacus`` trains them one at a time, with Opacus' own
            DP-SGD (the reference implementation).
        chunk_size: models trained together by the stacked engine (bounds memory; each
            chunk's checkpoints are written when it ends).
        eval_every: record the loss/accuracy curves every this many epochs (the last
            epoch is always recorded); evaluating every model on its members and the
            test set each epoch can cost as much as training it.
        threads: intra-op threads of the stacked engine (0: every core this process may
            use). Models trained one at a time keep one thread: on tiny ops a second
            thread on a busy 2-core machine can slow them down 10-30x.
    """

    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    device: str = "cpu"
    engine: str = "stacked"
    chunk_size: int = 32
    eval_every: int = 1
    threads: int = 0

    def __post_init__(self) -> None:
        # Machine checks (CUDA, cores) are mia_defense.config.check_config's.
        problems = check_values(TRAIN, asdict(self), prefix="train")
        if problems:
            raise ConfigError("\n".join(problems))


def records_epoch(config: TrainConfig, epoch: int) -> bool:
    """Whether the curves get a point after ``epoch`` (0-based): every ``eval_every``-th
    epoch and the last one."""
    return (epoch + 1) % config.eval_every == 0 or epoch + 1 == config.epochs


def resolve_device(name: str) -> torch.device:
    """``auto`` means CUDA when present, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)

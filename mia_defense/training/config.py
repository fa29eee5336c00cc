"""The training recipe's plain settings (the defenses are separate strategies)."""

from __future__ import annotations

from dataclasses import dataclass

from mia_defense.errors import ConfigError

__all__ = ["TrainConfig"]

_OPTIMIZERS = ("adam", "sgd")


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
        batched: train the K models as one stacked computation when the model and the
            defenses allow it; ``False`` forces the per-model loop.
        chunk_size: models trained together in the stacked path (bounds memory; each
            chunk's checkpoints are written when it ends).
    """

    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    device: str = "cpu"
    batched: bool = True
    chunk_size: int = 64

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ConfigError(f"train.epochs={self.epochs}: must be >= 1")
        if self.batch_size < 1:
            raise ConfigError(f"train.batch_size={self.batch_size}: must be >= 1")
        if not self.lr > 0:
            raise ConfigError(f"train.lr={self.lr}: must be > 0")
        if self.optimizer not in _OPTIMIZERS:
            raise ConfigError(
                f"train.optimizer={self.optimizer!r}: unexpected optimizer, "
                f"choose from {_OPTIMIZERS}"
            )
        if self.weight_decay < 0:
            raise ConfigError(f"train.weight_decay={self.weight_decay}: must be >= 0")
        if self.chunk_size < 1:
            raise ConfigError(f"train.chunk_size={self.chunk_size}: must be >= 1")
        if self.device not in ("cpu", "cuda", "auto"):
            raise ConfigError(f"train.device={self.device!r}: choose from cpu, cuda, auto")

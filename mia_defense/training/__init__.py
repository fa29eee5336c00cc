"""Training: the stacked engine, the K-model ensemble with checkpoints, the histories."""

from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.loop import Ensemble, EpochRecord, ModelHistory

__all__ = [
    "Ensemble",
    "EpochRecord",
    "ModelHistory",
    "TrainConfig",
    "train_ensemble",
]

"""Training: one model's loop, the K-model ensemble (stacked where possible), checkpoints."""

from mia_defense.training.batched import BatchedDP, BatchedRecipe, train_ensemble_batched
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.loop import Ensemble, EpochRecord, ModelHistory, train_model

__all__ = [
    "BatchedDP",
    "BatchedRecipe",
    "Ensemble",
    "EpochRecord",
    "ModelHistory",
    "TrainConfig",
    "train_ensemble",
    "train_ensemble_batched",
    "train_model",
]

"""Training: one model's loop, the K-model ensemble, checkpoints."""

from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import Ensemble, train_ensemble
from mia_defense.training.loop import EpochRecord, ModelHistory, train_model

__all__ = ["Ensemble", "EpochRecord", "ModelHistory", "TrainConfig", "train_ensemble", "train_model"]

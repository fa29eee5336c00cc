"""Defenses: training-time strategies and output (release) mechanisms."""

from mia_defense.defenses.base import TrainContext, TrainingDefense
from mia_defense.defenses.release import FullRelease, Release

__all__ = ["FullRelease", "Release", "TrainContext", "TrainingDefense"]

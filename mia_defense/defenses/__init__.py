"""Defenses: training-time strategies and output (release) mechanisms."""

from mia_defense.defenses.advreg import AdversarialRegularization
from mia_defense.defenses.base import TrainContext, TrainingDefense
from mia_defense.defenses.compose import DefenseFactory, check_defenses, prepare_model
from mia_defense.defenses.distillation import Distillation
from mia_defense.defenses.dp import DPSGD
from mia_defense.defenses.regularization import (
    Dropout,
    EarlyStopping,
    LabelSmoothing,
    Mixup,
    WeightDecay,
)
from mia_defense.defenses.relaxloss import RelaxLoss
from mia_defense.defenses.release import (
    FullRelease,
    LabelOnlyRelease,
    NoiseRelease,
    Release,
    RoundingRelease,
    TemperatureRelease,
    TopKRelease,
)

__all__ = [
    "DPSGD",
    "AdversarialRegularization",
    "DefenseFactory",
    "Distillation",
    "Dropout",
    "EarlyStopping",
    "FullRelease",
    "LabelOnlyRelease",
    "LabelSmoothing",
    "Mixup",
    "NoiseRelease",
    "RelaxLoss",
    "Release",
    "RoundingRelease",
    "TemperatureRelease",
    "TopKRelease",
    "TrainContext",
    "TrainingDefense",
    "WeightDecay",
    "check_defenses",
    "prepare_model",
]

"""Defenses: training-time strategies and output (release) mechanisms.

The names below load on first use: each module brings torch, which a reader of a run's
DP accounting (`mia_defense.defenses.accounting`, numpy alone: mia-report's check of a
claimed ε) does not need.
"""

import importlib
from typing import Any

# Each public name and the module that defines it.
_HOMES = {
    "DPSGD": "dp",
    "AdversarialRegularization": "advreg",
    "DefenseFactory": "compose",
    "Distillation": "distillation",
    "Dropout": "regularization",
    "EarlyStopping": "regularization",
    "FullRelease": "release",
    "LabelOnlyRelease": "release",
    "LabelSmoothing": "regularization",
    "Mixup": "regularization",
    "NoiseRelease": "release",
    "RelaxLoss": "relaxloss",
    "Release": "release",
    "RoundingRelease": "release",
    "TemperatureRelease": "release",
    "TopKRelease": "release",
    "TrainContext": "base",
    "TrainingDefense": "base",
    "WeightDecay": "regularization",
    "check_defenses": "compose",
    "prepare_model": "compose",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})

"""Hostile values given to the defenses and releases from Python (no config schema check).

`check_config` refuses a string, a bool or NaN where a setting takes a number before any
defense is built; a Python caller (``api.observe_models(..., release=...)``, a notebook's
``instantiate``) reaches the constructors directly, where such values either failed in a
comparison's TypeError or ran as another value than results.json records.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from mia_defense import defenses
from mia_defense.defenses import (
    DPSGD,
    AdversarialRegularization,
    Distillation,
    Dropout,
    EarlyStopping,
    LabelSmoothing,
    Mixup,
    NoiseRelease,
    RelaxLoss,
    Release,
    RoundingRelease,
    TemperatureRelease,
    TopKRelease,
    TrainingDefense,
    WeightDecay,
)
from mia_defense.errors import ConfigError

# Each ran as another value than the one recorded (no error at all).
SILENTLY_CHANGED = [
    (EarlyStopping, "restore_best", "false", r"restore_best='false' \(str\): must be true or"),
    (EarlyStopping, "restore_best", None, r"restore_best=null \(NoneType\): must be true or"),
    (TopKRelease, "renormalize", "no", r"release\.renormalize='no' \(str\): must be true or false"),
    (TopKRelease, "k", 2.5, r"release\.k=2\.5 \(float\): must be an integer"),
    (RoundingRelease, "decimals", 2.5, r"release\.decimals=2\.5 \(float\): must be an integer"),
    (EarlyStopping, "patience", 2.5, r"patience=2\.5 \(float\): must be an integer"),
    (AdversarialRegularization, "attack_steps", 1.5, r"attack_steps=1\.5 \(float\): must be an"),
    (AdversarialRegularization, "hidden", 2.5, r"advreg\.hidden=2\.5 \(float\): must be an"),
    (EarlyStopping, "min_delta", math.nan, r"min_delta=nan: must be a finite number"),
    (TemperatureRelease, "temperature", math.inf, r"temperature=inf: must be a finite number"),
    (Mixup, "alpha", math.inf, r"mixup\.alpha=inf: must be a finite number"),
    (WeightDecay, "coefficient", math.inf, r"coefficient=inf: must be a finite number"),
    (RelaxLoss, "alpha", math.inf, r"relaxloss\.alpha=inf: must be a finite number"),
    (AdversarialRegularization, "strength", math.inf, r"strength=inf: must be a finite number"),
    (AdversarialRegularization, "attack_lr", math.inf, r"attack_lr=inf: must be a finite"),
    (Distillation, "lr", math.inf, r"distillation\.lr=inf: must be a finite number"),
    (Distillation, "epochs", 2.5, r"distillation\.epochs=2\.5 \(float\): must be an integer or"),
    (Dropout, "p", True, r"dropout\.p=true \(bool\): must be a number"),
    (LabelSmoothing, "smoothing", True, r"smoothing=true \(bool\): must be a number"),
    (NoiseRelease, "scale", True, r"release\.scale=true \(bool\): must be a number"),
    (TopKRelease, "k", True, r"release\.k=true \(bool\): must be an integer"),
    (DPSGD, "target_epsilon", math.inf, r"defense\.dp\.target_epsilon=inf: must be finite"),
]


@pytest.mark.parametrize(("cls", "key", "value", "message"), SILENTLY_CHANGED,
                         ids=[f"{c.__name__}.{k}={v!r}" for c, k, v, _ in SILENTLY_CHANGED])
def test_a_value_that_ran_as_another_is_refused(cls, key, value, message):
    with pytest.raises(ConfigError, match=message):
        cls(**{key: value})


def _settings(cls):
    return [(cls, name, param.default)
            for name, param in inspect.signature(cls).parameters.items()]


OURS = [getattr(defenses, name) for name in defenses.__all__]
SETTINGS = [entry for cls in OURS if isinstance(cls, type)
            and issubclass(cls, TrainingDefense | Release) for entry in _settings(cls)]
WRONG = {"str": "abc", "list": [1], "null": None, "bool": True, "10**400": 10**400,
         "nan": math.nan}
# Integer settings take any integer (the budget check or the number of classes bounds them).
INTEGERS = ("patience", "attack_steps", "warmup_epochs", "epochs", "batch_size", "k",
            "max_physical_batch_size")


def _is_wrong(kind: str, key: str, default: object) -> bool:
    """Whether the value ``WRONG[kind]`` is wrong for a setting (null and true are values
    of some)."""
    return not ((kind == "null" and default is None)
                or (kind == "bool" and isinstance(default, bool))
                or (kind == "10**400" and key in INTEGERS))


WRONG_CASES = [(cls, key, kind) for cls, key, default in SETTINGS for kind in WRONG
               if _is_wrong(kind, key, default)]


@pytest.mark.parametrize(("cls", "key", "kind"), WRONG_CASES,
                         ids=[f"{c.__name__}.{k}={kind}" for c, k, kind in WRONG_CASES])
def test_every_setting_refuses_a_wrong_kind_naming_its_key(cls, key, kind):
    # A string, a list or null failed in a comparison ('<' not supported between ...), an
    # integer beyond a float in float() (OverflowError), NaN in int() (ValueError)
    base = {"target_epsilon": 8.0} if cls is DPSGD and key != "noise_multiplier" else {}
    with pytest.raises(ConfigError, match=key):
        cls(**{**base, key: WRONG[kind]})


@pytest.mark.parametrize(("build", "check"), [
    (lambda: TopKRelease(k=np.int64(2), renormalize=np.bool_(True)), lambda r: r.k == 2),
    (lambda: Dropout(p=np.float32(0.25)), lambda d: d.p == 0.25),
    (lambda: EarlyStopping(patience=np.int32(3), restore_best=np.bool_(False)),
     lambda d: d.patience == 3 and d.restore_best is False),
    (lambda: RoundingRelease(decimals=np.uint8(3)), lambda r: r.decimals == 3),
    (lambda: Distillation(epochs=None, lr=None, batch_size=None), lambda d: d.epochs is None),
    (lambda: WeightDecay(coefficient=0), lambda d: d.coefficient == 0.0),
    (lambda: AdversarialRegularization(strength=10**30), lambda d: d.strength == 1e30),
], ids=["topk-numpy", "dropout-numpy", "early-stopping-numpy", "rounding-uint8",
        "distillation-nulls", "decay-int-0", "advreg-big-int"])
def test_numbers_of_every_kind_still_build(build, check):
    assert check(build())


def test_dp_integer_beyond_a_float_is_refused_naming_the_key():
    # float(10**400) raised OverflowError after the range check passed
    with pytest.raises(ConfigError, match=r"defense\.dp\.noise_multiplier=1000.*too large"):
        DPSGD(noise_multiplier=10**400)


def test_dp_takes_a_numpy_integer_physical_batch_size():
    # refused as 'must be an integer >= 1 or null' (only Python's int passed)
    assert DPSGD(target_epsilon=8.0, max_physical_batch_size=np.int64(64)) \
        .max_physical_batch_size == 64
    with pytest.raises(ConfigError, match=r"max_physical_batch_size=True: must be an integer"):
        DPSGD(target_epsilon=8.0, max_physical_batch_size=True)

"""EvaluationConfig took any value at construction: a bad one was refused only once
run_attacks ran, or, for a caller of `evaluate`, inside the metrics after the ROC (raw:
fprs=0.1 a TypeError from roc_metrics' loop, or later words). It is checked when built, by
run_attacks' own check (`_check_evaluation`): the very words run_attacks says."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mia_defense.attacks import EvaluationConfig, run_attacks
from mia_defense.attacks.runner import _check_evaluation, evaluate
from mia_defense.errors import ConfigError
from tests.helpers import synthetic_observations

BAD = [{"bootstrap": -1}, {"bootstrap": 2.5}, {"seed": "3"}, {"seed": -1},
       {"delta": float("nan")}, {"delta": 1.0}, {"confidence": 1.5}, {"confidence": True},
       {"confidence": float("nan")}, {"fprs": 0.1}, {"fprs": [0.1, 0.0]}, {"fprs": ["0.1"]}]


def _unchecked(**setting):
    """An EvaluationConfig holding ``setting`` as given (built past its own check)."""
    config = object.__new__(EvaluationConfig)
    for name, value in {**EvaluationConfig.__dataclass_fields__, **setting}.items():
        default = getattr(value, "default", value)
        object.__setattr__(config, name, value if name in setting else default)
    return config


def _run_attacks_says(setting):
    with pytest.raises(ConfigError) as said:
        _check_evaluation(_unchecked(**setting), given=True)
    return str(said.value)


@pytest.mark.parametrize("setting", BAD, ids=repr)
def test_bad_settings_are_refused_when_built_in_run_attacks_words(setting):
    with pytest.raises(ConfigError) as said:
        EvaluationConfig(**setting)
    assert str(said.value) == _run_attacks_says(setting)
    assert str(next(iter(setting))) in str(said.value)


@pytest.mark.parametrize("setting", BAD[:2], ids=repr)
def test_replace_is_checked_too(setting):
    with pytest.raises(ConfigError):
        replace(EvaluationConfig(), **setting)


def test_good_settings_build_and_evaluate():
    config = EvaluationConfig(fprs=[0.5, np.float32(0.1)], bootstrap=np.int64(0),
                              confidence=np.float64(0.9), delta=0, seed=3)
    truth = (np.arange(20) >= 10)[None]
    result = evaluate("x", np.arange(20.0)[None], truth, targets=np.arange(1), config=config)
    assert result.metrics.auc == 1.0 and result.intervals.num_resamples == 0


def test_run_attacks_fprs_keyword_is_still_named_as_given():
    obs = synthetic_observations(num_models=4, num_samples=20, signal=1.0)
    with pytest.raises(ConfigError, match=r"^run_attacks: fprs holds 0\.0"):
        run_attacks(obs, {}, targets=np.arange(4), fprs=(0.0,))

"""One reader per rule for the settings the metrics, the attacks and the API check: an integer
in [low, high] (never a bool) and a number in (0, 1) ([0, 1) for a δ). They were written out
a dozen times in two wordings ('must be a whole number', 'must be an integer'; 'must lie in
(0, 1)', 'must be a number in (0, 1)')."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mia_defense.errors import ConfigError
from mia_defense.metrics import bootstrap_intervals, tpr_at_fpr
from mia_defense.metrics.epsilon import clopper_pearson_upper
from mia_defense.metrics.inputs import as_fraction, as_integer
from mia_defense.metrics.one_run_audit import one_run_epsilon
from mia_defense.metrics.roc import fpr_read_at


@pytest.mark.parametrize("value", [0, 7, np.int64(7), np.uint8(3)])
def test_an_integer_in_range_is_read_as_an_int(value):
    read = as_integer(value, key="f: n", low=0, high=7)
    assert read == value and type(read) is int


@pytest.mark.parametrize("value, low, high, bound", [
    (True, 0, None, " >= 0"), (np.bool_(True), 0, None, " >= 0"), (2.0, 0, None, " >= 0"),
    ("3", 0, None, " >= 0"), (None, 0, None, " >= 0"), (-1, 0, None, " >= 0"),
    (8, 0, 7, r" in \[0, 7\]"), (1, 2, 7, r" in \[2, 7\]"), (2.5, None, None, ""),
])  # fmt: skip
def test_anything_else_is_refused_naming_the_key_the_value_and_the_range(value, low, high, bound):
    shown = re.escape(repr(value))
    with pytest.raises(ConfigError, match=rf"^f: n={shown}: must be an integer{bound}$"):
        as_integer(value, key="f: n", low=low, high=high)


def test_an_integer_without_a_lower_bound_takes_any_integer():
    assert as_integer(-5, key="f: n", low=None) == -5


def test_a_note_follows_the_rule():
    with pytest.raises(ConfigError, match=r"^f: n=0: must be an integer >= 1, obs\.num_models$"):
        as_integer(0, key="f: n", low=1, note="obs.num_models")
    with pytest.raises(ConfigError, match=r"^f: p=1: must be a number in \(0, 1\), e\.g\. 0\.9$"):
        as_fraction(1, key="f: p", note="e.g. 0.9")


@pytest.mark.parametrize("value", [0.5, np.float32(0.25), np.float64(1e-300), 0.999])
def test_a_number_strictly_inside_the_unit_interval_is_read_as_a_float(value):
    read = as_fraction(value, key="f: p")
    assert read == float(value) and type(read) is float


@pytest.mark.parametrize("value", [0, 0.0, 1, 1.0, -0.1, float("nan"), float("inf"), True,
                                   np.bool_(False), "0.5", None, 1 + 0j])
def test_a_fraction_outside_the_open_interval_or_of_another_kind_is_refused(value):
    shown = re.escape(repr(value))
    with pytest.raises(ConfigError, match=rf"^f: p={shown}: must be a number in \(0, 1\)$"):
        as_fraction(value, key="f: p")


def test_zero_is_taken_where_asked_and_one_never():
    assert as_fraction(0, key="f: delta", zero=True) == 0.0
    for value in (1.0, -1e-9, float("nan")):
        with pytest.raises(ConfigError, match=r"f: delta=.*: must be a number in \[0, 1\)$"):
            as_fraction(value, key="f: delta", zero=True)


def _curve():
    return np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.7, 1.0])


@pytest.mark.parametrize("call, said", [
    (lambda: one_run_epsilon(m=10, guesses=4, correct=4, delta=0.0, confidence=1.0),
     r"one_run_epsilon: confidence=1\.0: must be a number in \(0, 1\), e\.g\. 0\.95"),
    (lambda: one_run_epsilon(m=10, guesses=4, correct=4, delta=0.0, confidence="0.9"),
     r"one_run_epsilon: confidence='0\.9': must be a number in \(0, 1\)"),
    (lambda: tpr_at_fpr(*_curve(), True), r"tpr_at_fpr: target=True: must be a number in "),
    (lambda: fpr_read_at(*_curve(), 0), r"fpr_read_at: target=0: must be a number in \(0, 1\)"),
    (lambda: bootstrap_intervals(np.arange(4.0), [0, 1, 0, 1], fprs=(0.1,), confidence=0.0),
     r"bootstrap_intervals: confidence=0\.0: must be a number in \(0, 1\)"),
    (lambda: clopper_pearson_upper([1], np.int64(-2), 0.05),
     r"clopper_pearson_upper: trials=np\.int64\(-2\): must be an integer >= 0"),
])  # fmt: skip
def test_the_metrics_refuse_in_the_readers_words(call, said):
    """A text confidence was a raw TypeError in one_run_epsilon; the others said 'must lie in
    (0, 1), got ...' or 'must be a whole number', without the function's name."""
    with pytest.raises(ConfigError, match=f"^{said}"):
        call()

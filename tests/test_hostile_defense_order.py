"""A defense of one's own whose ``order`` is no finite number, stacked with another.

``DefenseFactory`` sorts the stack by ``order``: a string or ``None`` ended mia-train in
sorted()'s TypeError traceback (exit 1), and NaN, which compares false with everything,
left the defense wherever the config put it, before DP-SGD, which must set up first.
"""

from __future__ import annotations

import math

import pytest

from mia_defense.defenses import DPSGD, DefenseFactory, Dropout, TrainingDefense
from mia_defense.errors import ConfigError


def _ordered(value: object) -> type[TrainingDefense]:
    return type("Mine", (TrainingDefense,), {"name": "mine", "order": value})


@pytest.mark.parametrize("order", ["first", None, math.nan, math.inf, True, [1]],
                         ids=["str", "null", "nan", "inf", "bool", "list"])
def test_an_order_that_cannot_sort_the_stack_is_refused_naming_the_defense(order):
    with pytest.raises(ConfigError, match=r"defense .*Mine: its order .* must be a finite "
                                          r"number \(lower sets up first: DP-SGD's is 0"):
        DefenseFactory([_ordered(order), lambda: DPSGD(noise_multiplier=1.0)])


def test_alone_it_is_never_compared_so_a_recorded_run_still_builds():
    # load_trained_model rebuilds a finished run's stack through DefenseFactory
    assert [d.name for d in DefenseFactory([_ordered("first")])()] == ["mine"]


def test_numbers_of_any_kind_sort_as_before():
    stack = DefenseFactory([_ordered(-1.5), Dropout, lambda: DPSGD(noise_multiplier=1.0)])()
    assert [d.name for d in stack] == ["mine", "dp", "dropout"]

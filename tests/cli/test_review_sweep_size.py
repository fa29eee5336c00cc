"""Review of the sweep-size check: ranges a float quotient cannot count."""

from __future__ import annotations

import logging

import pytest
from omegaconf import OmegaConf

from mia_defense.cli.sweep_checks import refuse_huge_sweep

BIG = "1" + "0" * 400


def _sweep(*overrides: str):
    return OmegaConf.create({"hydra": {
        "sweeper": {"_target_": "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
                    "params": None},
        "overrides": {"task": list(overrides)}}})  # fmt: skip


@pytest.mark.parametrize(
    ("override", "said"),
    [
        (f"seed=range(0,{BIG})", "the sweep holds 1" + "0" * 400 + " runs"),
        ("train.lr=range(0,1,1e-320)", "more than the 100000 one sweep may hold"),
        ("seed=range(0,inf)", "seed=range(0,inf): a range's start, stop and step must be "
                              "finite numbers"),
        ("seed=range(0,nan)", "seed=range(0,nan): a range's start, stop and step must be "
                              "finite numbers"),
    ],
)
def test_a_range_beyond_a_float_is_refused_as_a_sweep_not_as_a_folder(override, said, caplog):
    # each was an OverflowError/ValueError in the check, reported by _fails_closed as
    # 'hydra.sweep.dir=...: cannot be checked ... Point hydra.sweep.dir at a new or empty
    # directory': the wrong key and the wrong advice
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as stop:
        refuse_huge_sweep(_sweep(override))
    assert stop.value.code == 2
    assert said in caplog.text
    assert "hydra.sweep.dir" not in caplog.text.replace("own hydra.sweep.dir", "")


def test_a_small_float_range_still_passes():
    refuse_huge_sweep(_sweep("train.lr=range(0,1,0.1)", "seed=range(0,10)"))

"""DP-SGD's clipping norm C: defense.dp.max_grad_norm=1e-12 or 1e12 trained models that
learned nothing (steps too small to move the weights; noise of std σ·C drowning unclipped
gradients) without a word; 1e-40 and 1e39, 0 and inf in float32, trained too (helper h92)."""

from __future__ import annotations

import logging
import re

import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.defenses import DPSGD
from mia_defense.errors import ConfigError
from mia_defense.pipeline.data import prepare_data


@pytest.mark.parametrize("clip", [1e-40, 1e39])
def test_a_clip_norm_beyond_float32_is_refused(clip):
    shown = re.escape(f"{clip:g}")
    with pytest.raises(ConfigError, match=rf"defense.dp.max_grad_norm={shown}: outside "
                       r"float32's range .*inside \[0.001, 1000\]"):
        DPSGD(noise_multiplier=1.0, max_grad_norm=clip)


@pytest.mark.parametrize(("kwargs", "effect"), [
    ({"noise_multiplier": 1.0, "max_grad_norm": 1e-12}, "too small to move the weights"),
    ({"noise_multiplier": 0.0, "max_grad_norm": 1e-4}, "too small to move the weights"),
    ({"noise_multiplier": 1.0, "max_grad_norm": 1e12}, "the noise (std σ·C per coordinate)"),
    ({"target_epsilon": 8.0, "max_grad_norm": 5e3}, "the noise (std σ·C per coordinate)"),
])
def test_a_meaningless_clip_norm_is_named_with_the_sensible_range(kwargs, effect):
    problem = DPSGD(**kwargs).clip_norm_problem()
    assert problem is not None
    assert problem.startswith(f"defense.dp.max_grad_norm={kwargs['max_grad_norm']:g}: "
                              "outside [0.001, 1000]")
    assert effect in problem and "defense.dp.max_grad_norm=1.0" in problem


@pytest.mark.parametrize(("sigma", "clip"), [(1.0, 1.0), (1.0, 0.01), (1.0, 100.0),
                                             (0.0, 1e6)])  # σ=0, C=1e6: plain SGD (tests)
def test_usual_clip_norms_and_no_clipping_without_noise_are_not_warned(sigma, clip):
    assert DPSGD(noise_multiplier=sigma, max_grad_norm=clip).clip_norm_problem() is None


def test_a_run_warns_of_a_meaningless_clip_norm_once_before_training(make_cfg, caplog):
    cfg = make_cfg("defense=dp", "defense.dp.max_grad_norm=1e-12", "plan.num_models=4")
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        prepare_data(build_experiment(cfg))
    said = [r.getMessage() for r in caplog.records if "max_grad_norm=1e-12" in r.getMessage()]
    assert len(said) == 1 and "outside [0.001, 1000]" in said[0]

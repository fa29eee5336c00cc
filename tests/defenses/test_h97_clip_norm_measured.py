"""DP-SGD's clipping norm judged against the model's own per-sample gradient norms and the
optimiser: the fixed range [0.001, 1000] warned of C=1e-4 under Adam, which trains as C=1
(Adam divides its steps by the gradients' size), and was silent on C=1000 under Adam and
C=0.001 under SGD, both trained to chance on digits (helper h97)."""

from __future__ import annotations

import logging

import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.defenses import DPSGD
from mia_defense.defenses.compose import steps_scale_free
from mia_defense.pipeline.data import prepare_data

NORMS = [30.0, 45.0, 60.0]  # per-sample gradient norms at the initial weights


@pytest.mark.parametrize(("clip", "adaptive", "said"), [
    (1e-4, True, None),  # Adam: the clipped, noised mean 1e-4/64 is far above its eps
    (1e-4, None, "outside [0.001, 1000]"),  # an optimiser not known here: the fixed range
    (1e-4, False, "outside [0.001, 1000]"),
    (1e-12, True, "outside [0.001, 1000]"),  # below Adam's eps
    (1000.0, True, "more than 10 times the median of the per-sample gradient norms"),
    (1000.0, None, "more than 10 times the median of the per-sample gradient norms"),
    (1000.0, False, None),  # SGD still learns there (68% on digits)
    (400.0, True, None),
    (0.01, False, "below 1/1000 of the per-sample gradient norms"),
    (0.01, True, None),
    (1.0, False, None),
])  # fmt: skip
def test_the_clip_norm_is_judged_by_the_models_norms_and_the_optimiser(clip, adaptive, said):
    problem = DPSGD(noise_multiplier=1.0, max_grad_norm=clip).clip_norm_problem(
        NORMS, adaptive=adaptive, batch_size=64
    )
    if said is None:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(f"defense.dp.max_grad_norm={clip:g}: ")
        assert said in problem


def test_without_noise_a_large_clip_norm_is_not_warned():
    dp = DPSGD(noise_multiplier=0.0, max_grad_norm=1000.0)
    assert dp.clip_norm_problem(NORMS, adaptive=True, batch_size=64) is None


@pytest.mark.parametrize(("optimizer", "scale_free"), [
    ("adam", True), ("sgd", False), ({"_target_": "torch.optim.AdamW"}, True),
    ({"_target_": "torch.optim.SGD", "lr": 0.1}, False), ({"_target_": "my.Opt"}, None),
])  # fmt: skip
def test_optimisers_are_told_apart(optimizer, scale_free):
    assert steps_scale_free(optimizer) is scale_free


@pytest.mark.parametrize(("overrides", "warned"), [
    (["defense.dp.max_grad_norm=1e-4"], False),  # warned before, trains as C=1
    (["defense.dp.max_grad_norm=1000"], True),  # silent before, trained to chance
    (["defense.dp.max_grad_norm=0.001", "train.optimizer=sgd", "train.lr=0.1"], True),
    (["defense.dp.max_grad_norm=1.0"], False),
])  # fmt: skip
def test_a_run_judges_its_clip_norm_before_training(make_cfg, caplog, overrides, warned):
    cfg = make_cfg("defense=dp", "defense.dp.target_epsilon=null",
                   "defense.dp.noise_multiplier=1.0", *overrides)  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        prepare_data(build_experiment(cfg))
    said = [m for m in caplog.messages if m.startswith("defense.dp.max_grad_norm=")]
    assert len(said) == int(warned), said

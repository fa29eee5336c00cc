"""A DP-SGD clipping norm so small that no weight can move (h418): mia-train defense=dp
defense.dp.max_grad_norm=1e-30 trained every model, then stopped with 'training changed
none of its weights' (exit 2). Each step moves a weight by at most lr/eps (Adam) or
lr/(1 - momentum) (SGD) times the clipped, noised mean gradient's largest coordinate; below
half the float spacing at every initial weight, the run is now refused before the plan's
models are built or its folder claimed. A tiny C that trains is not refused."""

from __future__ import annotations

import pytest

from mia_defense.cli.build import build_experiment, run
from mia_defense.errors import ConfigError
from mia_defense.pipeline.data import prepare_data


@pytest.mark.parametrize("overrides", [
    ("defense.dp.max_grad_norm=1e-30",),
    ("defense.dp.max_grad_norm=1e-30", "train.optimizer=sgd"),
    ("defense.dp.max_grad_norm=1e-25", "defense.dp.target_epsilon=null",
     "defense.dp.noise_multiplier=0"),
], ids=["adam", "sgd", "no-noise"])  # fmt: skip
def test_a_clip_norm_that_moves_no_weight_is_refused_before_training(
    make_cfg, tmp_path, overrides
):
    with pytest.raises(ConfigError) as refused:
        run(make_cfg("defense=dp", *overrides), tmp_path / "run")
    said = str(refused.value)
    assert "\n" not in said
    assert said.startswith(f"{overrides[0]}: too small for any weight to move: ")
    assert said.endswith("set it near the per-sample gradient norms (e.g. "
                         "defense.dp.max_grad_norm=1.0)")  # fmt: skip
    assert not (tmp_path / "run").exists()  # (refused before the claim: nothing trained)


@pytest.mark.parametrize("overrides", [
    ("defense.dp.max_grad_norm=1e-12",),  # trains (digits: exit 0), warned only
    ("defense.dp.max_grad_norm=1e-30", "train.weight_decay=0.1"),  # decay moves the weights
    ("defense.dp.max_grad_norm=1e-30", "defense.dp.target_epsilon=null",
     "defense.dp.noise_multiplier=1e28"),  # noise of std 0.01 moves them
], ids=["tiny", "weight-decay", "loud-noise"])  # fmt: skip
def test_a_tiny_clip_norm_that_can_move_a_weight_is_not_refused(make_cfg, overrides):
    prepare_data(build_experiment(make_cfg("defense=dp", *overrides)))

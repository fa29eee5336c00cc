"""A user's own module by ``_target_`` through the real config and entry point."""

from __future__ import annotations

import pytest

from mia_defense.cli.train import run
from mia_defense.errors import ConfigError, UnsupportedModelError
from mia_defense.tracking import read_json

SMALL = ["plan.num_models=2", "plan.population_size=100", "train.epochs=2", "train.batch_size=16"]


def test_user_module_with_its_own_arguments(make_cfg, tmp_path):
    cfg = make_cfg("model=custom", "model._target_=tests.models.user_models.WidthNet",
                   "+model.width=12", "+model.classes=10", *SMALL)
    result = run(cfg, tmp_path)
    assert result.utility["test_accuracy"] > 0.3


def test_user_module_taking_num_classes_from_the_data(make_cfg, tmp_path):
    cfg = make_cfg("model=custom", "model._target_=tests.models.user_models.ClassesOnly",
                   "+model.hidden=8", *SMALL)
    assert run(cfg, tmp_path).utility["test_accuracy"] > 0.2


def test_leftover_mlp_keys_get_a_clear_error(make_cfg, tmp_path):
    cfg = make_cfg("model._target_=tests.models.user_models.WidthNet", *SMALL)
    with pytest.raises(ConfigError) as caught:
        run(cfg, tmp_path)
    for key, value in (("hidden", "[128]"), ("activation", "'relu'"), ("dropout", "0.0")):
        assert (f"model.{key}={value}: unknown key '{key}' for tests.models.user_models.WidthNet; "
                "valid keys: width, classes, features (your own module: start from model=custom"
                ) in str(caught.value)  # fmt: skip
    assert "model.width: missing; tests.models.user_models.WidthNet takes width with no " \
        "default; set it, e.g. +model.width=..." in str(caught.value)
    assert not (tmp_path / "checkpoints").exists()


@pytest.mark.parametrize("defense", ["relaxloss", "dp"])
def test_a_user_module_with_a_0_dim_parameter_trains_with_a_defense_and_white_box(
    make_cfg, tmp_path, defense
):
    """A learned temperature (nn.Parameter(torch.tensor(1.0))): any training-time defense
    ended in an IndexError traceback after training (the released weights' comparison,
    DP-SGD's per-sample norms and noise flattened dim 1 of [K]), and the white-box gradient
    norms were skipped with one; the run now completes with every attack."""
    cfg = make_cfg("model=custom", "model._target_=tests.models.user_models.TemperatureNet",
                   f"defense={defense}", *SMALL)
    result = run(cfg, tmp_path)
    assert read_json(tmp_path / "results.json")["status"] == "complete"
    assert "gradient_norm" in result.attacks


@pytest.mark.parametrize("scaled", ["false", "true"])  # ghost norms, or vmap's
def test_a_bfloat16_user_module_gets_the_white_box_attack(make_cfg, tmp_path, scaled):
    """Its per-sample gradient norms were bfloat16, which numpy cannot hold: the white-box
    gradient norms were skipped with "TypeError: Got unsupported ScalarType BFloat16"."""
    cfg = make_cfg("model=custom", "model._target_=tests.models.user_models.BFloat16Net",
                   f"+model.scaled={scaled}", *SMALL)
    assert "gradient_norm" in run(cfg, tmp_path).attacks


@pytest.mark.parametrize("engine", ["stacked", "opacus"])
def test_a_bfloat16_user_module_under_dp_is_refused_saying_to_hold_it_in_float32(
    make_cfg, tmp_path, engine
):
    """Both engines ended in a traceback (a dtype mismatch of the per-sample gradients)."""
    cfg = make_cfg("model=custom", "model._target_=tests.models.user_models.BFloat16Net",
                   "defense=dp", f"train.engine={engine}", *SMALL)
    with pytest.raises(UnsupportedModelError) as caught:
        run(cfg, tmp_path)
    assert "trainable parameters in bfloat16" in str(caught.value)
    assert "hold the model in float32" in str(caught.value)
    assert not (tmp_path / "checkpoints").exists()

"""Training that changed no weight: a learning rate of 1e-30 (float32 rounds every step
away) left each digits MLP at its random initialisation, 0.134 test accuracy against the
majority class's 0.105 (seed 4), and the run reported a privacy verdict (strongest attack
TPR 0.0075 at 0.1% FPR) of untrained models; defense.distillation.lr=1e-30 did the same to
the students (0.117 against 0.112, seed 0). Such a run is refused now, before any model is
saved, and results.json says why (helper h131)."""

from __future__ import annotations

import math

import pytest
from torch import nn

from mia_defense.cli.build import run
from mia_defense.errors import ConfigError
from mia_defense.tracking.artifacts import read_json

TINY = ("plan.num_models=2", "plan.population_size=100", "train.batch_size=16",
        "train.epochs=2", "attack.bootstrap=0", "figures=false")  # fmt: skip


def test_models_whose_training_changed_no_weight_are_refused(make_cfg, tmp_path):
    cfg = make_cfg(*TINY, "train.lr=1e-30")
    # (both untrained: the refusal named 'model 1' alone, h345)
    with pytest.raises(ConfigError, match=r"^each of the 2 models: training changed none of its "
                       r"weights: after its 2 epoch\(s\) they are its initialisation's"):
        run(cfg, tmp_path)
    payload = read_json(tmp_path / "results.json")
    assert payload["status"] == "failed"
    assert "training changed none of its weights" in payload["failed"]["message"]
    assert not list((tmp_path / "checkpoints").glob("*.pt"))  # refused before saving


def test_students_whose_training_changed_no_weight_are_refused(make_cfg, tmp_path):
    cfg = make_cfg(*TINY, "defense=distillation", "plan.reference_size=50",
                   "defense.distillation.lr=1e-30")
    with pytest.raises(ConfigError, match=r"defense.distillation: training changed none of "
                       r"the weights of 2 of the 2 student\(s\) in their 2 epoch\(s\).*"
                       r"\(defense.distillation.lr=1e-30\)"):
        run(cfg, tmp_path)


def test_a_model_with_a_frozen_layer_that_trains_the_others_is_taken(make_cfg, tmp_path):
    # the comparison is of the trainable parameters: a frozen one (unchanged by design)
    # beside trained ones is no untrained model
    cfg = make_cfg(*TINY, "model=custom", f"model._target_={__name__}.partly_frozen")
    result = run(cfg, tmp_path)
    assert result.utility["train_accuracy"] > 0


def partly_frozen(input_shape, num_classes) -> nn.Module:
    """An MLP whose first layer is frozen (requires_grad=False): only its head trains."""
    net = nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), 16), nn.ReLU(),
                        nn.Linear(16, num_classes))  # fmt: skip
    net[1].requires_grad_(False)
    return net


def test_advreg_inference_models_the_game_never_changed_are_refused(make_cfg, tmp_path):
    # defense.advreg.attack_lr=1e-30: float32 rounds every step of the inference models
    # away; the classifiers trained against fixed random ones and the run was reported as
    # defended by advreg
    cfg = make_cfg(*TINY, "defense=advreg", "plan.reference_size=50",
                   "defense.advreg.attack_lr=1e-30")
    with pytest.raises(ConfigError, match=r"defense.advreg: the game changed none of the "
                       r"weights of 2 of the 2 inference model\(s\).*not defended by advreg; "
                       r"raise defense.advreg.attack_lr \(now 1e-30\)"):
        run(cfg, tmp_path)

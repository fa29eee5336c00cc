"""Training functions of the user's own (train.fit) gone wrong: one that returned NaN
weights stopped the run as 'training diverged ... likely cause: train.lr=0.001 (lower the
learning rate first)', the built-in engine's settings, which had trained nothing; one that
trained every model alike, whatever its members, was attacked as if each had trained on its
own (no leak seen) (helper h92)."""

from __future__ import annotations

import pytest
import torch

from mia_defense.cli.build import run
from mia_defense.errors import ConfigError, DivergedError


def nan_weights(model, members, recipe):
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(float("nan"))
    return model


def test_a_user_fit_returning_nan_weights_is_named_as_the_likely_cause(make_cfg, tmp_path):
    cfg = make_cfg("model=logistic", f"+train.fit._target_={__name__}.nan_weights",
                   "plan.num_models=2", "plan.population_size=100", "train.batch_size=16",
                   "attack.bootstrap=0")
    with pytest.raises(DivergedError) as caught:
        run(cfg, tmp_path)
    message = str(caught.value)
    assert f"likely cause: train.fit._target_={__name__}.nan_weights, which trained the " \
           "models" in message
    assert "train.lr" not in message


def same_for_all(model, members, recipe):
    """Ignores the members: re-seeds and trains every model alike (on the test set)."""
    torch.manual_seed(0)
    for layer in model.modules():
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.as_tensor(members.x_test).flatten(1), torch.as_tensor(members.y_test)
    for _ in range(3):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    return model


def test_a_user_fit_training_every_model_alike_is_refused(make_cfg, tmp_path):
    # every model the same whatever its members: the attacks saw no leak (AUC 0.500) and the
    # test accuracy (0.984) was of the data the models had trained on
    cfg = make_cfg("model=logistic", f"+train.fit._target_={__name__}.same_for_all",
                   "plan.num_models=2", "plan.population_size=100", "train.batch_size=16",
                   "attack.bootstrap=0")
    with pytest.raises(ConfigError, match=rf"train.fit._target_={__name__}.same_for_all "
                       r"returned model 1 with exactly the weights of model 0"):
        run(cfg, tmp_path)
    assert not (tmp_path / "checkpoints" / "model_0001.pt").exists()  # refused before saving

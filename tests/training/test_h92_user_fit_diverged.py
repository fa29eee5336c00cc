"""A training function of the user's own (train.fit) that returned NaN weights stopped the
run as 'training diverged ... likely cause: train.lr=0.001 (lower the learning rate
first)': the built-in engine, whose settings those are, had trained nothing (helper h92)."""

from __future__ import annotations

import pytest
import torch

from mia_defense.cli.build import run
from mia_defense.errors import DivergedError


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

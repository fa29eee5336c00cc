"""A training function of the user's own (train.fit) that trained a copy of the model it was
given and returned the original: the run attacked the K untrained models (digits, logistic,
seeds 0-3: test accuracy 0.109-0.125 against the majority class's 0.103-0.106) and gave a
privacy verdict of each (helper h131). Refused now, by name, before the model is saved."""

from __future__ import annotations

import copy

import pytest
import torch

from mia_defense.cli.build import run
from mia_defense.errors import ConfigError


def trains_a_copy(model, members, recipe):
    trained = copy.deepcopy(model)
    optimizer = torch.optim.SGD(trained.parameters(), lr=0.1)
    x, y = torch.as_tensor(members.x).flatten(1), torch.as_tensor(members.y)
    for _ in range(3):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(trained(x), y).backward()
        optimizer.step()
    return model  # (the slip: the original, untouched)


def test_a_user_fit_returning_the_model_untrained_is_refused(make_cfg, tmp_path):
    cfg = make_cfg("model=logistic", f"+train.fit._target_={__name__}.trains_a_copy",
                   "plan.num_models=2", "plan.population_size=100", "train.batch_size=16",
                   "attack.bootstrap=0")
    with pytest.raises(ConfigError, match=rf"train.fit._target_={__name__}.trains_a_copy "
                       r"returned model 0 with the weights it was given, value for value: "
                       r"it trained nothing"):
        run(cfg, tmp_path)
    assert not (tmp_path / "checkpoints" / "model_0000.pt").exists()  # refused before saving

"""A training function of the user's own (train.fit) that changed the model outside its
weights (a forward hook scaling the logits by 5, a patched forward) had the run observe and
attack that model, while its checkpoint kept the weights alone: load_trained_model's model
released log-probabilities 1054 away from observations.npz's, and a resumed run mixed hooked
models with rebuilt ones. Refused now, by name, before the model is saved."""

from __future__ import annotations

import pytest
import torch

from mia_defense.cli.build import run
from mia_defense.errors import ConfigError


def _train(model, members) -> None:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.as_tensor(members.x).flatten(1), torch.as_tensor(members.y)
    for _ in range(3):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def hooks_the_output(model, members, recipe):
    _train(model, members)
    model.register_forward_hook(lambda module, inputs, out: out * 5.0)
    return model


def patches_forward(model, members, recipe):
    _train(model, members)
    plain = model.forward
    model.forward = lambda x: plain(x) / 2.0
    return model


def logs_with_a_hook(model, members, recipe):
    _train(model, members)
    model.register_forward_hook(lambda module, inputs, out: None)  # changes nothing
    return model


def _cfg(make_cfg, fit):
    return make_cfg("model=logistic", f"+train.fit._target_={__name__}.{fit}",
                    "plan.num_models=2", "plan.population_size=100", "train.batch_size=16",
                    "attack.bootstrap=0")  # fmt: skip


@pytest.mark.parametrize("fit", ["hooks_the_output", "patches_forward"])
def test_a_model_changed_outside_its_weights_is_refused(make_cfg, tmp_path, fit):
    with pytest.raises(ConfigError, match=rf"train.fit._target_={__name__}.{fit} returned model "
                       r"0 answering otherwise than the model its config builds with the same "
                       r"weights"):  # fmt: skip
        run(_cfg(make_cfg, fit), tmp_path)
    assert not (tmp_path / "checkpoints" / "model_0000.pt").exists()  # refused before saving


def test_a_hook_that_changes_no_output_passes(make_cfg, tmp_path):
    run(_cfg(make_cfg, "logs_with_a_hook"), tmp_path)
    assert (tmp_path / "checkpoints" / "model_0001.pt").exists()


class RandomFeatures(torch.nn.Module):
    """A fixed random projection drawn when built, kept out of the weights (as a resumed run
    rebuilds it: from the model's seed)."""

    def __init__(self, input_shape, num_classes: int) -> None:
        super().__init__()
        self.register_buffer("projection", torch.randn(input_shape[0], 32), persistent=False)
        self.fc = torch.nn.Linear(32, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1) @ self.projection)


def trains_plainly(model, members, recipe):
    _train(model, members)
    return model


def test_a_random_buffer_drawn_from_the_models_seed_passes(make_cfg, tmp_path):
    cfg = make_cfg("model=custom", f"model._target_={__name__}.RandomFeatures",
                   f"+train.fit._target_={__name__}.trains_plainly", "plan.num_models=2",
                   "plan.population_size=100", "train.batch_size=16", "attack.bootstrap=0")
    run(cfg, tmp_path)
    assert (tmp_path / "checkpoints" / "model_0001.pt").exists()

"""A model that draws in its forward when queried (dropout left on in eval mode: warned of,
then run) answered the run's queries with draws from torch's global random state, which
each process starts afresh (torch.initial_seed()): two launches of one config, with the
same trained weights, recorded other observations, test accuracy, scores and strongest
attack. The queries of mia-train (population, augmented copies, gradient norms, test set,
the members asked once) and of api.observe_models draw from the run's seed instead, and
leave the global state as they found it."""

from __future__ import annotations

import json

import numpy as np
import torch
from torch import nn

from mia_defense import api


class MCDropoutNet(nn.Module):
    """Dropout on in eval mode too (Monte-Carlo dropout)."""

    def __init__(self, input_shape, num_classes: int) -> None:
        super().__init__()
        self.fc = nn.Linear(int(np.prod(input_shape)), 32)
        self.head = nn.Linear(32, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(nn.functional.dropout(torch.relu(self.fc(x.flatten(1))), 0.3,
                                               training=True))


def _observed(global_seed: int, *, seed: int = 0):
    x = np.random.default_rng(0).normal(size=(80, 5)).astype(np.float32)
    y = np.arange(80) % 3
    plan = api.make_plan(x, y, num_models=2, population_size=40, seed=0)
    torch.manual_seed(1)
    models = [MCDropoutNet((5,), 3) for _ in range(2)]
    torch.manual_seed(global_seed)
    after_seeding = torch.get_rng_state()
    obs = api.observe_models(models, x, y, plan, num_augmented=2, white_box=True, seed=seed)
    assert torch.equal(torch.get_rng_state(), after_seeding)  # nothing drawn out of it
    return obs


def test_observe_models_answers_from_its_seed_not_the_global_state():
    first, second = _observed(global_seed=1), _observed(global_seed=2)
    for name in ("log_probs", "augmented_logits", "grad_norms", "test_log_probs"):
        a, b = getattr(first, name), getattr(second, name)
        assert a is not None, name
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert not np.array_equal(first.log_probs, _observed(global_seed=1, seed=1).log_probs)


def test_mia_train_records_the_same_numbers_under_other_global_states(make_cfg, tmp_path):
    from mia_defense.cli.train import run

    payloads, arrays = [], []
    for global_seed in (1, 2):
        cfg = make_cfg("model=custom", f"model._target_={__name__}.MCDropoutNet",
                       "plan.num_models=2", "plan.population_size=100", "train.epochs=1",
                       "train.batch_size=16", "figures=false",
                       "attack.queries.num_augmented=2")  # fmt: skip
        torch.manual_seed(global_seed)
        run(cfg, tmp_path / str(global_seed))
        payloads.append(json.loads((tmp_path / str(global_seed) / "results.json").read_text()))
        with np.load(tmp_path / str(global_seed) / "observations.npz") as saved:
            arrays.append({k: saved[k] for k in saved.files})
    assert payloads[0]["utility"] == payloads[1]["utility"]
    assert payloads[0]["strongest_attack"] == payloads[1]["strongest_attack"]
    for name in ("log_probs", "augmented_logits", "grad_norms"):
        np.testing.assert_array_equal(arrays[0][name], arrays[1][name], err_msg=name)

"""A training function of the user's own (train.fit) that wrote on the recipe it was given (a
learning-rate schedule as ``recipe.lr *= 0.5`` each epoch) changed the one recipe every
model shares: model 1 started at 0.0125 where model 0 started at 0.1, model 3 at 0.0002,
the shadows trained under other settings than the targets, a resumed run's under others
again, and results.json recorded train.lr=0.1 for all. Each call now gets its own copy."""

from __future__ import annotations

import torch

from mia_defense.cli.build import run

STARTS: list[float] = []


def halves_the_lr_each_epoch(model, members, recipe):
    STARTS.append(recipe.lr)
    optimizer = torch.optim.SGD(model.parameters(), lr=recipe.lr)
    x, y = torch.as_tensor(members.x).flatten(1), torch.as_tensor(members.y)
    for _ in range(recipe.epochs):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        recipe.lr *= 0.5  # (the slip: a schedule kept on the shared recipe)
        for group in optimizer.param_groups:
            group["lr"] = recipe.lr
    return model


def test_every_model_gets_the_recipe_as_configured(make_cfg, tmp_path):
    STARTS.clear()
    cfg = make_cfg("model=logistic", f"+train.fit._target_={__name__}.halves_the_lr_each_epoch",
                   "plan.num_models=4", "plan.population_size=100", "train.batch_size=16",
                   "train.lr=0.1", "train.epochs=3", "attack.bootstrap=0")  # fmt: skip
    run(cfg, tmp_path)
    assert STARTS == [0.1, 0.1, 0.1, 0.1]

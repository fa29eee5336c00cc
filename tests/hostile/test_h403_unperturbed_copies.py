"""h403: perturbed copies that are the record itself were asked for without a word:
api.observe_models(..., num_augmented=2, overrides=['attack.queries.noise_std=0']) and
mia-train attack.queries.noise_std=0 attack.queries.num_augmented=2 made each copy of a flat
record (or of an image neither shifted nor flipped) equal to the record, so the label-only
attack read the gap attack's signal and augmented LiRA the record's outputs again. Both now
warn before any query (queries.warn_unperturbed_copies); shifted images and noise above 0
stay silent."""

from __future__ import annotations

import logging
import re
import sys

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.cli import train

WARNED = r"attack.queries.noise_std=0 with {copies}=2: the perturbed copies of {samples} get " \
    r"feature noise alone, so each copy is the record itself"


def _setting(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, api.MembershipPlan,
                                                list[nn.Module]]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, *shape)).astype(np.float32)
    y = (x.reshape(len(x), -1)[:, 0] > 0).astype(np.int64)
    plan = api.make_plan(x, y, num_models=4, population_size=80)
    torch.manual_seed(0)
    width = int(np.prod(shape))
    models = [nn.Sequential(nn.Flatten(), nn.Linear(width, 2)) for _ in range(4)]
    return x, y, plan, models


def _warnings(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


@pytest.mark.parametrize(("shape", "overrides", "samples"), [
    ((4,), ["attack.queries.noise_std=0"], "flat samples"),
    ((1, 8, 8), ["attack.queries.noise_std=0", "attack.queries.max_shift=0"],
     r"images neither shifted nor flipped \(attack.queries.max_shift=0, flip=false\)"),
])
def test_observe_models_warns_of_copies_equal_to_the_record(shape, overrides, samples,
                                                            caplog) -> None:
    x, y, plan, models = _setting(shape)
    with caplog.at_level(logging.WARNING):
        obs = api.observe_models(models, x, y, plan, num_augmented=2, overrides=overrides)
    assert obs.augmented_logits is not None
    assert re.search(WARNED.format(copies="num_augmented", samples=samples), _warnings(caplog))


@pytest.mark.parametrize(("shape", "overrides"), [
    ((4,), []),  # (noise 0.1)
    ((1, 8, 8), ["attack.queries.noise_std=0"]),  # (shifted by up to 1 pixel)
])
def test_perturbed_copies_stay_unsaid(shape, overrides, caplog) -> None:
    x, y, plan, models = _setting(shape)
    with caplog.at_level(logging.WARNING):
        api.observe_models(models, x, y, plan, num_augmented=2, overrides=overrides)
    assert "noise_std=0" not in _warnings(caplog)


def test_mia_train_warns_of_it_too(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "argv", [
        "mia-train", "plan.num_models=2", "train.epochs=1", "figures=false", "progress=false",
        "attack.queries.noise_std=0", "attack.queries.num_augmented=2",
        f"hydra.run.dir={tmp_path / 'run'}"])
    train.main()  # (exit 0: returns; the run goes on)
    assert re.search(WARNED.format(copies="attack.queries.num_augmented",
                                   samples="flat samples"),
                     (tmp_path / "run" / "train.log").read_text())

"""attack.queries.max_shift given for flat samples was dropped unsaid: mia-train
plan.num_models=2 train.epochs=1 attack.queries.max_shift=3 (digits, 64 features) ran its
perturbed copies with feature noise alone, and the run read as one that had asked for shifted
copies (api.observe_models(..., overrides=['attack.queries.max_shift=3']) alike). It is now
said before any query, where the value differs from the default or an override set it (a
typed default, max_shift=1, included); the default itself, images and num_augmented=0 stay
silent."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.cli import train
from mia_defense.queries import QueryConfig, warn_unperturbed_copies

SAID = "the samples are flat (shape {shape}), not images [C, H, W], so there is nothing to shift"


def _said(caplog, queries: QueryConfig, shape: tuple[int, ...], overrides=()) -> list[str]:
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        warn_unperturbed_copies(queries, shape, overrides=overrides)
    return [m for m in caplog.messages if "nothing to shift" in m]


@pytest.mark.parametrize(("max_shift", "overrides"), [
    (3, ()),  # (a value other than the default: a config file's too)
    (1, ["attack.queries.max_shift=1"]),  # (a typed default)
    (2, ["attack.queries={num_augmented:8,max_shift:2}"]),
])
def test_a_shift_given_for_flat_samples_is_said(caplog, max_shift, overrides):
    queries = QueryConfig(num_augmented=8, noise_std=0.3, max_shift=max_shift)
    (said,) = _said(caplog, queries, (64,), overrides)
    assert said.startswith(f"attack.queries.max_shift={max_shift}: ")
    assert SAID.format(shape=[64]) in said and "noise_std=0.3" in said


@pytest.mark.parametrize(("queries", "shape", "overrides"), [
    (QueryConfig(num_augmented=8, noise_std=0.3), (64,), ()),  # the default
    (QueryConfig(num_augmented=8, noise_std=0.3), (64,), ["~attack.queries.max_shift"]),
    (QueryConfig(num_augmented=8, max_shift=3), (1, 8, 8), ["attack.queries.max_shift=3"]),
    (QueryConfig(num_augmented=0, max_shift=3), (64,), ["attack.queries.max_shift=3"]),
])
def test_a_shift_that_acts_or_asks_nothing_is_not(caplog, queries, shape, overrides):
    assert _said(caplog, queries, shape, overrides) == []


def warned_observing(caplog, **given) -> list[str]:
    """The warnings api.observe_models logs of two linear models of 4 flat features, given
    ``given``."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    plan = api.make_plan(x, y, num_models=2, population_size=80)
    torch.manual_seed(0)
    models = [nn.Linear(4, 2) for _ in range(2)]
    with caplog.at_level(logging.WARNING):
        api.observe_models(models, x, y, plan, **given)
    return caplog.messages


def train_log(tmp_path, monkeypatch, *overrides: str) -> str:
    """The train.log of a small mia-train run (two models, one epoch, the attack stage
    without its slow extras: bootstrap intervals, the white-box attack, Shokri's gradient
    boosting) given ``overrides``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "argv", [
        "mia-train", "plan.num_models=2", "train.epochs=1", "plan.reference_size=300",
        "figures=false", "progress=false", "attack.bootstrap=0", "attack.white_box=false",
        "attack.attacks.shokri.classifier=logistic", *overrides,
        f"hydra.run.dir={tmp_path / 'run'}"])
    train.main()
    return (tmp_path / "run" / "train.log").read_text()


def test_observe_models_says_it(caplog):
    said = warned_observing(caplog, num_augmented=2, overrides=["attack.queries.max_shift=1"])
    assert any(SAID.format(shape=[4]) in m for m in said)


def test_mia_train_says_a_typed_default(tmp_path, monkeypatch):
    log = train_log(tmp_path, monkeypatch, "attack.queries.max_shift=1")
    assert "attack.queries.max_shift=1: " + SAID.format(shape=[64]) in log

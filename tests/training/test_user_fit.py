"""A user's own training function replaces the built-in training step (issue 20, point 4):
it trains every model (targets and the adaptive attacker's shadow/reference models alike),
the run is attacked with the full suite and records that training was the user's."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.cli.build import build_experiment, run
from mia_defense.errors import ConfigError
from mia_defense.tracking import read_json
from mia_defense.training.checkpoints import checkpoint_path
from mia_defense.training.config import TrainConfig
from mia_defense.user_fit import Members, train_with_user_fit

CALLS: list[tuple[int, int, Members, TrainConfig]] = []
FIT = "tests.training.test_user_fit"
TINY = ["model=logistic", "plan.num_models=4", "plan.population_size=200", "train.epochs=2",
        "attack.bootstrap=0", "attack.queries.num_augmented=0", "attack.num_targets=1",
        "~attack.attacks.shokri"]  # fmt: skip


def class_prior_fit(model: nn.Module, members: Members, recipe: TrainConfig, *, smoothing: float):
    """'Trains' a logistic model to answer its members' class frequencies whatever the input:
    its released outputs then tell which records trained it, independently of torch's
    training code."""
    CALLS.append((members.index, len(members.y), members, recipe))
    counts = np.bincount(members.y, minlength=members.num_classes) + smoothing
    head = model[-1]
    with torch.no_grad():
        head.weight.zero_()
        head.bias.copy_(torch.log(torch.as_tensor(counts / counts.sum(), dtype=torch.float32)))
    return model


def overwrites_its_arrays_fit(model: nn.Module, members: Members, recipe: TrainConfig):
    """Trains the class prior, after wiping the arrays it was given (a user normalising
    ``members.x`` or ``x_test`` in place, say)."""
    fitted = class_prior_fit(model, members, recipe, smoothing=1.0)
    members.x[:] = 0.0
    members.y[:] = 0
    members.x_test[:] = 0.0
    members.y_test[:] = 0
    return fitted


def returns_a_number(model, members, recipe):
    return 3


def test_the_users_function_trains_every_model_and_is_recorded(make_cfg, tmp_path):
    CALLS.clear()
    cfg = make_cfg(*TINY, f"+train.fit._target_={FIT}.class_prior_fit", "+train.fit.smoothing=1")
    run(cfg, tmp_path)
    payload = read_json(tmp_path / "results.json")
    assert payload["training"]["engine"] == "user"
    assert payload["config"]["train"]["fit"] == {"_target_": f"{FIT}.class_prior_fit",
                                                 "smoothing": 1}  # fmt: skip
    # one call per model: target 0 and the three models that are only its shadows/references
    assert sorted(k for k, *_ in CALLS) == [0, 1, 2, 3]
    with np.load(tmp_path / "observations.npz") as o:
        masks, labels, log_probs = o["masks"], o["labels"], o["log_probs"]
    for k, size, members, recipe in CALLS:
        assert size == masks[k].sum() and np.array_equal(members.y, labels[masks[k]])
        assert recipe.epochs == 2 and members.stage == "model" and members.index == k
        counts = np.bincount(members.y, minlength=10) + 1.0
        np.testing.assert_allclose(log_probs[k], np.log(counts / counts.sum())[None].repeat(
            len(labels), 0), atol=1e-5)  # fmt: skip
    assert len({members.seed for _, _, members, _ in CALLS}) == 4  # a seed of its own each
    assert set(payload["attacks"]) >= {"loss", "lira_online", "rmia", "gradient_norm"}
    # a second run in the same directory resumes from the checkpoints: no model retrained
    CALLS.clear()
    run(cfg, tmp_path)
    assert CALLS == [] and read_json(tmp_path / "results.json")["training"]["engine"] == "user"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["defense=dropout"], rf"train.fit._target_={FIT}.class_prior_fit with "
                              r"defense=\[dropout\]: training-time defenses hook into the "
                              r"built-in engine"),
        (["train.engine=opacus"], r"train.engine=opacus with train.fit._target_=.*: your "
                                  r"function trains the models"),
    ],
)
def test_settings_of_the_built_in_engine_are_refused_before_training(
    make_cfg, tmp_path, overrides, message
):
    cfg = make_cfg(*TINY, f"+train.fit._target_={FIT}.class_prior_fit", *overrides)
    with pytest.raises(ConfigError, match=message):
        run(cfg, tmp_path)
    assert not (tmp_path / "checkpoints").exists()


def test_a_bad_training_function_is_named_with_the_fix(make_cfg, tmp_path):
    with pytest.raises(ConfigError, match=r"train.fit._target_=my_pkg.nothere: cannot import it"):
        build_experiment(make_cfg(*TINY, "+train.fit._target_=my_pkg.nothere"))
    cfg = make_cfg(*TINY, f"+train.fit._target_={FIT}.returns_a_number")
    with pytest.raises(ConfigError, match=rf"train.fit._target_={FIT}.returns_a_number returned "
                                          r"int for model \d; it must return the trained "
                                          r"torch.nn.Module"):  # fmt: skip
        run(cfg, tmp_path)


def test_what_the_function_does_to_its_arrays_changes_neither_the_next_model_nor_the_record():
    CALLS.clear()
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(60, 5)).astype(np.float32), rng.integers(0, 10, 60)
    masks = rng.random((3, 60)) < 0.5
    x_test, y_test = x[:20].copy(), y[:20].copy()
    config = TrainConfig(epochs=1, fit={"_target_": f"{FIT}.overwrites_its_arrays_fit"})
    ensemble = train_with_user_fit(
        build_model=lambda: nn.Sequential(nn.Flatten(), nn.Linear(5, 10)), x=x, y=y,
        masks=masks, x_test=x_test, y_test=y_test, num_classes=10, config=config, seed=0,
        progress=False,
    )
    # every call wiped its arrays; the run's data and each model's record are intact
    assert np.array_equal(x_test, x[:20]) and np.array_equal(y_test, y[:20])
    assert [size for _, size, *_ in CALLS] == [int(m.sum()) for m in masks]
    for k, history in enumerate(ensemble.histories):
        counts = np.bincount(y[masks[k]], minlength=10)
        assert history.final.train_acc == pytest.approx(counts.max() / counts.sum(), abs=1e-6)
        assert history.final.test_acc == pytest.approx(
            np.mean(y_test == counts.argmax()), abs=1e-6)


def test_a_resumed_run_says_how_many_models_it_keeps(tmp_path, caplog):
    """As the engine says it ('resuming: 2 of 3 models already trained'): the user's
    training function retrains only the model whose checkpoint is missing."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(60, 5)).astype(np.float32), rng.integers(0, 10, 60)
    masks = rng.random((3, 60)) < 0.5
    config = TrainConfig(epochs=1, fit={"_target_": f"{FIT}.class_prior_fit", "smoothing": 1.0})

    def train():  # type: ignore[no-untyped-def]
        return train_with_user_fit(
            build_model=lambda: nn.Sequential(nn.Flatten(), nn.Linear(5, 10)), x=x, y=y,
            masks=masks, x_test=x[:20], y_test=y[:20], num_classes=10, config=config, seed=0,
            checkpoint_dir=tmp_path, progress=False,
        )  # fmt: skip

    train()
    checkpoint_path(tmp_path, 1).unlink()
    CALLS.clear()
    with caplog.at_level("INFO", logger="mia_defense.user_fit"):  # (the engine's words)
        train()
    assert [k for k, *_ in CALLS] == [1]
    assert "resuming: 2 of 3 models already trained" in caplog.text

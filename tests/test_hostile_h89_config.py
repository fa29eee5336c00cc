"""A hostile user's command line (h89): values the config check let through to a traceback,
or to a run on a nonsense value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from mia_defense.api import make_plan, observe_models
from mia_defense.attack_setup import attack_config, check_attack_config
from mia_defense.budget import check_budget
from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from mia_defense.queries import QueryConfig, check_image_shifts
from mia_defense.training.config import TrainConfig, make_optimizer
from tests.conftest import TINY
from tests.helpers import mia_train


def test_an_optimizer_implementation_of_the_users_is_not_forced_fused(make_cfg):
    """mia-train asked torch for fused kernels on top: 'RuntimeError: `fused` and `foreach`
    cannot be `True` together', a traceback of the config check."""
    check_config(make_cfg("train.optimizer={_target_: torch.optim.Adam, foreach: true}"))


def test_the_users_foreach_optimizer_is_built_as_asked():
    config = TrainConfig(optimizer={"_target_": "torch.optim.Adam", "foreach": True})
    optimizer = make_optimizer([torch.zeros(1, requires_grad=True)], config)
    assert optimizer.defaults["foreach"] is True and not optimizer.defaults["fused"]


@pytest.mark.parametrize(
    ("options", "message"),
    [("{_target_: torch.optim.Adam, betas: [0.9]}",
      r"train.optimizer: Adam refused its settings \(.*\); given lr=.*betas: \[0.9\]"),
     ("{_target_: torch.optim.Adam, fused: true, foreach: true}",
      r"train.optimizer: Adam refused its settings \(`fused` and `foreach` cannot"),
     ("{_target_: torch.optim.Adam, differentiable: true}",
      r"train.optimizer: Adam refused its settings \(.*in-place.*differentiable: True")],
    ids=["short-betas", "fused-and-foreach", "differentiable"],
)
def test_optimizer_settings_torch_refuses_with_other_errors_are_config_errors(
    make_cfg, options, message
):
    """An IndexError (betas of one value) or RuntimeError (flags torch refuses together)
    escaped the check as a traceback."""
    with pytest.raises(ConfigError, match=message):
        check_config(make_cfg(f"train.optimizer={options}"))


@pytest.mark.parametrize(
    ("options", "message"),
    [("{_target_: torch.optim.SGD, momentum: 2}",
      r"train.optimizer.momentum=2: must be below 1 \(a velocity that never decays"),
     ("{_target_: torch.optim.RMSprop, momentum: 1.0}", r"train.optimizer.momentum=1.0: must"),
     ("{_target_: torch.optim.SGD, momentum: 0.9, dampening: 5}",
      r"train.optimizer.dampening=5: must be below 1"),
     ("{_target_: torch.optim.Adam, maximize: true}",
      r"train.optimizer.maximize=true: the optimiser would ascend the loss")],
    ids=["sgd-momentum", "rmsprop-momentum", "dampening", "maximize"],
)
def test_a_momentum_or_dampening_of_one_or_more_is_refused(make_cfg, options, message):
    """train.momentum is refused from 1 on, but the same value in a _target_ optimiser
    trained (SGD momentum 2: digits to 0.14, and a privacy verdict); maximize: true trained
    every model to be wrong, a whole run for 'no privacy verdict'."""
    with pytest.raises(ConfigError, match=message):
        check_config(make_cfg(f"train.optimizer={options}"))
    check_config(make_cfg("train.optimizer={_target_: torch.optim.SGD, momentum: 0.99}"))


def _never(*args: object, **kwargs: object) -> None:
    raise AssertionError("reached: the shift was not refused before it")


def _images(path: Path, side: int = 8) -> Path:
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.random((400, 1, side, side), dtype=np.float32), y=np.arange(400) % 2)
    return path


@pytest.mark.parametrize("shift", ["100", str(2**63)])
def test_a_shift_past_half_the_images_is_refused_before_training(tmp_path, monkeypatch, shift):
    """100 on 8x8 images made most augmented copies blank without a word; 2**63 stopped the
    run after training with numpy's 'ValueError: high is out of bounds for int64'."""
    monkeypatch.setattr("mia_defense.experiment.run_experiment", _never)
    data = _images(tmp_path / "images.npz")
    done = mia_train(*TINY, "model=cnn", "dataset=npz", f"dataset.path={data}",
                     f"attack.queries.max_shift={shift}",
                     "hydra.run.dir=run", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert (f"ConfigError: attack.queries.max_shift={shift}: more than half the side of the "
            "8x8 images it shifts (at most 4)") in done.stderr, done.stderr[-2000:]
    assert not (tmp_path / "run" / "results.json").exists()


def test_observe_models_refuses_such_a_shift_and_takes_half_the_side(monkeypatch):
    monkeypatch.setattr("mia_defense.api_models.observe_augmented", _never)
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 1, 8, 8), dtype=np.float32), np.arange(40) % 2
    plan = make_plan(x, y, num_models=2, population_size=20)
    models = [torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 2)) for _ in range(2)]
    with pytest.raises(ConfigError, match=r"attack.queries.max_shift=5: more than half"):
        observe_models(models, x, y, plan, num_augmented=2,
                       overrides=["attack.queries.max_shift=5"])  # fmt: skip
    check_image_shifts(QueryConfig(num_augmented=2, max_shift=4), (1, 8, 8))
    check_image_shifts(QueryConfig(num_augmented=2, max_shift=1), (3, 1, 1))  # the default
    check_image_shifts(QueryConfig(num_augmented=2, max_shift=10**9), (64,))  # flat: no shift
    check_image_shifts(QueryConfig(num_augmented=0, max_shift=10**9), (1, 8, 8))  # no copies


def _budget(**sizes: int) -> str:
    settings = {"num_models": 2, "population_size": 1000, "test_size": 500, "num_classes": 10,
                "num_params": 10_000, "num_augmented": 8, "epochs": 1, "batch_size": 64,
                "memory_bytes": 10**9, **sizes}  # fmt: skip
    with pytest.raises(ConfigError) as refused:
        check_budget(**settings)
    return str(refused.value)


def test_a_model_too_large_for_memory_is_told_to_shrink_the_model():
    """model.hidden=[30000000] (2.25e9 parameters) was told only 'lower plan.num_models,
    plan.population_size or attack.queries.num_augmented', with plan.num_models already 2."""
    said = _budget(num_params=2_250_000_010)
    assert said.startswith("model (2250000010 parameters per model): even 2 models trained "
                           "one at a time need 54 GB for their weights and optimizer state but "
                           "1 GB is available; use a smaller model (fewer or narrower layers "
                           "in the model.* settings, e.g. model.hidden); the run as planned "
                           "(plan.num_models=2) needs about "), said
    assert "lower plan.num_models" not in said  # (already the fewest: h450)
    fewer_fit = _budget(num_models=4000)
    # (and 2 models one at a time, 24 bytes a parameter: 40 were counted, 1.6 GB of 1 GB)
    fit_one_at_a_time = _budget(num_params=40_000_000, population_size=1_000_000, chunk_size=1)
    for fits in (fewer_fit, fit_one_at_a_time):
        assert fits.endswith("lower plan.num_models, plan.population_size or "
                             "attack.queries.num_augmented"), fits


@pytest.mark.parametrize("fprs", ["[1e-320]", "[0.1,1e-13]"])
def test_an_fpr_no_run_can_measure_is_refused_by_mia_train_and_mia_attack(make_cfg, fprs):
    """attack.fprs=[1e-320] trained and reported a TPR 'at' it (the TPR at FPR 0) under a
    key of 300 digits, tpr@0.000...0999989%fpr, that an objective would have to spell."""
    message = r"attack.fprs: 1e-\d+ is below 1e-12: measuring a TPR there takes 1e\+12"
    with pytest.raises(ConfigError, match=message):
        check_config(make_cfg(f"attack.fprs={fprs}"))
    with pytest.raises(ConfigError, match=message):
        check_attack_config(attack_config([f"attack.fprs={fprs}"]))
    check_config(make_cfg("attack.fprs=[1e-12,1e-7]"))


def test_a_train_fit_that_is_no_mapping_is_told_what_it_takes(make_cfg):
    """+train.fit=abc was told 'must be one of  or a {_target_: ...} or null'."""
    with pytest.raises(ConfigError, match=r"^train.fit='abc': must be a \{_target_: \.\.\.\} or "
                                          r"null \(your own training function"):
        check_config(make_cfg("+train.fit=abc"))
    with pytest.raises(ConfigError, match=r"train.optimizer='adamw': must be one of 'adam', "
                                          r"'sgd' or a \{_target_: \.\.\.\}"):
        check_config(make_cfg("train.optimizer=adamw"))


@pytest.mark.parametrize(
    ("override", "message"),
    [("attack.attacks.lira_online.online=${oc.decode:'5'}",
      r"attack.attacks.lira_online.online=5: must be true or false"),
     ("dataset.standardize=${oc.decode:'abc'}", r"dataset.standardize='abc': must be true or"),
     ("attack.attacks.rmia.gamma=${oc.decode:'nan'}",
      r"attack.attacks.rmia.gamma=nan: must be a finite number"),
     ("model._partial_=${oc.decode:'1'}", r"model._partial_=1: must be true or false"),
     ("model._partial_=${seed}", r"model._partial_=0: must be true or false")],
    ids=["lira-online", "standardize", "rmia-gamma", "partial-decoded", "partial-reference"],
)
def test_a_value_a_resolver_makes_is_checked_as_if_given(make_cfg, override, message):
    """Values of a _target_ node given by an interpolation were passed over ('checked where
    it points'), but a resolver points nowhere: lira's online=5 trained and attacked, and
    _partial_=0 stopped the run after the data was loaded with Hydra's TypeError."""
    with pytest.raises(ConfigError, match=message):
        check_config(make_cfg(override))


def test_a_reference_to_another_key_is_still_checked_where_it_points(make_cfg):
    check_config(make_cfg("attack.attacks.rmia.seed=${plan.num_models}"))
    check_config(make_cfg("model._partial_=${figures}", "figures=true"))
    with pytest.raises(ConfigError, match=r"^seed=-5: must be an integer >= 0"):
        check_config(make_cfg("seed=-5"))  # (the attacks' seeds, ${seed}, are not named again)


def test_a_defenses_weight_decay_is_not_replaced_by_the_optimizers_zero():
    """defense=weight_decay beside train.optimizer={_target_: torch.optim.AdamW,
    weight_decay: 0} trained every model without the defense's decay (the optimiser's 0
    was set over it), and reported the run as defended."""
    config = TrainConfig(optimizer={"_target_": "torch.optim.AdamW", "weight_decay": 0})
    optimizer = make_optimizer([torch.zeros(1, requires_grad=True)], config, weight_decay=0.005)
    assert optimizer.defaults["weight_decay"] == 0.005
    undefended = make_optimizer([torch.zeros(1, requires_grad=True)], config)
    assert undefended.defaults["weight_decay"] == 0
    rprop = TrainConfig(optimizer={"_target_": "torch.optim.Rprop"})  # takes no weight_decay
    make_optimizer([torch.zeros(1, requires_grad=True)], rprop, weight_decay=0)

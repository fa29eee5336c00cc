"""The Python API's errors name the argument the caller passed (``num_models=``, ``y``,
``kind=``), not mia-train's command-line keys (``plan.num_models=``) nor the internal
field names (``output_kind``, ``labels``) the CLI's messages use."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError, DataError, UnsupportedModelError

X, Y = np.random.default_rng(0).normal(size=(90, 4)), np.arange(90) % 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_models": 3}, r"make_plan: num_models=3: must be an even integer in \[2, "),
        ({"num_models": 0}, r"make_plan: num_models=0: must be an even integer in \[2, "),
        ({"population_size": 1}, r"make_plan: population_size=1, test_size=None: too few"),
        ({"test_size": 0}, r"make_plan: population_size=None, test_size=0: too few"),
        ({"population_size": 60, "test_size": 60},
         r"make_plan: population_size=60, test_size=60: .* <= the 90 rows of x"),
    ],
)
def test_make_plan_errors_name_its_arguments_not_the_cli_keys(kwargs, message):
    with pytest.raises(ConfigError, match=message) as caught:
        api.make_plan(X, Y, **kwargs)
    assert "plan." not in str(caught.value)


def test_make_plan_names_y_of_the_wrong_length_or_with_negative_labels():
    with pytest.raises(DataError, match=r"make_plan: y has shape \(10,\), expected \[90\]"):
        api.make_plan(X, Y[:10])
    with pytest.raises(DataError, match="make_plan: y holds label -1; give class indices"):
        api.make_plan(X, Y - 1)


def _outputs():
    rng = np.random.default_rng(1)
    masks = np.zeros((4, 30), dtype=bool)
    for n in range(30):
        masks[rng.permutation(4)[:2], n] = True
    return rng.dirichlet(np.ones(3), size=(4, 30)), masks, rng.integers(0, 3, 30)


@pytest.mark.parametrize("kind", ["prob", None, 3])
def test_observations_from_arrays_names_a_bad_kind_as_the_argument_kind(kind):
    probs, masks, labels = _outputs()
    with pytest.raises(ConfigError, match=rf"observations_from_arrays: kind={kind!r}: must be "
                       "one of log_probabilities, probabilities, logits"):
        api.observations_from_arrays(probs, masks, labels, kind=kind)


def test_observations_from_arrays_takes_torch_tensors_that_require_grad():
    """A model's outputs straight from a forward pass (requires_grad) were a raw numpy
    RuntimeError ("Can't call numpy() on Tensor that requires grad")."""
    import torch

    probs, masks, labels = _outputs()
    outputs = torch.tensor(probs, requires_grad=True)
    obs = api.observations_from_arrays(outputs, torch.tensor(masks), torch.tensor(labels),
                                       kind="probabilities", test_outputs=outputs * 1,
                                       test_labels=torch.tensor(labels))  # fmt: skip
    np.testing.assert_allclose(obs.log_probs, np.log(probs), rtol=1e-6)
    assert obs.test_log_probs.shape == (4, 30, 3)


def _plan_and_models():
    from torch import nn

    x = np.random.default_rng(2).normal(size=(40, 4)).astype(np.float32)
    y = np.arange(40) % 3
    plan = api.make_plan(x, y, num_models=2, population_size=30)
    return x, y, plan, [nn.Linear(4, 3), nn.Linear(4, 3)]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (lambda y: y.astype(float), r"observe_models: y has dtype float64; give integer class"),
        (lambda y: y - 1, r"observe_models: y holds label -1 among the plan's rows"),
    ],
)
def test_observe_models_names_y_not_the_observations_labels(labels, message):
    x, y, plan, models = _plan_and_models()
    with pytest.raises(DataError, match=message):
        api.observe_models(models, x, labels(y), plan)


@pytest.mark.parametrize(
    ("field", "change", "message"),
    [
        ("population_idx", lambda i: i - 100, r"plan.population_idx holds row -\d+"),
        ("population_idx", lambda i: i.astype(float), r"plan.population_idx has shape .*float"),
        ("test_idx", lambda i: np.r_[i[:-1], 0],  # row 0 of the population, if it is one
         r"plan.test_idx holds 1 rows of plan.population_idx"),
        ("masks", lambda m: m[:, :10], r"plan.masks has shape \(2, 10\): give \[K, 30\]"),
        ("masks", lambda m: m * 2, r"plan.masks has shape \(2, 30\): give .* of 0/1"),
    ],
)
def test_observe_models_refuses_a_hand_built_plan_naming_its_field(field, change, message):
    """Negative row numbers silently took rows from the end of x, a test row among the
    population measured the test accuracy on members; floats were a raw IndexError."""
    import dataclasses

    x, y, plan, models = _plan_and_models()
    if field == "test_idx":
        plan = dataclasses.replace(plan, population_idx=np.r_[0, plan.population_idx[1:]])
    bad = dataclasses.replace(plan, **{field: change(getattr(plan, field))})
    with pytest.raises(ConfigError, match=message):
        api.observe_models(models, x, y, bad)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("seed=3", r"overrides: 'seed=3': the seed is the seed= argument \(seed=0 here\), not "
                   r"an override; pass seed=3 instead"),
        ("+seed=3", r"overrides: '\+seed=3': the seed is the seed= argument"),
        ("hydra.run.dir=/tmp/x", r"overrides: 'hydra.run.dir=/tmp/x': Hydra's settings do "
                                 r"nothing here"),
    ],
)
def test_audit_refuses_overrides_the_api_would_drop_or_that_fight_its_arguments(override,
                                                                                message):
    """``seed=3`` in the overrides silently won over the seed= argument (a caller who gave
    both got an audit at a seed they did not ask for); ``hydra.run.dir=`` was taken and
    nothing was written there."""
    probs, masks, labels = _outputs()
    obs = api.observations_from_arrays(probs, masks, labels, kind="probabilities")
    with pytest.raises(ConfigError, match=message):
        api.audit(obs, overrides=["attack.bootstrap=0", override])


def test_load_observations_of_a_folder_without_them_says_which_folder_to_give(tmp_path):
    """A sweep's folder was refused as "a directory, not a regular file; replace it with the
    file itself", advice that does not apply to a folder."""
    with pytest.raises(DataError, match=r"load_observations: .*: no observations.npz in it; "
                       r"give a finished mia-train run directory \(for a sweep, one of its run "
                       r"folders\)"):
        api.load_observations(tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"defended": "no"}, r"run_audit: defended='no': must be True or False"),
        ({"population_idx": np.arange(30) * 1.0},
         r"run_audit: population_idx has shape \(30,\) and dtype float64; give \[30\] integer"),
        ({"population_idx": np.zeros(30, dtype=int)},
         r"run_audit: population_idx: must be distinct dataset rows >= 0"),
    ],
)
def test_run_audit_refuses_arguments_that_would_be_recorded_wrong(kwargs, message):
    """defended='no' read as true; float or repeated population rows were taken as the
    records' dataset rows (most_vulnerable's dataset_index)."""
    probs, masks, labels = _outputs()
    obs = api.observations_from_arrays(probs, masks, labels, kind="probabilities")
    cfg = api.attack_config(["attack.bootstrap=0"])
    with pytest.raises(ConfigError, match=message):
        api.run_audit(obs, cfg, **{"defended": True, **kwargs})


def test_fixed_overrides_refuses_one_string_it_read_letter_by_letter():
    assert api.fixed_overrides(["attack.white_box=true"]) == ["white_box"]
    with pytest.raises(ConfigError, match=r"overrides='attack.white_box=true': a list of"):
        api.fixed_overrides("attack.white_box=true")


@pytest.mark.parametrize(
    ("x", "y", "kwargs", "error", "message"),
    [
        (X, Y, {"seed": 2**40}, ConfigError,
         r"make_plan: seed=1099511627776: at most 4294967295, mia-train's seed range"),
        (X[:, 0], Y, {}, DataError, r"make_plan: x has shape \(90,\); give the features as "
                                    r"\[rows, \.\.\.\] \(x.reshape\(-1, 1\)"),
        (5, [1], {}, DataError, r"make_plan: x has shape \(\); give the features"),
        (X, 3, {}, DataError, r"make_plan: y has shape \(\), expected \[90\]"),
    ],
)
def test_make_plan_names_x_y_and_a_seed_mia_train_refuses(x, y, kwargs, error, message):
    """A seed above mia-train's range made a plan no run can reproduce; a 1-D x was named
    "dataset 'your data': features", a scalar x or y a raw TypeError (len() of unsized)."""
    with pytest.raises(error, match=message):
        api.make_plan(x, y, **kwargs)


def test_observe_models_names_the_model_that_released_nan():
    """A diverged model's NaN logits were refused as observations_from_arrays' outputs and
    test_outputs, naming neither observe_models nor the model."""
    import torch
    from torch import nn

    class NanOnRow5(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(4, 3)

        def forward(self, x):
            out = self.layer(x).clone()
            if len(x) > 2:  # (the probe's two rows pass)
                out[5] = torch.nan
            return out

    x, y, plan, models = _plan_and_models()
    with pytest.raises(UnsupportedModelError, match=r"observe_models: models\[1\] \(NanOnRow5\) "
                       rf"released NaN on 1 of the 30 population records \(first: row "
                       rf"{plan.population_idx[5]} of x\)"):
        api.observe_models([models[0], NanOnRow5()], x, y, plan)


def test_load_observations_of_a_file_with_canaries_says_to_pass_them_to_audit(tmp_path, caplog):
    """A run with canaries (attack.canaries.num): api.audit(api.load_observations(run))
    pooled them, built to leak, into every figure: other numbers than mia-train's and
    mia-attack's for the same file (loss TPR at 0.1% FPR 0.00049 against 0.0005, RMIA's
    0.00098 against 0.0005), without a word."""
    import logging

    probs, masks, labels = _outputs()
    obs = api.observations_from_arrays(probs, masks, labels, kind="probabilities")
    obs.save(tmp_path / "plain.npz")
    obs.save(tmp_path / "canaries.npz", is_canary=np.arange(30) < 3)
    with caplog.at_level(logging.WARNING, logger="mia_defense.api"):
        api.load_observations(tmp_path / "plain.npz")
        assert not caplog.records
        loaded = api.load_observations(tmp_path / "canaries.npz")
    assert np.array_equal(loaded.log_probs, obs.log_probs)
    assert "flags 3 of its 30 records as canaries (is_canary): give api.audit(obs, " \
           "is_canary=np.load(" in caplog.text  # fmt: skip


def test_make_plan_takes_y_as_a_tensor_that_requires_grad():
    """y as a float tensor straight from a loss computation was a raw numpy RuntimeError
    ("Can't call numpy() on Tensor that requires grad"), not the float-labels refusal."""
    import torch

    with pytest.raises(DataError, match="make_plan: y has dtype float32; give integer class"):
        api.make_plan(X, torch.tensor(Y, dtype=torch.float32, requires_grad=True))
    assert api.make_plan(X, torch.tensor(Y)).masks.shape == (16, 67)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("attack.queries.num_augmented=4", r"overrides: 'attack.queries.num_augmented=4': "
                                           r"num_augmented= is an argument of observe_models, "
                                           r"which wins over the override; give "
                                           r"num_augmented=4 instead"),
        ("attack.white_box=true", r"white_box= is an argument .* give white_box=True instead"),
    ],
)
def test_observe_models_refuses_overrides_its_arguments_would_silently_win_over(override,
                                                                                message):
    """overrides=['attack.queries.num_augmented=4'] made no augmented queries (the argument's
    default 0 won), ['attack.white_box=true'] no gradient norms: the attacks that need them
    were then skipped."""
    x, y, plan, models = _plan_and_models()
    with pytest.raises(ConfigError, match=message):
        api.observe_models(models, x, y, plan, overrides=[override])

"""Red team of the bring-your-own surface, second round: the Python API's arguments, the
user's modules it queries, and checkpoints that are not mia-defense's. Each bad input is one
mia-defense error naming the argument (or file) and the fix: never a traceback from inside
torch or numpy, never a silently different result."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.defenses.release import NoiseRelease
from mia_defense.errors import ConfigError, DataError, UnsupportedModelError
from tests.helpers import synthetic_observations, write_with_extra

FAST = ["attack.bootstrap=0", "~attack.attacks.shokri"]


def _data(rows: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(rows, 4)).astype(np.float32), np.arange(rows) % 3


def _plan(x: np.ndarray, y: np.ndarray):
    return api.make_plan(x, y, num_models=4, population_size=40)


def _linear(k: int = 4) -> list[nn.Module]:
    torch.manual_seed(0)
    return [nn.Linear(4, 3) for _ in range(k)]


# -- observe_models: how often a randomized release is asked --------------------------------


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_observe_models_asks_a_randomized_release_as_often_as_the_attack_config_says():
    """repeats was a hard-coded 16 in observe_models' signature: the attack config's
    attack.queries.repeats (and an override of it) never reached the Python API."""
    x, y = _data()
    plan, models = _plan(x, y), _linear()
    noise = NoiseRelease(scale=0.3)

    def released(**kw):
        return api.observe_models(models, x, y, plan, release=noise, seed=1, **kw).log_probs

    assert np.array_equal(released(), released(repeats=16))  # conf/attack/default.yaml's
    assert np.array_equal(released(overrides=["attack.queries.repeats=3"]), released(repeats=3))
    assert not np.array_equal(released(repeats=3), released(repeats=16))
    # an explicit argument wins over the config
    assert np.array_equal(released(repeats=2, overrides=["attack.queries.repeats=3"]),
                          released(repeats=2))  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"repeats": 0}, r"observe_models: repeats=0: must be an integer in \[1, 1024\]"),
        ({"repeats": -1}, r"observe_models: repeats=-1: must be an integer in \[1, 1024\]"),
        ({"repeats": 2.5}, r"observe_models: repeats=2.5: must be an integer"),
        ({"repeats": True}, r"observe_models: repeats=True: must be an integer"),
        ({"num_augmented": -1}, r"observe_models: num_augmented=-1: must be an integer >= 0"),
        ({"num_augmented": 2.5}, r"observe_models: num_augmented=2.5: must be an integer"),
        ({"seed": -1}, r"observe_models: seed=-1: must be an integer >= 0"),
        ({"release": "noise"}, r"observe_models: release='noise': must be a Release"),
        ({"overrides": ["attack.queries.repeats=0"]},
         r"attack.queries.repeats=0: must be an integer in \[1, 1024\]"),
        ({"overrides": "attack.queries.repeats=3"}, r"overrides=.*: a list of strings"),
    ],
)  # fmt: skip
def test_observe_models_refuses_bad_settings_naming_the_argument(kwargs, message):
    """repeats=0 or -1 asked a noised release once without a word (an attacker weaker than
    mia-train's); 2.5, a string release or a negative seed were tracebacks."""
    x, y = _data()
    with pytest.raises(ConfigError, match=message):
        api.observe_models(
            _linear(), x, y, _plan(x, y), **{"release": NoiseRelease(scale=0.3), **kwargs}
        )


# -- observe_models: the user's modules and data ---------------------------------------------


class _Raises(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("boom inside the user's forward")


class _Tuple(_Raises):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor]:
        return (self.fc(x),)


class _Classes(nn.Module):
    def __init__(self, classes: int) -> None:
        super().__init__()
        self.fc = nn.Linear(4, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


@pytest.mark.parametrize(
    ("models", "error", "message"),
    [
        (lambda: [_Raises() for _ in range(4)], UnsupportedModelError,
         r"observe_models: models\[0\] \(_Raises\) fails on 2 rows of x \(shape \[2, 4\]\): "
         r"RuntimeError: boom inside the user's forward"),
        (lambda: [_Tuple() for _ in range(4)], UnsupportedModelError,
         r"observe_models: models\[0\] \(_Tuple\) returns tuple for 2 rows of x, expected "
         r"logits \[2, C\]"),
        (lambda: [_Classes(3), _Classes(3), _Classes(5), _Classes(3)], UnsupportedModelError,
         r"observe_models: models\[2\] \(_Classes\) returns 5 classes, models\[0\] 3"),
        (lambda: [*_linear(3), "model"], ConfigError,
         r"observe_models: models\[3\] is a str, not a torch.nn.Module"),
        (lambda: (m for m in _linear()), None, None),  # any iterable of modules is fine
    ],
)  # fmt: skip
def test_observe_models_names_the_module_that_fails_and_how(models, error, message):
    x, y = _data()
    if error is None:
        assert api.observe_models(models(), x, y, _plan(x, y)).num_models == 4
        return
    with pytest.raises(error, match=message):
        api.observe_models(models(), x, y, _plan(x, y))


def test_observe_models_refuses_data_that_is_not_the_plans():
    """x of other width reached torch's matmul ('mat1 and mat2 shapes cannot be
    multiplied'); fewer rows than the plan indexes an IndexError; text a ValueError; NaN
    came out as 'outputs: NaN', blaming the models."""
    x, y = _data()
    plan, models = _plan(x, y), _linear()
    cases = [
        ((x[:, :3], y), UnsupportedModelError, r"models\[0\] \(Linear\) fails on 2 rows of x "
                                               r"\(shape \[2, 3\]\)"),
        ((x[:30], y[:30]), DataError, r"observe_models: x has 30 rows, but the plan indexes "
                                      r"rows up to \d+; give the x and y the plan was made from"),
        ((x, y[:50]), DataError, r"observe_models: y has shape \(50,\), expected \[60\] \(one "
                                 r"label per row of x\)"),
        ((np.full(x.shape, "a"), y), DataError, r"observe_models: x: not numbers"),
        ((np.where(np.arange(60)[:, None] == plan.population_idx[5], np.nan, x), y), DataError,
         r"observe_models: x: NaN or inf in 1 of the plan's rows \(first: row "
         rf"{plan.population_idx[5]}\)"),
    ]  # fmt: skip
    for (xs, ys), error, message in cases:
        with pytest.raises(error, match=message):
            api.observe_models(models, xs, ys, plan)


# -- make_plan and audit -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((np.zeros((0, 4)), np.zeros(0, int)), {}, DataError, r"make_plan: x and y hold no "
                                                              r"rows"),
        ((np.full((60, 4), "a"), np.arange(60) % 3), {}, DataError, r"make_plan: x: not numbers"),
        (_data(), {"num_models": 4.0}, ConfigError, r"make_plan: num_models=4.0: must be an "
                                                    r"even integer"),
        (_data(), {"seed": -1}, ConfigError, r"make_plan: seed=-1: must be an integer >= 0"),
        (_data(), {"population_size": 10.5}, ConfigError, r"make_plan: population_size=10.5: "
                                                           r"must be an integer"),
    ],
)  # fmt: skip
def test_make_plan_refuses_bad_arguments_by_name(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        api.make_plan(*args, **{"num_models": 4, **kwargs})


def test_audit_refuses_arguments_it_cannot_use():
    """A dict as the observations was an AttributeError; overrides given as one string were
    parsed character by character; is_canary of another length an IndexError from numpy,
    of 0/1/2 silently read as bool, and every record a canary left nothing to measure."""
    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    n = len(obs.labels)
    cases = [
        ({"observations": {"log_probs": 1}}, r"audit: observations is a dict, not "
                                             r"Observations; make them with"),
        ({"overrides": "attack.bootstrap=0"}, r"overrides=.*: a list of strings"),
        ({"is_canary": np.zeros(5, bool)}, rf"is_canary: shape \(5,\), expected \[{n}\]"),
        ({"is_canary": np.arange(n) % 3}, r"is_canary: values must be 0/1 or true/false"),
        ({"is_canary": np.ones(n, bool)}, r"is_canary: every record is a canary"),
    ]  # fmt: skip
    for change, message in cases:
        kwargs = {"observations": obs, "overrides": FAST, **change}
        with pytest.raises(ConfigError, match=message):
            api.audit(**kwargs)


# -- checkpoints that are not mia-defense's --------------------------------------------------


def _checkpoint(tmp_path, **changes):
    """A checkpoint of nn.Linear(4, 3) as save_model writes it, with ``changes``."""
    from mia_defense.training.checkpoints import save_checkpoint, save_model
    from mia_defense.training.loop import EpochRecord, ModelHistory

    path = tmp_path / "model_0000.pt"
    history = ModelHistory(epochs=[EpochRecord(0, 1.0, 0.5, 1.1, 0.4)], stats={"s": 1.0},
                           epoch_stats=[{}])  # fmt: skip
    torch.manual_seed(0)
    save_model(path, nn.Linear(4, 3), history, fingerprint="fp")
    payload = torch.load(path, weights_only=True)
    save_checkpoint(path, {**payload, **changes})
    return path


_WEIGHT, _BIAS = torch.zeros(3, 4), torch.zeros(3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"state_dict": {"weight": _WEIGHT.long(), "bias": _BIAS.long()}},
         r"does not fit this model: weight has dtype torch.int64 where the model has "
         r"torch.float32"),
        ({"state_dict": {"weight": _WEIGHT.bool(), "bias": _BIAS}},
         r"does not fit this model: weight has dtype torch.bool where the model has torch.float32"),
        ({"state_dict": {"weight": _WEIGHT.to(torch.complex64), "bias": _BIAS}},
         r"does not fit this model: weight has dtype torch.complex64 where the model has "
         r"torch.float32"),
        ({"state_dict": {"weight": _WEIGHT}}, r"does not fit this model: missing bias"),
        ({"state_dict": {"weight": _WEIGHT, "bias": _BIAS, "extra": _BIAS}},
         r"does not fit this model: unexpected extra"),
        ({"state_dict": {"weight": torch.zeros(3, 5), "bias": _BIAS}},
         r"does not fit this model: weight has shape \[3, 5\], the model's \[3, 4\]"),
        ({"state_dict": {1: _WEIGHT}}, r"has a malformed 'state_dict'"),
        ({"history": {"epochs": [["a"]], "stats": {}}}, r"has a malformed 'history'"),
        ({"history": {"epochs": [[0]], "stats": {}}}, r"has a malformed 'history'"),
        ({"history": {"epochs": [], "stats": [1, 2]}}, r"has a malformed 'history'"),
        ({"history": {"epochs": [[0, float("nan"), 1, 1, 1]], "stats": {}}},
         r"has a malformed 'history'"),
    ],
)  # fmt: skip
def test_a_checkpoint_not_written_by_mia_defense_is_refused_by_name(tmp_path, changes, message):
    """Integer, bool or complex weights were cast into the model without a word (complex
    lost its imaginary part), a key that is not a string was an AttributeError from inside
    torch, a bad history was said not to 'fit this model', and a wrong architecture was
    'Error(s) in loading state_dict for Linear:' with the keys cut off."""
    from mia_defense.training.checkpoints import load_model

    path = _checkpoint(tmp_path, **changes)
    with pytest.raises(DataError, match=rf"^checkpoint {path} {message}.*; delete it to retrain"):
        load_model(path, nn.Linear(4, 3), fingerprint="fp")


def test_float64_weights_of_a_float32_model_still_load(tmp_path):
    from mia_defense.training.checkpoints import load_model

    weight = torch.arange(12.0).reshape(3, 4)
    path = _checkpoint(tmp_path, state_dict={"weight": weight.double(), "bias": _BIAS.double()})
    model = nn.Linear(4, 3)
    load_model(path, model, fingerprint="fp")
    assert model.weight.dtype == torch.float32 and torch.equal(model.weight, weight)


# -- a user's module in training mode -------------------------------------------------------


class _TrainRaises(nn.Module):
    def __init__(self, *, num_classes: int) -> None:
        super().__init__()
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            raise RuntimeError("only in training mode")
        return self.fc(x)


class _TrainShape(_TrainRaises):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x)
        return out[:, :2] if self.training else out


class _Norm(nn.Module):
    def __init__(self, *, num_classes: int) -> None:
        super().__init__()
        self.fc, self.bn = nn.Linear(4, num_classes), nn.BatchNorm1d(num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.fc(x))


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (_TrainRaises, r"fails in training mode \(model.train\(\)\) on a batch of shape "
                       r"\[2, 4\].*: RuntimeError: only in training mode"),
        (_TrainShape, r"returns \[2, 2\] in training mode \(model.train\(\)\) for a batch of 2, "
                      r"expected logits \[2, 3\]"),
    ],
)  # fmt: skip
def test_a_module_that_fails_only_in_training_mode_is_named_before_training(cls, message):
    """The output check ran in eval mode only: a module failing in training mode reached the
    engine's first step and ended the run with torch's traceback ('Target 3 is out of
    bounds' from cross_entropy, or the module's own exception)."""
    from mia_defense.models import model_builder

    with pytest.raises(UnsupportedModelError, match=message):
        model_builder(cls)(input_shape=(4,), num_classes=3)


def test_the_training_mode_check_leaves_batchnorm_statistics_and_the_rng_alone():
    from mia_defense.models import check_model_output

    torch.manual_seed(0)
    model = _Norm(num_classes=3)
    before = torch.random.get_rng_state()
    check_model_output(model, input_shape=(4,), num_classes=3)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert int(model.bn.num_batches_tracked) == 0 and model.training
    assert torch.equal(model.bn.running_mean, torch.zeros(3))


def test_a_batchnorm_module_trains_whatever_the_member_count():
    """A BatchNorm module falls back to one model at a time with a WARNING, then crashed with
    torch's 'Expected more than 1 value per channel when training' whenever a model's
    member count left a last batch of one sample (9 members at batch_size 4 here; 49 at 16
    in a digits run with plan.population_size=100, plan.num_models=2): a lone last member
    now joins the batch before it (`engine.batch_bounds`)."""
    from mia_defense.training.config import TrainConfig
    from mia_defense.training.ensemble import train_ensemble

    x, y = _data(20)
    masks = np.zeros((2, 20), bool)
    masks[0, :9], masks[1, 9:18] = True, True
    config = TrainConfig(epochs=1, batch_size=4)
    ensemble = train_ensemble(
        build_model=lambda: _Norm(num_classes=3), x=x, y=y, masks=masks, x_test=x[18:],
        y_test=y[18:], num_classes=3, config=config, seed=0, progress=False,
    )  # fmt: skip
    assert len(ensemble.models) == 2


# -- a user's training function (train.fit) --------------------------------------------------


def _fit_raises(model, members, recipe):
    raise ValueError("a bug in the user's loop")


def _fit_to_double(model, members, recipe):
    return model.double()  # trained in float64, in place


def _fit_other_module(model, members, recipe):
    return nn.Sequential(nn.Flatten(), nn.Linear(4, 5))


def _fit_int_weights(model, members, recipe):
    trained = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    trained[1].weight = nn.Parameter(torch.ones(3, 4, dtype=torch.int64), requires_grad=False)
    return trained


@pytest.mark.parametrize(
    ("fit", "message"),
    [
        ("_fit_raises", r"train.fit._target_=\S+_fit_raises raised ValueError: a bug in the "
                        r"user's loop \(model 0\); fix it"),
        ("_fit_to_double", r"train.fit._target_=\S+_fit_to_double returned model 0 with 1.weight "
                           r"of dtype torch.float64, not torch.float32 as built; return it in "
                           r"torch.float32 \(model.to\(torch.float32\)\)"),
        ("_fit_other_module", r"train.fit._target_=\S+_fit_other_module returned for model 0 a "
                              r"module whose weights do not fit the model it was given \(1.weight "
                              r"has shape \[5, 4\], the model's \[3, 4\]"),
        ("_fit_int_weights", r"returned for model 0 a module whose weights do not fit the model "
                             r"it was given \(1.weight has dtype torch.int64 where the model has "
                             r"torch.float32\)"),
    ],
)  # fmt: skip
def test_a_training_function_that_fails_is_named_not_a_traceback(fit, message):
    """The function's own exception ended mia-train with a traceback (exit 1); a model
    trained into float64 in place reached evaluation ('mat1 and mat2 must have the same
    dtype'); another module was 'Error(s) in loading state_dict for Sequential:' and integer
    weights were cast in silently."""
    from mia_defense.training.config import TrainConfig
    from mia_defense.user_fit import train_with_user_fit

    x, y = _data(20)
    masks = np.zeros((2, 20), bool)
    masks[0, :10], masks[1, 10:] = True, True
    config = TrainConfig(epochs=1, fit={"_target_": f"{__name__}.{fit}"})
    with pytest.raises(ConfigError, match=message):
        train_with_user_fit(
            build_model=lambda: nn.Sequential(nn.Flatten(), nn.Linear(4, 3)), x=x, y=y,
            masks=masks, x_test=x[:5], y_test=y[:5], num_classes=3, config=config, seed=0,
            progress=False,
        )  # fmt: skip


# -- what the API leaves as it was ----------------------------------------------------------


def test_observe_models_leaves_each_module_in_the_mode_it_was_given():
    """observe_models put the user's modules into eval mode and left them there: training
    them further after an audit then ran without dropout (or BatchNorm updates), silently."""
    x, y = _data()
    models = [nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5)) for _ in range(4)]
    models[1].eval()
    api.observe_models(models, x, y, _plan(x, y), white_box=True, num_augmented=1)
    assert [m.training for m in models] == [True, False, True, True]
    assert all(m[1].training == m.training for m in models)


def test_a_numpy_integer_is_a_valid_model_index():
    """load_trained_model(run, k) with k from np.arange or Audit.targets (np.int64) was
    refused as 'index=np.int64(1): the run has models 0..1; pass one of them'."""
    from pathlib import Path

    from mia_defense.tracking.trained_model import _check_index

    config = {"plan": {"num_models": 2}}
    _check_index(np.int64(1), config, run_dir=Path("run"))
    with pytest.raises(ConfigError, match=r"index=np.int64\(2\): the run in run has models 0..1"):
        _check_index(np.int64(2), config, run_dir=Path("run"))


# -- mia-attack's extra arrays and load_observations ---------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"population_idx": np.array([-5, *range(1, 40)])},
         r"population_idx: values must be distinct rows >= 0 of the dataset, found -5"),
        ({"population_idx": np.array([0, 0, *range(2, 40)])},
         r"population_idx: values must be distinct rows >= 0 of the dataset, found 0 twice"),
        ({"is_canary": np.ones(40, bool)},
         r"is_canary: every record is a canary, so no record is left for the pooled metrics"),
    ],
)  # fmt: skip
def test_mia_attack_checks_the_values_of_a_files_extra_arrays(tmp_path, extra, message):
    """A file's population_idx of negative or repeated rows was written into results.json's
    most_vulnerable as dataset rows; is_canary all true was refused without naming the file."""
    from mia_defense.cli import attack as attack_cli

    obs = synthetic_observations(num_models=4, num_samples=40, num_classes=3)
    path = tmp_path / "mine.npz"
    with pytest.raises(DataError, match=rf"^Observations\.save: {path}: {message}"):
        obs.save(path, **extra)  # (h224: save refuses it too)
    write_with_extra(obs, path, **extra)
    cfg = api.attack_config(FAST)
    with pytest.raises(DataError, match=rf"^{path}: {message}"):
        attack_cli.run(_with_source(cfg, path), tmp_path / "out")
    assert not (tmp_path / "out" / "results.json").exists()


def _with_source(cfg, path):
    """The API's attack config with mia-attack's ``source`` and ``progress``."""
    from omegaconf import open_dict

    with open_dict(cfg):
        cfg.source, cfg.progress = str(path), False
    return cfg


def test_load_observations_reads_a_run_directory_and_names_a_bad_path(tmp_path):
    """load_observations(None) was a TypeError from pathlib; a mia-train run directory
    (which mia-attack takes) was 'a directory, not a regular file'."""
    obs = synthetic_observations(num_models=4, num_samples=20, num_classes=3)
    obs.save(tmp_path / "observations.npz")
    assert np.array_equal(api.load_observations(tmp_path).log_probs, obs.log_probs)
    with pytest.raises(ConfigError, match=r"load_observations: path=None: give the path of an "
                                          r"observations \.npz or of a mia-train run directory"):
        api.load_observations(None)


def test_metadata_is_a_json_object_or_refused_by_name(tmp_path):
    """metadata with numpy numbers or arrays (np.int64(3), the classes as an array) was taken,
    then obs.save failed with json's TypeError; a string was a ValueError from dict()."""
    obs = synthetic_observations(num_models=4, num_samples=20, num_classes=3)
    args = (obs.log_probs, obs.masks, obs.labels)
    made = api.observations_from_arrays(
        *args, metadata={"k": np.int64(3), "classes": np.arange(3), "loss": float("nan")}
    )
    made.save(tmp_path / "o.npz")
    expected = {"k": 3, "classes": [0, 1, 2], "loss": None}
    assert made.metadata == api.load_observations(tmp_path / "o.npz").metadata == expected
    for bad in ("dataset", {"model": object()}):
        with pytest.raises(ConfigError, match=r"observations_from_arrays: metadata: must be a "
                                              r"mapping of JSON values"):  # fmt: skip
            api.observations_from_arrays(*args, metadata=bad)

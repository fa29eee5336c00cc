"""Every model runs forward/backward and one Opacus DP-SGD step; building user models."""

from __future__ import annotations

import functools

import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf
from opacus import PrivacyEngine
from torch import nn

from mia_defense.errors import ConfigError, UnsupportedModelError
from mia_defense.models import (
    MLP,
    LogisticRegression,
    ResNet,
    SmallCNN,
    check_dp_compatible,
    ensure_dp_compatible,
    model_builder,
)
from tests.models.user_models import BatchNormNet, ClassesOnly, WidthNet

pytestmark = pytest.mark.filterwarnings(
    "ignore:Secure RNG turned off", "ignore:Full backward hook is firing"
)

CASES = [
    (MLP, {"hidden": (16,)}, (1, 28, 28)),
    (LogisticRegression, {}, (30,)),
    (SmallCNN, {"channels": (4, 8), "hidden": 16}, (1, 28, 28)),
    (SmallCNN, {"channels": (4, 8), "hidden": 16, "norm": "none"}, (3, 32, 32)),
    (ResNet, {"depth": 8}, (3, 32, 32)),
    (ResNet, {"depth": 8, "widen_factor": 2, "norm": "none"}, (1, 28, 28)),
]


def _batch(shape, n=6, classes=5):
    gen = torch.Generator().manual_seed(0)
    return torch.randn((n, *shape), generator=gen), torch.arange(n) % classes


@pytest.mark.parametrize(("cls", "kwargs", "shape"), CASES)
def test_forward_backward(cls, kwargs, shape):
    torch.manual_seed(0)
    model = cls(input_shape=shape, num_classes=5, **kwargs)
    x, y = _batch(shape)
    logits = model(x)
    assert logits.shape == (6, 5)
    nn.functional.cross_entropy(logits, y).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    assert check_dp_compatible(model) == []


@pytest.mark.parametrize(("cls", "kwargs", "shape"), CASES)
def test_one_opacus_dp_sgd_step(cls, kwargs, shape):
    torch.manual_seed(0)
    model = cls(input_shape=shape, num_classes=5, **kwargs)
    before = [p.detach().clone() for p in model.parameters()]
    x, y = _batch(shape)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=6)
    engine = PrivacyEngine(accountant="rdp")
    private, optimizer, private_loader = engine.make_private(
        module=model,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        data_loader=loader,
        noise_multiplier=1.0,
        max_grad_norm=1.0,
        poisson_sampling=False,
    )
    xb, yb = next(iter(private_loader))
    nn.functional.cross_entropy(private(xb), yb).backward()
    assert all(p.grad_sample.shape[0] == len(yb) for p in private.parameters())
    optimizer.step()
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_image_models_refuse_flat_features():
    with pytest.raises(ConfigError, match=r"model=cnn needs images \[C, H, W\].*\[64\]"):
        SmallCNN(input_shape=(64,), num_classes=10)
    with pytest.raises(ConfigError, match=r"model.depth=9: must be 6n\+2 or 6n\+4"):
        ResNet(input_shape=(3, 32, 32), num_classes=10, depth=9)


def test_dp_validation_lists_every_problem():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.LSTM(8, 8),
                          nn.InstanceNorm1d(8, affine=True, track_running_stats=True))
    problems = check_dp_compatible(model)
    assert len(problems) == 3
    assert problems[0].startswith("1 (BatchNorm1d): BatchNorm mixes the samples")
    assert "GroupNorm" in problems[0]
    assert problems[1].startswith("2 (LSTM): ") and "DPLSTM" in problems[1]
    assert problems[2].startswith("3 (InstanceNorm1d): ")
    with pytest.raises(UnsupportedModelError, match=r"model cannot be trained with DP-SGD "
                       r"\(Opacus\) because of 3 problem\(s\):\n  - 1 \(BatchNorm1d\)"):
        ensure_dp_compatible(model)
    frozen = nn.Sequential(nn.Linear(4, 2), nn.BatchNorm1d(2, affine=False))
    assert [p.split(":")[0] for p in check_dp_compatible(frozen)] == ["1 (BatchNorm1d)"]
    ensure_dp_compatible(ResNet(input_shape=(3, 32, 32), num_classes=10, depth=8))


def _from_config(**node):
    return model_builder(instantiate(OmegaConf.create(node), _partial_=True))


def test_builder_passes_dataset_arguments_only_to_classes_that_take_them():
    ours = _from_config(_target_="mia_defense.models.MLP", _partial_=True, hidden=[8])
    assert ours(input_shape=(10,), num_classes=3)(torch.zeros(2, 10)).shape == (2, 3)
    user = _from_config(_target_="tests.models.user_models.WidthNet", width=7, classes=4)
    model = user(input_shape=(64,), num_classes=4)
    assert model.net[1].out_features == 7
    partial = model_builder(functools.partial(ClassesOnly, hidden=5))
    assert partial(input_shape=(3, 4), num_classes=6)(torch.zeros(2, 3, 4)).shape == (2, 6)


def test_builder_errors_before_training():
    with pytest.raises(ConfigError, match=r"takes no argument\(s\) \['activation', 'hidden'\].*"
                       r"model=custom"):
        _from_config(_target_="tests.models.user_models.WidthNet", width=3, classes=2,
                     hidden=[8], activation="relu")
    with pytest.raises(ConfigError, match=r"requires argument\(s\) \['classes'\]; set them with "
                       r"\+model.classes=..."):
        _from_config(_target_="tests.models.user_models.WidthNet", width=3)
    with pytest.raises(ConfigError, match=r"remove model.num_classes from the config"):
        model_builder(functools.partial(MLP, num_classes=3))
    wrong = model_builder(functools.partial(WidthNet, width=3, classes=2))
    with pytest.raises(UnsupportedModelError, match=r"returns \[2, 2\] for a batch of 2, expected "
                       r"logits \[2, 5\]"):
        wrong(input_shape=(64,), num_classes=5)
    with pytest.raises(UnsupportedModelError, match=r"fails on a batch of shape \[2, 10\]"):
        wrong(input_shape=(10,), num_classes=2)
    with pytest.raises(ConfigError, match=r"returned dict, not a torch.nn.Module"):
        model_builder(lambda: {})(input_shape=(3,), num_classes=2)
    with pytest.raises(ConfigError, match=r"model.activation='swish'"):
        model_builder(functools.partial(MLP, activation="swish"))(input_shape=(3,), num_classes=2)


def test_output_check_leaves_global_rng_alone():
    builder = model_builder(functools.partial(MLP, hidden=(4,), dropout=0.5))
    torch.manual_seed(1)
    builder(input_shape=(3,), num_classes=2)
    after_check = torch.rand(3)
    torch.manual_seed(1)
    MLP(input_shape=(3,), num_classes=2, hidden=(4,), dropout=0.5)
    assert torch.equal(after_check, torch.rand(3))


def test_user_batchnorm_model_is_reported_for_dp():
    model = model_builder(BatchNormNet)(input_shape=(5,), num_classes=3)
    assert len(check_dp_compatible(model)) == 1


@pytest.mark.parametrize(
    ("build", "key"),
    [
        (lambda: MLP(input_shape=(4,), num_classes=2, hidden=[0]), "model.hidden"),
        (lambda: MLP(input_shape=(4,), num_classes=2, hidden=[8, -1]), "model.hidden"),
        (lambda: MLP(input_shape=(4,), num_classes=2, hidden=[True]), "model.hidden"),
        (lambda: SmallCNN(input_shape=(1, 8, 8), num_classes=2, channels=[0]), "model.channels"),
        (lambda: SmallCNN(input_shape=(1, 8, 8), num_classes=2, hidden=0), "model.hidden"),
        (lambda: SmallCNN(input_shape=(1, 8, 8), num_classes=2, pooled=0), "model.pooled"),
    ],
)
def test_layer_widths_below_one_are_refused(build, key):
    with pytest.raises(ConfigError, match=rf"{key}=.*every width must be an integer >= 1"):
        build()

"""The stacked ensemble: same models as the per-model loop, fallback, checkpoints."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from mia_defense.models import MLP, LogisticRegression
from mia_defense.plan import _balanced_masks
from mia_defense.training.batched import train_ensemble_batched
from mia_defense.training.checkpoints import checkpoint_path
from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble

N = 300


@pytest.fixture(scope="module")
def data() -> dict:
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target
    masks = _balanced_masks(4, N, np.random.default_rng(1))
    return {"x": x[:N], "y": y[:N], "masks": masks, "x_test": x[N:600], "y_test": y[N:600]}


def _kwargs(data: dict, config: TrainConfig, build_model) -> dict:  # type: ignore[no-untyped-def]
    return dict(
        build_model=build_model, config=config, seed=7, progress=False, **data
    )


@torch.no_grad()
def _max_param_diff(a: list[nn.Module], b: list[nn.Module]) -> float:
    return max(
        float((p - q).abs().max())
        for ma, mb in zip(a, b, strict=True)
        for p, q in zip(ma.parameters(), mb.parameters(), strict=True)
    )


@pytest.mark.parametrize(
    ("optimizer", "lr", "weight_decay", "dropout", "activation"),
    [
        ("adam", 1e-3, 0.0, 0.0, "relu"),
        ("adam", 1e-3, 1e-2, 0.0, "relu"),
        ("sgd", 0.05, 0.0, 0.0, "relu"),
        ("sgd", 0.05, 1e-2, 0.0, "relu"),
        ("adam", 1e-3, 0.0, 0.3, "relu"),
        ("adam", 1e-3, 0.0, 0.0, "tanh"),  # a derivative written out
        ("adam", 1e-3, 0.0, 0.2, "gelu"),  # the generic (autograd) derivative
    ],
)
def test_stacked_equals_sequential(data, optimizer, lr, weight_decay, dropout, activation):
    # batch 48 over ~150 members: ragged last batches and models with different step counts
    config = TrainConfig(
        epochs=3, batch_size=48, lr=lr, optimizer=optimizer, weight_decay=weight_decay
    )

    def build():
        return MLP(
            input_shape=(64,),
            num_classes=10,
            hidden=(32, 16),
            dropout=dropout,
            activation=activation,
        )

    sequential = train_ensemble(num_classes=10, batched=False, **_kwargs(data, config, build))
    stacked = train_ensemble_batched(**_kwargs(data, config, build))
    assert _max_param_diff(sequential.models, stacked.models) < 1e-5
    # training moved the parameters well beyond the tolerance
    fresh = train_ensemble_batched(**_kwargs(data, TrainConfig(epochs=1, lr=1e-9), build))
    assert _max_param_diff(fresh.models, stacked.models) > 1e-3
    for h_seq, h_stk in zip(sequential.histories, stacked.histories, strict=True):
        assert len(h_seq.epochs) == len(h_stk.epochs) == 3
        for r_seq, r_stk in zip(h_seq.epochs, h_stk.epochs, strict=True):
            assert r_stk.epoch == r_seq.epoch
            assert r_stk.train_loss == pytest.approx(r_seq.train_loss, abs=1e-5)
            assert r_stk.test_loss == pytest.approx(r_seq.test_loss, abs=1e-5)
            assert r_stk.train_acc == pytest.approx(r_seq.train_acc, abs=1e-6)
            assert r_stk.test_acc == pytest.approx(r_seq.test_acc, abs=1e-6)


def test_train_ensemble_dispatches_to_stacked_path(data, caplog):
    config = TrainConfig(epochs=2, batch_size=64, lr=1e-2)

    def build():
        return LogisticRegression(input_shape=(64,), num_classes=10)

    with caplog.at_level(logging.INFO, logger="mia_defense.training.ensemble"):
        ensemble = train_ensemble(num_classes=10, **_kwargs(data, config, build))
    assert "as one stacked ensemble" in caplog.text
    reference = train_ensemble(num_classes=10, batched=False, **_kwargs(data, config, build))
    assert _max_param_diff(ensemble.models, reference.models) < 1e-5


class _Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(64, 64)
        self.head = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x + torch.relu(self.body(x)))


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (_Residual, "_Residual is not an nn.Sequential"),
        (
            lambda: nn.Sequential(nn.Linear(64, 16), nn.BatchNorm1d(16), nn.Linear(16, 10)),
            "buffers",
        ),
        (
            lambda: nn.Sequential(nn.Linear(64, 16), nn.LayerNorm(16), nn.Linear(16, 10)),
            "LayerNorm",
        ),
    ],
)
def test_unsupported_model_falls_back_with_a_log_line(data, caplog, build, reason):
    config = TrainConfig(epochs=1, batch_size=64, lr=1e-2)
    with caplog.at_level(logging.INFO, logger="mia_defense.training.ensemble"):
        ensemble = train_ensemble(num_classes=10, **_kwargs(data, config, build))
    assert "one at a time" in caplog.text
    assert reason in caplog.text
    assert len(ensemble.models) == 4 and all(len(h.epochs) == 1 for h in ensemble.histories)


def test_checkpoints_resume_to_the_same_models(data, tmp_path):
    config = TrainConfig(epochs=2, batch_size=64, lr=1e-2)

    def build():
        return MLP(input_shape=(64,), num_classes=10, hidden=(16,))

    first = train_ensemble_batched(checkpoint_dir=tmp_path, **_kwargs(data, config, build))
    assert all(checkpoint_path(tmp_path, k).exists() for k in range(4))
    for k in (1, 3):  # a killed run: two models missing
        checkpoint_path(tmp_path, k).unlink()
    resumed = train_ensemble_batched(
        checkpoint_dir=tmp_path, chunk_size=1, **_kwargs(data, config, build)
    )
    # the same models up to float rounding (bmm over 1 or 4 models rounds differently)
    assert _max_param_diff(first.models, resumed.models) < 1e-6
    for h_first, h_resumed in zip(first.histories, resumed.histories, strict=True):
        for a, b in zip(h_first.epochs, h_resumed.epochs, strict=True):
            assert a.test_loss == pytest.approx(b.test_loss, abs=1e-5)
    # the sequential loop reads the stacked path's checkpoints
    loaded = train_ensemble(
        num_classes=10, batched=False, checkpoint_dir=tmp_path, **_kwargs(data, config, build)
    )
    assert _max_param_diff(resumed.models, loaded.models) == 0.0
    assert [h.epochs for h in resumed.histories] == [h.epochs for h in loaded.histories]


def test_eval_every_spaces_the_curves_alike_in_both_paths(data):
    config = TrainConfig(epochs=5, batch_size=48, lr=1e-3, eval_every=2)

    def build():
        return MLP(input_shape=(64,), num_classes=10, hidden=(32,))

    sequential = train_ensemble(num_classes=10, batched=False, **_kwargs(data, config, build))
    stacked = train_ensemble_batched(**_kwargs(data, config, build))
    for h_seq, h_stk in zip(sequential.histories, stacked.histories, strict=True):
        # every second epoch and the last; ε-style stats stay per epoch
        assert [r.epoch for r in h_seq.epochs] == [r.epoch for r in h_stk.epochs] == [1, 3, 4]
        assert len(h_seq.epoch_stats) == len(h_stk.epoch_stats) == 5
        for r_seq, r_stk in zip(h_seq.epochs, h_stk.epochs, strict=True):
            assert r_stk.test_loss == pytest.approx(r_seq.test_loss, abs=1e-5)
    # the curves do not change the models
    every = train_ensemble_batched(**_kwargs(data, TrainConfig(epochs=5, batch_size=48), build))
    assert _max_param_diff(every.models, stacked.models) == 0.0


def test_curves_gathered_in_slices_equal_the_cached_ones(data):
    from mia_defense.training.batched import _EvalSet
    from mia_defense.training.stacked import StackedMLP

    torch.manual_seed(0)
    models = [MLP(input_shape=(64,), num_classes=10, hidden=(16,)) for _ in range(4)]
    stack = StackedMLP.from_models(models)
    x, y = torch.as_tensor(data["x"]), torch.as_tensor(data["y"])
    masks = torch.as_tensor(data["masks"])
    width = int(masks.sum(1).max())
    members = torch.zeros((4, width), dtype=torch.long)
    valid = torch.zeros((4, width), dtype=torch.bool)
    for k, mask in enumerate(masks):
        idx = mask.nonzero().flatten()
        members[k, : len(idx)], valid[k, : len(idx)] = idx, True
    x_test, y_test = torch.as_tensor(data["x_test"]), torch.as_tensor(data["y_test"])
    cached = _EvalSet(x, y, members, valid, x_test, y_test)
    sliced = _EvalSet(x, y, members, valid, x_test, y_test, budget_bytes=4 * 64 * 4 * 7)
    assert cached.cached is not None and sliced.cached is None and sliced.slice == 7
    got, want = sliced.evaluate(stack), cached.evaluate(stack)
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-6, atol=1e-6)
    # and both equal each model evaluated on its own
    from mia_defense.training.loop import evaluate

    for k, model in enumerate(models):
        member_x, member_y = x[masks[k]], y[masks[k]]
        expected = (*evaluate(model, member_x, member_y), *evaluate(model, x_test, y_test))
        np.testing.assert_allclose(want[k], expected, rtol=1e-5, atol=1e-6)


def test_stacked_threads_are_set_for_the_block_and_restored():
    from mia_defense.training.batched import intra_op_threads

    torch.set_num_threads(1)
    with intra_op_threads(2):
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == 1
    with intra_op_threads(0):  # every usable core
        assert torch.get_num_threads() >= 1
    assert torch.get_num_threads() == 1

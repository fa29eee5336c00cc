"""The one engine: K models stacked give what K models trained one at a time give."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence

import pytest
import torch
from torch import nn

from mia_defense.defenses.base import TrainingDefense
from mia_defense.defenses.regularization import (
    Dropout,
    EarlyStopping,
    LabelSmoothing,
    Mixup,
    WeightDecay,
)
from mia_defense.defenses.relaxloss import RelaxLoss
from mia_defense.errors import ConfigError
from mia_defense.models import MLP, LogisticRegression, ResNet, SmallCNN
from mia_defense.training.config import TrainConfig, make_optimizer
from mia_defense.training.engine import batch_bounds, train_chunk
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.loop import ModelHistory
from tests.models.user_models import FrozenFirstLayer

K, N, C = 3, 90, 4

ARCHITECTURES: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...]]] = {
    "mlp": (lambda: MLP(input_shape=(16,), num_classes=C, hidden=(12,)), (16,)),
    "logistic": (lambda: LogisticRegression(input_shape=(16,), num_classes=C), (16,)),
    "cnn": (
        lambda: SmallCNN(input_shape=(1, 8, 8), num_classes=C, channels=(4, 8), hidden=8,
                         groups=2, pooled=2),
        (1, 8, 8),
    ),
    "resnet": (
        lambda: ResNet(input_shape=(1, 8, 8), num_classes=C, depth=8, groups=2), (1, 8, 8)
    ),
}

# Each training-time defense but DP-SGD, AdvReg and distillation (tested with their own
# modules); dropout draws its masks from vmap's generator, so it is compared in law only.
DEFENSES: dict[str, Callable[[], list[TrainingDefense]]] = {
    "none": list,
    "weight_decay": lambda: [WeightDecay(coefficient=0.05)],
    "label_smoothing": lambda: [LabelSmoothing(smoothing=0.2)],
    "mixup": lambda: [Mixup(alpha=0.4)],
    "relaxloss": lambda: [RelaxLoss(alpha=2.0)],  # above the loss: both branches
    "early_stopping": lambda: [EarlyStopping(patience=0)],
}


def _data(shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    x = torch.randn((N, *shape), generator=gen)
    y = torch.randint(0, C, (N,), generator=gen)
    # Members of different sizes: 45, 60 and 30 samples (different steps per epoch).
    masks = torch.zeros((K, N), dtype=torch.bool)
    masks[0, :45], masks[1, 20:80], masks[2, 60:] = True, True, True
    return x, y, masks


def _run(
    models: Sequence[nn.Module],
    masks: torch.Tensor,
    seeds: Sequence[int],
    config: TrainConfig,
    defenses: Sequence[TrainingDefense],
    *,
    vectorised: bool,
    shape: tuple[int, ...],
) -> list[ModelHistory]:
    x, y, _ = _data(shape)
    return train_chunk(
        models, x=x, y=y, masks=masks, x_test=x[:20], y_test=y[:20], num_classes=C,
        config=config, generators=[torch.Generator().manual_seed(s) for s in seeds],
        defenses=defenses, vectorised=vectorised, x_reference=x[:30], y_reference=y[:30],
    )


def _stacked_and_alone(
    arch: str, config: TrainConfig, make_defenses: Callable[[], list[TrainingDefense]]
) -> tuple[list[nn.Module], list[nn.Module], list[ModelHistory], list[ModelHistory]]:
    """The K models trained stacked, and the same initial models trained one at a time as
    plain modules (the fallback path: no vmap)."""
    build, shape = ARCHITECTURES[arch]
    _, _, masks = _data(shape)
    torch.manual_seed(0)
    stacked = [build() for _ in range(K)]
    alone = [copy.deepcopy(m) for m in stacked]
    hist = _run(stacked, masks, [10, 11, 12], config, make_defenses(), vectorised=True,
                shape=shape)
    hist1 = [
        _run([alone[k]], masks[k : k + 1], [10 + k], config, make_defenses(),
             vectorised=False, shape=shape)[0]
        for k in range(K)
    ]
    return stacked, alone, hist, hist1


def _same_function(a: nn.Module, b: nn.Module, shape: tuple[int, ...]) -> None:
    x = torch.randn((32, *shape), generator=torch.Generator().manual_seed(5))
    a.eval(), b.eval()
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x), atol=1e-4, rtol=1e-4)


def _same_histories(hist: list[ModelHistory], hist1: list[ModelHistory]) -> None:
    for h, h1 in zip(hist, hist1, strict=True):
        assert [r.epoch for r in h.epochs] == [r.epoch for r in h1.epochs]
        for rec, rec1 in zip(h.epochs, h1.epochs, strict=True):
            assert rec.train_acc == pytest.approx(rec1.train_acc, abs=1e-6)
            assert rec.test_loss == pytest.approx(rec1.test_loss, rel=1e-3)
        assert len(h.epoch_stats) == len(h1.epoch_stats)


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_every_architecture_stacked_equals_k_models_alone(arch: str, optimizer: str) -> None:
    config = TrainConfig(epochs=2, batch_size=16, lr=1e-2, optimizer=optimizer)
    stacked, alone, hist, hist1 = _stacked_and_alone(arch, config, list)
    shape = ARCHITECTURES[arch][1]
    for k in range(K):
        _same_function(stacked[k], alone[k], shape)
    _same_histories(hist, hist1)


@pytest.mark.parametrize("name", sorted(DEFENSES))
def test_every_defense_stacked_equals_k_models_alone(name: str) -> None:
    config = TrainConfig(epochs=4, batch_size=16, lr=2e-2)
    stacked, alone, hist, hist1 = _stacked_and_alone("mlp", config, DEFENSES[name])
    for k in range(K):
        for p, q in zip(stacked[k].parameters(), alone[k].parameters(), strict=True):
            torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)
    _same_histories(hist, hist1)


def test_defenses_change_training() -> None:
    """Each defense's hook is really called: its models end elsewhere than plain ones."""
    config = TrainConfig(epochs=4, batch_size=16, lr=2e-2)
    plain = _stacked_and_alone("mlp", config, list)[0]
    for name in sorted(set(DEFENSES) - {"none", "early_stopping"}):  # (tested below)
        defended = _stacked_and_alone("mlp", config, DEFENSES[name])[0]
        assert not torch.allclose(plain[0][1].weight, defended[0][1].weight), name


def test_early_stopping_stops_each_model_on_its_own_and_restores_its_best_weights() -> None:
    config = TrainConfig(epochs=30, batch_size=16, lr=0.2)
    stacked, _, hist, hist1 = _stacked_and_alone(
        "mlp", config, lambda: [EarlyStopping(patience=1)]
    )
    plain = _stacked_and_alone("mlp", config, list)[0]
    stopped = [len(h.epoch_stats) for h in hist]
    assert max(stopped) < 30  # random labels: the validation loss soon stops improving
    assert [len(h.epoch_stats) for h in hist1] == stopped
    for h in hist:
        val = [s["val_loss"] for s in h.epoch_stats]
        assert h.epochs[-1].epoch == len(val) - 1
        assert min(val) < val[-1]  # it stopped after epochs without improvement
        # the restored best weights' own figures, not the stop epoch's (utility's losses)
        assert h.released is not None and h.released.epoch == h.epochs[-1].epoch
        assert h.released.train_loss != h.epochs[-1].train_loss
    def released(histories):
        return [v for h in histories for v in vars(h.released).values()]

    assert released(hist) == pytest.approx(released(hist1), rel=1e-5)  # stacked = alone
    for k in range(K):  # the best weights, not those of 30 epochs
        assert not torch.allclose(stacked[k][1].weight, plain[k][1].weight)


def test_dropout_draws_different_masks_per_model_and_keeps_eval_deterministic() -> None:
    build, shape = ARCHITECTURES["mlp"]
    _, _, masks = _data(shape)
    torch.manual_seed(0)
    model = build()
    twins = [copy.deepcopy(model) for _ in range(2)]
    for twin in twins:
        Dropout(p=0.5).prepare_model(twin)
    # Two copies of the same model on the same members: only dropout tells them apart.
    same = masks[:1].repeat(2, 1)
    _run(twins, same, [3, 3], TrainConfig(epochs=2, batch_size=16, lr=1e-2), [],
         vectorised=True, shape=shape)
    assert not torch.allclose(twins[0][1].weight, twins[1][1].weight)


def test_curves_every_eval_every_epochs() -> None:
    config = TrainConfig(epochs=5, batch_size=16, lr=1e-2, eval_every=2)
    hist = _stacked_and_alone("mlp", config, list)[2]
    assert [r.epoch for r in hist[0].epochs] == [1, 3, 4]
    assert len(hist[0].epoch_stats) == 5


def test_any_torch_optim_setting_steps_each_model_as_alone() -> None:
    """Models with fewer steps per epoch sit out the last steps: Adam's step count and
    bias correction stay each model's own (a model alone never takes those steps)."""
    config = TrainConfig(epochs=3, batch_size=7, lr=5e-2)
    stacked, alone, _, _ = _stacked_and_alone("logistic", config, list)
    for k in range(K):
        for p, q in zip(stacked[k].parameters(), alone[k].parameters(), strict=True):
            torch.testing.assert_close(p, q, atol=1e-6, rtol=1e-5)


class _Unvmappable(nn.Module):
    """A module torch.func cannot run: it reads a tensor's value in Python."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(16, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if float(x.abs().sum()) >= 0:  # data-dependent control flow
            return self.linear(x)
        return -self.linear(x)


def test_a_module_torch_func_cannot_run_falls_back_visibly(caplog) -> None:
    x, y, masks = _data((16,))
    with caplog.at_level(logging.WARNING):
        ensemble = train_ensemble(
            build_model=_Unvmappable, x=x.numpy(), y=y.numpy(), masks=masks.numpy(),
            x_test=x[:20].numpy(), y_test=y[:20].numpy(), num_classes=C,
            config=TrainConfig(epochs=1, batch_size=16), seed=0, progress=False,
        )
    assert ensemble.engine == "stacked"
    assert "torch.func cannot run" in (ensemble.fallback_reason or "")
    assert any("one at a time" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)
    assert all(h.final.epoch == 0 for h in ensemble.histories)


def test_train_ensemble_chunks_give_the_models_one_chunk_gives() -> None:
    build, shape = ARCHITECTURES["mlp"]
    x, y, masks = _data(shape)
    common = dict(build_model=build, x=x.numpy(), y=y.numpy(), masks=masks.numpy(),
                  x_test=x[:20].numpy(), y_test=y[:20].numpy(), num_classes=C, seed=4,
                  progress=False)
    whole = train_ensemble(config=TrainConfig(epochs=2, batch_size=16, chunk_size=3), **common)
    chunked = train_ensemble(config=TrainConfig(epochs=2, batch_size=16, chunk_size=1), **common)
    alone = train_ensemble(config=TrainConfig(epochs=2, batch_size=16, engine="opacus"), **common)
    assert whole.fallback_reason is None and alone.engine == "opacus"
    for a, b, c in zip(whole.models, chunked.models, alone.models, strict=True):
        _same_function(a, b, shape)
        _same_function(a, c, shape)


def test_any_elementwise_torch_optim_optimizer_from_config_trains_stacked_as_alone() -> None:
    spec = {"_target_": "torch.optim.AdamW", "betas": [0.8, 0.95]}
    config = TrainConfig(epochs=2, batch_size=16, lr=1e-2, optimizer=spec, weight_decay=0.1)
    stacked, alone, _, _ = _stacked_and_alone("mlp", config, list)
    for k in range(K):
        for p, q in zip(stacked[k].parameters(), alone[k].parameters(), strict=True):
            torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)
    adam = _stacked_and_alone("mlp", TrainConfig(epochs=2, batch_size=16, lr=1e-2), list)[0]
    assert not torch.allclose(adam[0][1].weight, stacked[0][1].weight)  # the settings count


class _CoupledSGD(torch.optim.SGD):
    """An optimiser outside torch.optim: the engine cannot know it is element-wise."""


def test_an_optimizer_not_known_element_wise_trains_one_model_at_a_time() -> None:
    x, y, masks = _data((16,))
    spec = {"_target_": f"{__name__}._CoupledSGD"}
    ensemble = train_ensemble(
        build_model=ARCHITECTURES["mlp"][0], x=x.numpy(), y=y.numpy(), masks=masks.numpy(),
        x_test=x[:20].numpy(), y_test=y[:20].numpy(), num_classes=C,
        config=TrainConfig(epochs=1, batch_size=16, optimizer=spec), seed=0, progress=False,
    )
    assert "_CoupledSGD is not a known element-wise optimiser" in ensemble.fallback_reason


@pytest.mark.parametrize(
    "spec,message",
    [
        ({"_target_": "torch.optim.LBFGS"}, r"LBFGS: it needs a closure at every step"),
        ({"_target_": "torch.optim.SparseAdam"}, r"SparseAdam: it steps on sparse gradients"),
        ({"_target_": "torch.optim.Nope"}, r"torch.optim.Nope: not a torch.optim.Optimizer"),
        ({"_target_": "no_such_module.Opt"}, r"cannot import it"),
        ("adamw", r"must be one of 'adam', 'sgd' or a \{_target_: ...\}"),
    ],
)
def test_a_bad_optimizer_is_refused_by_name(spec, message) -> None:
    with pytest.raises(ConfigError, match=message):
        TrainConfig(optimizer=spec)


def test_weight_decay_with_an_optimizer_that_has_none_is_refused() -> None:
    model = nn.Linear(2, 2)
    config = TrainConfig(optimizer={"_target_": "torch.optim.Rprop"})
    with pytest.raises(ConfigError, match=r"Rprop takes no weight_decay"):
        make_optimizer(list(model.parameters()), config, weight_decay=0.1)  # a defense's
    with pytest.raises(ConfigError, match=r"Rprop takes no weight_decay"):  # the recipe's
        TrainConfig(optimizer={"_target_": "torch.optim.Rprop"}, weight_decay=0.1)


def test_a_lone_last_member_joins_the_batch_before_it() -> None:
    assert batch_bounds(45, 22) == [(0, 22), (22, 45)]  # not (44, 45): a batch of one
    assert batch_bounds(44, 22) == [(0, 22), (22, 44)]
    assert batch_bounds(46, 22) == [(0, 22), (22, 44), (44, 46)]
    assert batch_bounds(1, 22) == [(0, 1)]


def test_merged_last_batches_train_stacked_as_alone() -> None:
    # 45 members at batch_size 22: two steps, the second of 23 (the others: 60 -> 3, 30 -> 2)
    config = TrainConfig(epochs=2, batch_size=22, lr=1e-2)
    stacked, alone, hist, hist1 = _stacked_and_alone("mlp", config, list)
    for k in range(K):
        _same_function(stacked[k], alone[k], ARCHITECTURES["mlp"][1])
    _same_histories(hist, hist1)
    assert [len(h.epoch_stats) for h in hist] == [len(h.epoch_stats) for h in hist1]


class _ScalarLoss(TrainingDefense):
    """A user's defense whose loss reduces over the models too (one number, not [K])."""

    def loss(self, logits, batch, ctx):
        return logits.logsumexp(-1).mean()


@pytest.mark.parametrize("vectorised", [True, False])
def test_a_defense_loss_that_is_not_one_value_per_model_is_refused_by_name(vectorised) -> None:
    build, shape = ARCHITECTURES["mlp"]
    _, _, masks = _data(shape)
    models = [build() for _ in range(K)] if vectorised else [build()]
    with pytest.raises(ConfigError, match=r"defense _ScalarLoss: its loss must be a tensor of "
                       r"one value per model, shape \[\d\], not \(\)"):  # fmt: skip
        _run(models, masks[: len(models)], range(len(models)), TrainConfig(epochs=1),
             [_ScalarLoss() for _ in models], vectorised=vectorised, shape=shape)  # fmt: skip


class _ScalarStop(TrainingDefense):
    """Stops on one number for all models (``torch.tensor(True)`` broadcasts over K)."""

    def end_epoch(self, ctx, epoch):
        return torch.tensor(True)


class _ListStop(TrainingDefense):
    def end_epoch(self, ctx, epoch):
        return [False] * ctx.num_models


class _FloatStop(TrainingDefense):
    def end_epoch(self, ctx, epoch):
        return torch.zeros(ctx.num_models)


class _TupleBatch(TrainingDefense):
    def transform(self, batch, ctx):
        return batch.x, batch.y


class _ListBatches(TrainingDefense):
    def batches(self, ctx, epoch):
        return iter([[0, 1, 2]])


class _NoOptions(TrainingDefense):
    def optimizer_options(self):
        return None


class _BadOptions(TrainingDefense):
    def optimizer_options(self):
        return {"lr": -1.0}


class _TextSteps(TrainingDefense):
    def steps_per_epoch(self, size, batch_size):
        return "3"


class _TensorBackward(TrainingDefense):
    def backward(self, logits, loss, batch, ctx):
        return loss > 0


class _FlatForward(TrainingDefense):
    def forward(self, batch, ctx):
        return ctx.stack.forward(batch.x)[0]  # one model's logits, not the chunk's


@pytest.mark.parametrize(("defense", "message"), [
    (_NoOptions, r"defense _NoOptions: its optimizer_options must give a mapping of optimiser "
                 r"settings, not NoneType"),
    (_BadOptions, r"defense: the optimiser refused the defenses' optimizer_options "
                  r"\{'lr': -1.0\} \(Invalid learning rate: -1.0\); fix the defense's settings"),
    (_TextSteps, r"defense _TextSteps: its steps_per_epoch must give a whole number >= 1, or "
                 r"None, not str"),
    (_TensorBackward, r"defense _TensorBackward: its backward must give True or False, not a "
                      r"bool tensor of shape \[3\]"),
    (_FlatForward, r"defense _FlatForward: its forward must give logits of shape \[3, batch, "
                   r"classes\], or None, not a float32 tensor of shape \[\d+, \d+\]"),
    (_ScalarStop, r"defense _ScalarStop: its end_epoch must give a bool tensor of one value "
                  r"per model, shape \[3\], or None, not a bool tensor of shape \[\]"),
    (_ListStop, r"defense _ListStop: its end_epoch must give .*, not list"),
    (_FloatStop, r"defense _FloatStop: its end_epoch must give .*, not a float32 tensor of "
                 r"shape \[3\]"),
    (_TupleBatch, r"defense _TupleBatch: its transform must give "
                  r"a mia_defense.defenses.base.Batch, not tuple"),
    (_ListBatches, r"a defense: its batches must give mia_defense.defenses.base.Batch "
                   r"objects, not list"),
])  # fmt: skip
def test_a_defense_hook_that_gives_the_wrong_kind_of_value_is_refused_by_name(
    defense, message
) -> None:
    # before: a scalar stop halted every model silently, the others raised TypeError,
    # RuntimeError, ValueError or AttributeError from inside the engine
    build, shape = ARCHITECTURES["mlp"]
    _, _, masks = _data(shape)
    models = [build() for _ in range(K)]  # K = 3
    with pytest.raises(ConfigError, match=message):
        _run(models, masks, range(K), TrainConfig(epochs=1), [defense()],
             vectorised=True, shape=shape)  # fmt: skip


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_stacked_models_keep_a_frozen_layer_frozen_as_each_alone(optimizer):
    """A parameter with requires_grad=False (a pretrained layer kept as it is): stacked, it
    was trained (every leaf required grad), alone it was not, so the engine changed what
    a model learned."""
    def trained(vectorised: bool) -> list[nn.Module]:
        torch.manual_seed(0)
        models = [FrozenFirstLayer(input_shape=(10,), num_classes=2) for _ in range(2)]
        before = [m.body.weight.detach().clone() for m in models]
        g = torch.Generator().manual_seed(1)
        x, y = torch.randn(40, 10, generator=g), torch.randint(0, 2, (40,), generator=g)
        chunks = [[0, 1]] if vectorised else [[0], [1]]
        for chunk in chunks:
            train_chunk([models[k] for k in chunk], x=x, y=y,
                        masks=torch.ones((len(chunk), 40), dtype=torch.bool),
                        x_test=x, y_test=y, num_classes=2,
                        config=TrainConfig(epochs=2, batch_size=8, lr=0.05, optimizer=optimizer),
                        generators=[torch.Generator().manual_seed(k) for k in chunk],
                        defenses=[], vectorised=vectorised)  # fmt: skip
        for model, weight in zip(models, before, strict=True):
            assert torch.equal(model.body.weight, weight)
        return models

    stacked, alone = trained(True), trained(False)
    for a, b in zip(stacked, alone, strict=True):
        assert torch.allclose(a.head.weight, b.head.weight, atol=1e-6)

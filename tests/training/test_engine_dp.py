"""DP-SGD on the stacked engine, checked against Opacus: clipped sums, weights, noise and ε."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from functools import partial

import pytest
import torch
import torch.nn.functional as F
from opacus import GradSampleModule
from opacus.optimizers import DPOptimizer
from sklearn.datasets import load_digits
from torch import nn

import mia_defense.defenses.dp as dp_module
import mia_defense.defenses.dp_stacked as dp_stacked
from mia_defense.defenses import DPSGD, Dropout
from mia_defense.defenses.base import Batch, TrainingDefense, cross_entropy
from mia_defense.defenses.dp_stacked import (
    clipped_grad_sums,
    per_sample_strategy,
    sample_output_grads,
)
from mia_defense.models import MLP, SmallCNN
from mia_defense.training.config import TrainConfig
from mia_defense.training.stack import ModelStack
from tests.models.user_models import FrozenFirstLayer
from tests.training.engines import train_by_engine


@pytest.fixture(scope="module")
def digits() -> tuple[torch.Tensor, torch.Tensor]:
    data = load_digits()
    return torch.tensor(data.data / 16.0, dtype=torch.float32), torch.tensor(data.target)


def _mlp() -> nn.Module:
    return MLP(input_shape=(64,), num_classes=10, hidden=(16,))


def _cnn() -> nn.Module:
    return SmallCNN(input_shape=(1, 8, 8), num_classes=10, channels=(4,), hidden=8, groups=2,
                    pooled=2)  # fmt: skip


class _Tokens(nn.Module):
    """A Linear on [B, T, features] inputs: no ghost norm (the rule wants [B, features])."""

    def __init__(self) -> None:
        super().__init__()
        self.embed, self.head = nn.Linear(8, 3), nn.Linear(24, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.embed(x.view(len(x), 8, 8))).flatten(1))


def _opacus_sums(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, max_grad_norm: float, smoothing: float
) -> list[torch.Tensor]:
    """Opacus' clipped sums (``summed_grad``) of one model on one batch."""
    wrapped = GradSampleModule(copy.deepcopy(model))
    optimizer = DPOptimizer(
        torch.optim.SGD(wrapped.parameters(), lr=0.0), noise_multiplier=0.0,
        max_grad_norm=max_grad_norm, expected_batch_size=len(y),
    )  # fmt: skip
    F.cross_entropy(wrapped(x), y, label_smoothing=smoothing).backward()
    optimizer.clip_and_accumulate()
    return [p.summed_grad for p in wrapped.parameters() if p.requires_grad]


CASES: dict[str, tuple[Callable[[], nn.Module], str, str]] = {
    # name: (model, strategy asked, strategy used)
    "mlp_ghost": (_mlp, "ghost", "ghost"),
    "mlp_materialised": (_mlp, "materialised", "materialised"),
    "cnn_mixed": (_cnn, "mixed", "mixed"),
    "cnn_materialised": (_cnn, "materialised", "materialised"),
    "linear_on_3d_input": (_Tokens, "ghost", "materialised"),
    "linear_on_3d_input_mixed": (_Tokens, "mixed", "materialised"),
}


@pytest.mark.parametrize("vectorised", [True, False], ids=["stacked", "module"])
@pytest.mark.parametrize("max_grad_norm", [0.1, 100.0])
@pytest.mark.parametrize("case", list(CASES))
def test_clipped_sums_equal_opacus_per_model(digits, case, max_grad_norm, vectorised):
    """Three models, each on its own batch (one padded), label smoothing as the loss hook,
    against Opacus one model at a time; module mode (one model as itself) too."""
    build, asked, used = CASES[case]
    x_all, y_all = digits
    if case.startswith("cnn"):
        x_all = x_all.view(-1, 1, 8, 8)
    num = 3 if vectorised else 1
    torch.manual_seed(0)
    models = [build() for _ in range(num)]
    assert per_sample_strategy(models[0]) == ("mixed" if case.startswith("cnn") else "ghost")
    counts = [20, 13, 20][:num]
    x = torch.stack([x_all[20 * k : 20 * k + 20] for k in range(num)])
    y = torch.stack([y_all[20 * k : 20 * k + 20] for k in range(num)])
    valid = torch.arange(20).unsqueeze(0) < torch.tensor(counts).unsqueeze(1)
    stack = ModelStack(models, [num], vectorised=vectorised)
    logits = stack.forward(x)
    batch = Batch(x=x, y=y, target=y, valid=valid, stepping=torch.ones(num, dtype=torch.bool))
    loss = cross_entropy(logits, batch, label_smoothing=0.1)
    out_grads = sample_output_grads(logits, loss, valid)
    ours, strategy = clipped_grad_sums(
        stack, x, out_grads, valid, max_grad_norm=max_grad_norm, strategy=asked, chunk=7
    )
    assert strategy == used
    for k, model in enumerate(models):
        n = counts[k]
        theirs = _opacus_sums(model, x[k, :n], y[k, :n], max_grad_norm, 0.1)
        for name, opacus_sum in zip(stack.names, theirs, strict=True):
            torch.testing.assert_close(ours[name][k], opacus_sum, rtol=1e-4, atol=1e-6)


# Ten digits classes; the first 30 rows stand in for the test split.
_train = partial(train_by_engine, engine="stacked", num_classes=10, test_size=30)


def _frozen_mlp() -> nn.Module:
    return FrozenFirstLayer(input_shape=(64,), num_classes=10)


def _frozen_cnn() -> nn.Module:
    model = _cnn()
    next(m for m in model.modules() if isinstance(m, nn.Conv2d)).requires_grad_(False)
    return model


def _frozen_weight() -> nn.Module:
    """A Linear whose weight is frozen and whose bias trains: no ghost rule for it."""
    model = _mlp()
    next(m for m in model.modules() if isinstance(m, nn.Linear)).weight.requires_grad_(False)
    return model


FROZEN: dict[str, tuple[Callable[[], nn.Module], str, str]] = {
    "frozen_layer_ghost": (_frozen_mlp, "ghost", "ghost"),
    "frozen_layer_materialised": (_frozen_mlp, "materialised", "materialised"),
    "frozen_conv_mixed": (_frozen_cnn, "mixed", "mixed"),
    "frozen_weight_mixed": (_frozen_weight, "mixed", "mixed"),
}


@pytest.mark.filterwarnings("ignore:Full backward hook")  # Opacus, on a frozen first layer
@pytest.mark.parametrize("vectorised", [True, False], ids=["stacked", "module"])
@pytest.mark.parametrize("case", list(FROZEN))
def test_clipped_sums_leave_frozen_parameters_out_as_opacus(digits, case, vectorised):
    """A frozen parameter (requires_grad=False: a pretrained layer) counted in the clipping
    norm and got noise on the stacked engine, where Opacus leaves it out (0.172 test
    accuracy against 0.174): the clipped sums are now Opacus', over the trainable ones."""
    build, asked, used = FROZEN[case]
    x_all, y_all = digits
    if "conv" in case:
        x_all = x_all.view(-1, 1, 8, 8)
    num = 3 if vectorised else 1
    torch.manual_seed(0)
    models = [build() for _ in range(num)]
    x = torch.stack([x_all[20 * k : 20 * k + 20] for k in range(num)])
    y = torch.stack([y_all[20 * k : 20 * k + 20] for k in range(num)])
    valid = torch.ones((num, 20), dtype=torch.bool)
    stack = ModelStack(models, [num], vectorised=vectorised)
    logits = stack.forward(x)
    batch = Batch(x=x, y=y, target=y, valid=valid, stepping=torch.ones(num, dtype=torch.bool))
    out_grads = sample_output_grads(logits, cross_entropy(logits, batch), valid)
    ours, strategy = clipped_grad_sums(
        stack, x, out_grads, valid, max_grad_norm=0.1, strategy=asked, chunk=7
    )
    assert strategy == used
    trained = [n for n, p in models[0].named_parameters() if p.requires_grad]
    assert len(trained) < len(stack.names) and sorted(ours) == sorted(trained)
    for k, model in enumerate(models):
        theirs = _opacus_sums(model, x[k], y[k], 0.1, 0.0)
        for name, opacus_sum in zip(trained, theirs, strict=True):
            torch.testing.assert_close(ours[name][k], opacus_sum, rtol=1e-4, atol=1e-6)


@pytest.mark.filterwarnings("ignore:Full backward hook")  # Opacus, on a frozen first layer
def test_k1_stacked_engine_equals_the_opacus_engine_with_a_frozen_layer(digits):
    """The noise too: drawn over the trainable parameters only, as Opacus draws it; the
    frozen layer is left as it was by both."""
    x, y = digits[0][:200], digits[1][:200]
    config = TrainConfig(epochs=2, batch_size=32, lr=1e-2)
    torch.manual_seed(0)
    model = _frozen_mlp()
    reference, frozen = copy.deepcopy(model), model.body.weight.detach().clone()
    masks = torch.ones((1, 200), dtype=torch.bool)
    dp = lambda: [DPSGD(max_grad_norm=1.0, noise_multiplier=1.1)]  # noqa: E731
    _train([model], x, y, masks, config=config, seeds=[3], defenses=dp)
    _train([reference], x, y, masks, config=config, seeds=[3], defenses=dp, engine="opacus")
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)
    assert torch.equal(model.body.weight, frozen)


@pytest.mark.parametrize("batch_size", [32, 1], ids=["batch32", "empty_draws"])
@pytest.mark.parametrize(
    "settings", [{"noise_multiplier": 1.1}, {"target_epsilon": 3.0}], ids=["sigma", "target"]
)
def test_k1_stacked_engine_equals_the_opacus_engine(digits, settings, batch_size):
    """Same seed: the same Poisson draws, the same noise, the same weights and ε as Opacus'
    GradSampleModule + DPOptimizer + accountant; batch size 1 draws many empty batches
    (over 60 records: a step each, 120 steps of both engines)."""
    n = 60 if batch_size == 1 else 200
    x, y = digits[0][:n], digits[1][:n]
    config = TrainConfig(epochs=2, batch_size=batch_size, lr=1e-2)
    torch.manual_seed(0)
    model = _mlp()
    reference = copy.deepcopy(model)
    masks = torch.ones((1, n), dtype=torch.bool)
    dp = lambda: [DPSGD(max_grad_norm=1.0, **settings)]  # noqa: E731
    (ours,) = _train([model], x, y, masks, config=config, seeds=[3], defenses=dp)
    (theirs,) = _train([reference], x, y, masks, config=config, seeds=[3], defenses=dp,
                       engine="opacus")  # fmt: skip
    assert set(ours.stats) == {"epsilon", "delta", "noise_multiplier", "sample_rate", "steps"}
    for key, value in theirs.stats.items():
        assert ours.stats[key] == pytest.approx(value, rel=1e-12), key
    assert ours.stats["steps"] == (2 * n if batch_size == 1 else 2 * 7)  # int(1 / q) a epoch
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)
    assert [s["epsilon"] for s in ours.epoch_stats] == pytest.approx(
        [s["epsilon"] for s in theirs.epoch_stats], rel=1e-12
    )
    assert not hasattr(reference, "_module") and not any(
        hasattr(p, "grad_sample") for p in reference.parameters()
    )  # Opacus' hooks and attributes are gone from the trained module


@pytest.mark.parametrize("build", [_mlp, _cnn], ids=["mlp_ghost", "cnn_materialised"])
def test_stacked_k3_equals_three_k1_runs(digits, build):
    """Members of different sizes (different sample rates and step counts, so the models
    train in groups that sit some steps out)."""
    x, y = digits[0][:150], digits[1][:150]
    if build is _cnn:
        x = x.view(-1, 1, 8, 8)
    masks = torch.zeros((3, 150), dtype=torch.bool)
    masks[0, :100], masks[1, 40:90], masks[2, 50:] = True, True, True
    config = TrainConfig(epochs=2, batch_size=16, lr=1e-2)
    torch.manual_seed(0)
    models = [build() for _ in range(3)]
    singles = [copy.deepcopy(m) for m in models]
    dp = lambda: [DPSGD(noise_multiplier=1.0, max_grad_norm=1.0)]  # noqa: E731
    stacked = _train(models, x, y, masks, config=config, seeds=[5, 6, 7], defenses=dp)
    for k in range(3):
        (alone,) = _train([singles[k]], x, y, masks[k : k + 1], config=config, seeds=[5 + k],
                          defenses=dp)  # fmt: skip
        assert stacked[k].stats == pytest.approx(alone.stats, rel=1e-12)
        for p, q in zip(models[k].parameters(), singles[k].parameters(), strict=True):
            torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)
    assert stacked[0].stats["steps"] != stacked[1].stats["steps"]


@pytest.mark.parametrize("arch", ["mlp_dropout", "cnn"])
def test_without_noise_or_clipping_dp_sgd_is_plain_sgd(digits, arch):
    """σ = 0, C = 10^6, shuffled batches of 16 out of 64 (E[B] = 16 = every batch): the
    clipped sums divided by E[B] are the mean gradient, so the weights are plain SGD's.
    With dropout this holds only because the per-sample pass replays the engine's masks."""
    x, y = digits[0][:64], digits[1][:64]
    if arch == "cnn":
        x = x.view(-1, 1, 8, 8)
    masks = torch.ones((2, 64), dtype=torch.bool)
    masks[1, 40:] = False  # 40 members: E[B] = 40 // 3 = 13, not the mean's divisor
    config = TrainConfig(epochs=2, batch_size=16, lr=0.1, optimizer="sgd", momentum=0.0)
    torch.manual_seed(0)
    models = [_mlp() if arch == "mlp_dropout" else _cnn() for _ in range(2)]
    dp = DPSGD(noise_multiplier=0.0, max_grad_norm=1e6, poisson_sampling=False,
               allow_unaccounted_sampling=True)  # fmt: skip
    extra: list[TrainingDefense] = [Dropout(p=0.5)] if arch == "mlp_dropout" else []
    for defense in extra:
        models = [defense.prepare_model(m) for m in models]
    plain = [copy.deepcopy(m) for m in models]
    runs = []
    for trained, defenses in ((models, [dp, *extra]), (plain, extra)):
        torch.manual_seed(1)  # dropout draws from the global generator
        runs.append(_train(trained, x, y, masks, config=config, seeds=[2, 3],
                           defenses=lambda d=defenses: list(d)))  # fmt: skip
    for p, q in zip(models[0].parameters(), plain[0].parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)
    moved = [(p - q).abs().max() for p, q in zip(models[1].parameters(),
                                                  plain[1].parameters(), strict=True)]
    assert max(moved) > 1e-3  # 40 members: the sum / 13 is not the mean over 16 or 8
    assert runs[0][0].stats["epsilon"] == float("inf")


def test_the_opacus_engine_says_it_ignores_physical_batches_once_not_per_model(digits, caplog):
    # Said as each model's Opacus was set up, it came once per model (16 copies at the default
    # plan.num_models); the pipeline says it once a run (warn_unused_physical_batches, h154).
    x, y = digits[0][:64], digits[1][:64]
    masks = torch.ones((2, 64), dtype=torch.bool)
    config = TrainConfig(epochs=1, batch_size=16, lr=0.1)
    dp = lambda: [DPSGD(noise_multiplier=1.0, max_physical_batch_size=4)]  # noqa: E731
    said = "max_physical_batch_size=4 has no effect with train.engine=opacus"
    with caplog.at_level(logging.WARNING, logger="mia_defense.defenses.dp"):
        _train([_mlp(), _mlp()], x, y, masks, config=config, seeds=[0, 1], defenses=dp,
               engine="opacus")  # fmt: skip
        assert said not in caplog.text  # (training a model says nothing)
        dp_module.warn_unused_physical_batches(dp(), engine="opacus")
        dp_module.warn_unused_physical_batches(dp(), engine="stacked")
    assert caplog.text.count(said) == 1


def test_a_ghost_model_takes_one_forward_pass_per_dp_step(digits, monkeypatch):
    """DP-SGD runs the engine's forward pass itself, tapped: the per-sample norms of a model
    whose every layer has a ghost rule (the default MLP) come from it, with no second pass
    (two passes cost the default DP run about half of its extra time)."""
    x, y = digits[0][:64], digits[1][:64]
    calls: list[bool] = []
    forward = MLP.forward

    def counted(self: MLP, inputs: torch.Tensor) -> torch.Tensor:
        calls.append(torch.is_grad_enabled())  # training passes; evaluation runs without
        return forward(self, inputs)

    class _FromFirstStep(TrainingDefense):
        order = 99  # set up after DP-SGD, whose model checks run forward passes of their own

        def setup(self, ctx):
            monkeypatch.setattr(MLP, "forward", counted)

    dp = DPSGD(noise_multiplier=1.0, max_grad_norm=1.0, poisson_sampling=False,
               allow_unaccounted_sampling=True)  # fmt: skip
    torch.manual_seed(0)
    _train([_mlp(), _mlp()], x, y, torch.ones((2, 64), dtype=torch.bool),
           config=TrainConfig(epochs=1, batch_size=16), seeds=[1, 2],
           defenses=lambda: [dp, _FromFirstStep()])  # fmt: skip
    assert calls.count(True) == 4  # 64 members in batches of 16: one pass per step


def test_a_model_the_ghost_taps_do_not_suit_falls_back_within_the_step(digits):
    """nn.Linear on [B, T, F] inputs has no ghost rule that fits: DP-SGD's tapped forward
    pass gives up at the first step and the engine's own pass runs instead, with the
    per-sample gradients formed; without noise or clipping that is plain SGD."""
    x, y = digits[0][:64], digits[1][:64]
    masks = torch.ones((2, 64), dtype=torch.bool)
    config = TrainConfig(epochs=1, batch_size=16, lr=0.1, optimizer="sgd", momentum=0.0)
    torch.manual_seed(0)
    models = [_Tokens() for _ in range(2)]
    plain = [copy.deepcopy(m) for m in models]
    dp = DPSGD(noise_multiplier=0.0, max_grad_norm=1e6, poisson_sampling=False,
               allow_unaccounted_sampling=True)  # fmt: skip
    _train(models, x, y, masks, config=config, seeds=[2, 3], defenses=lambda: [dp])
    _train(plain, x, y, masks, config=config, seeds=[2, 3], defenses=list)
    assert dp._strategy == "materialised"
    for model, alone in zip(models, plain, strict=True):
        for p, q in zip(model.parameters(), alone.parameters(), strict=True):
            torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)


def test_setup_walks_the_model_for_its_ghost_layers_once(digits, monkeypatch):
    """DPSGD.setup took the strategy (one walk of the model's layers) and then walked them
    again for the layers; one walk gives both (the training is unchanged: tests above)."""
    walks = []

    def counted(model: nn.Module):
        walks.append(type(model).__name__)
        return real(model)

    real = dp_stacked.ghost_layers
    monkeypatch.setattr(dp_stacked, "ghost_layers", counted)
    monkeypatch.setattr(dp_module, "ghost_layers", counted, raising=False)
    x, y = digits[0][:64], digits[1][:64]
    config = TrainConfig(epochs=1, batch_size=16, lr=1e-2)
    dp = lambda: [DPSGD(noise_multiplier=1.0, max_grad_norm=1.0)]  # noqa: E731
    _train([_mlp(), _mlp()], x, y, torch.ones((2, 64), dtype=torch.bool), config=config,
           seeds=[0, 1], defenses=dp)  # fmt: skip
    assert walks == ["MLP"]

"""Regularisers and literature defenses: each does what it says, and a strong one lowers leakage."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from mia_defense.cli.train import run
from mia_defense.defenses import (
    Dropout,
    EarlyStopping,
    LabelSmoothing,
    Mixup,
    RelaxLoss,
    WeightDecay,
)
from mia_defense.defenses.base import Batch
from mia_defense.errors import ConfigError, UnsupportedModelError
from mia_defense.models import MLP, LogisticRegression
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk
from tests.defenses.bn_model import BatchNormMLP
from tests.helpers import LEAN_ATTACKS, OVERFIT


def _data(seed: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 10, generator=g)
    y = ((x[:, 0] + 0.8 * torch.randn(n, generator=g)) > 0).long()  # noisy labels: overfits
    return x, y


def _train(defenses, *, epochs: int = 40, lr: float = 0.01, model=None, reference=True,
           vectorised=True):
    torch.manual_seed(0)
    x, y = _data(0, 64)
    x_ref, y_ref = _data(1, 256)
    model = model or MLP(input_shape=(10,), num_classes=2, hidden=(64,))
    (history,) = train_chunk(
        [model],
        x=x,
        y=y,
        masks=torch.ones((1, len(y)), dtype=torch.bool),
        x_test=x_ref,
        y_test=y_ref,
        num_classes=2,
        config=TrainConfig(epochs=epochs, batch_size=16, lr=lr),
        generators=[torch.Generator().manual_seed(0)],
        defenses=defenses,
        x_reference=x_ref if reference else None,
        y_reference=y_ref if reference else None,
        vectorised=vectorised,
    )
    return model, history


@pytest.mark.slow  # a property of trained models: 2 x 8 models x 60 epochs (~6 s)
def test_relaxloss_lowers_the_loss_attack_on_an_overfit_setting(make_cfg, tmp_path, overfit_run):
    plain = overfit_run.result  # the same settings undefended, shared with test_train
    relaxed = run(
        make_cfg(*OVERFIT, *LEAN_ATTACKS, "defense=relaxloss", "defense.relaxloss.alpha=1"),
        tmp_path / "rl",
    )
    assert plain.utility["train_accuracy"] > 0.99
    # measured 0.756 -> 0.647 on this seed: members' loss is held near alpha, not at 0
    assert relaxed.attacks["loss"]["auc"] < plain.attacks["loss"]["auc"] - 0.05


def test_relaxloss_holds_the_members_loss_near_alpha():
    _, plain = _train([])
    _, relaxed = _train([RelaxLoss(alpha=0.5)])
    assert plain.final.train_loss < 0.1
    assert 0.25 < relaxed.final.train_loss < 0.9


def test_weight_decay_sets_the_optimizer_and_shrinks_weights():
    assert WeightDecay(coefficient=0.1).optimizer_options() == {"weight_decay": 0.1}
    plain, _ = _train([])
    decayed, _ = _train([WeightDecay(coefficient=0.05)])
    norm = lambda m: sum(p.norm() ** 2 for p in m.parameters())  # noqa: E731
    assert norm(decayed) < 0.7 * norm(plain)


def test_dropout_is_random_in_training_only_and_keeps_the_architecture():
    model = MLP(input_shape=(10,), num_classes=2, hidden=(64, 64))
    keys = list(model.state_dict())
    Dropout(p=0.5).prepare_model(model)
    assert list(model.state_dict()) == keys
    x = torch.randn(8, 10)
    model.train()
    assert not torch.equal(model(x), model(x))
    model.eval()
    assert torch.equal(model(x), model(x))
    with pytest.raises(UnsupportedModelError, match=r"defense\.dropout"):
        Dropout().prepare_model(LogisticRegression(input_shape=(10,), num_classes=2))


def test_label_smoothing_is_cross_entropy_against_smoothed_targets():
    logits, y = torch.randn(6, 4), torch.tensor([0, 1, 2, 3, 0, 1])
    target = 0.7 * F.one_hot(y, 4) + 0.3 / 4
    expected = -(target * F.log_softmax(logits, 1)).sum(1).mean()
    batch = Batch(x=logits[None], y=y[None], target=y[None],
                  valid=torch.ones((1, 6), dtype=torch.bool),
                  stepping=torch.ones(1, dtype=torch.bool))
    got = LabelSmoothing(smoothing=0.3).loss(logits[None], batch, None)  # type: ignore[arg-type]
    assert torch.allclose(got, expected[None])


def test_mixup_yields_convex_mixes_with_soft_labels():
    x, y = torch.eye(8), torch.arange(8) % 2
    ctx = SimpleNamespace(generators=[torch.Generator().manual_seed(0)], num_classes=2,
                          device=torch.device("cpu"))
    mixup = Mixup(alpha=1.0)
    mixup.setup(ctx)  # type: ignore[arg-type]
    batch = Batch(x=x[None], y=y[None], target=y[None],
                  valid=torch.ones((1, 8), dtype=torch.bool),
                  stepping=torch.ones(1, dtype=torch.bool))
    mixed = mixup.transform(batch, ctx)  # type: ignore[arg-type]
    xb, yb = mixed.x[0], mixed.target[0]
    assert yb.shape == (8, 2) and torch.allclose(yb.sum(1), torch.ones(8))
    # each mixed row has mass lam on one sample and 1 - lam on another
    assert torch.allclose(xb.sum(1), torch.ones(8))
    assert ((xb > 0).sum(1) <= 2).all() and (xb > 0).sum() > 8
    _, history = _train([Mixup(alpha=0.4), LabelSmoothing(smoothing=0.1)], epochs=3)
    assert len(history.epochs) == 3


def test_early_stopping_stops_and_restores_the_best_validation_weights():
    model, history = _train([EarlyStopping(patience=2)], epochs=60, lr=0.05)
    val = [stats["val_loss"] for stats in history.epoch_stats]
    assert len(history.epochs) < 60  # noisy labels: validation loss turns up, training stops
    # it stops after patience + 1 epochs without improvement
    assert val.index(min(val)) == len(val) - 1 - (2 + 1)
    x_ref, y_ref = _data(1, 256)
    with torch.no_grad():
        assert F.cross_entropy(model.eval()(x_ref), y_ref).item() == pytest.approx(min(val))


def test_early_stopping_restores_the_best_epochs_batchnorm_statistics_too():
    """A model with BatchNorm (trained alone, as mia-train trains it): the best epoch's
    weights were restored with the last epoch's running statistics, a model no epoch had
    (its validation loss not the best one recorded)."""
    torch.manual_seed(0)
    bn_model = BatchNormMLP(input_shape=(10,), num_classes=2, hidden=64)
    model, history = _train([EarlyStopping(patience=2)], epochs=60, lr=0.05, model=bn_model,
                            vectorised=False)
    val = [stats["val_loss"] for stats in history.epoch_stats]
    assert len(history.epochs) < 60
    assert val.index(min(val)) < len(val) - 1  # the last epoch is not the best one
    x_ref, y_ref = _data(1, 256)
    with torch.no_grad():
        assert F.cross_entropy(model.eval()(x_ref), y_ref).item() == pytest.approx(min(val))


def test_defenses_needing_reference_data_say_which_key_to_set(make_cfg, tmp_path):
    with pytest.raises(ConfigError, match=r"'early_stopping'.*plan.reference_size"):
        run(make_cfg("defense=early_stopping"), tmp_path)
    with pytest.raises(ConfigError, match=r"defense\.early_stopping needs"):
        _train([EarlyStopping()], reference=False)


@pytest.mark.parametrize("name", ["advreg", "distillation", "early_stopping"])
def test_reference_split_defenses_run_end_to_end(make_cfg, tmp_path, name):
    result = run(make_cfg(f"defense={name}", "plan.reference_size=300"), tmp_path)
    assert result.defense["defense"] == name
    assert result.utility["test_accuracy"] > 0.5

"""A user's module whose logits are NaN or +inf before any training: refused as the model's
fault, not reported as a run that diverged at its learning rate."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import check_model_output
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk

C = 3


class NanOnRealData(nn.Module):
    """Finite on the checks' zeros, NaN on features above 1 (log of 1 - x)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) + torch.log(1 - x[:, :1])


class NanAlways(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) * float("nan")


class RulesOutAClass(nn.Module):
    """-inf for a class it rules out: logits still (log_softmax takes them)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x)
        return torch.cat([out[:, :-1], torch.full_like(out[:, -1:], -torch.inf)], 1)


def _train(models, x):
    y = torch.arange(len(x)) % (C - 1)
    masks = torch.ones((len(models), len(x)), dtype=torch.bool)
    return train_chunk(
        models, x=x, y=y, masks=masks, x_test=x[:4], y_test=y[:4], num_classes=C,
        config=TrainConfig(epochs=1, batch_size=8),
        generators=[torch.Generator().manual_seed(k) for k in range(len(models))],
    )


def test_logits_nan_on_the_first_batch_blame_the_model_not_the_learning_rate():
    # the run stopped as 'diverged' with "likely cause: train.lr=0.001 (lower the learning
    # rate first)": no step had been taken
    x = 2 + torch.rand(16, 4)
    torch.manual_seed(0)
    check_model_output(NanOnRealData(), input_shape=(4,), num_classes=C)  # zeros: fine
    with pytest.raises(UnsupportedModelError, match=r"NanOnRealData returns NaN or \+inf "
                       r"logits on the run's first training batch, at its initial weights"):
        _train([NanOnRealData(), NanOnRealData()], x)


def test_finite_logits_on_the_first_batch_train():
    x = torch.rand(16, 4) / 2
    histories = _train([NanOnRealData(), NanOnRealData()], x)
    assert all(h.final.epoch == 0 for h in histories)


def test_nan_logits_on_the_checks_zeros_are_refused_before_training():
    # passed the output check, then trained to a 'diverged' run blamed on train.lr
    with pytest.raises(UnsupportedModelError,
                       match=r"model._target_=m returns NaN or \+inf values, not logits"):
        check_model_output(NanAlways(), input_shape=(4,), num_classes=C, name="m")
    check_model_output(RulesOutAClass(), input_shape=(4,), num_classes=C)  # -inf: fine


class ClampsRealValues(nn.Module):
    """Clamps its input in place, only when it holds values other than 0 (so the check on a
    batch of zeros passes); the branch on the values also keeps torch.func from running it."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool((x != 0).any()):
            x.clamp_(max=0.5)
        return self.fc(x)


def test_a_model_changing_the_runs_data_in_place_stops_the_run():
    # it clamped the test set under the evaluation (its batches are views of it), and the
    # release and the attacks then read the clamped data: a run that finished on other data
    from mia_defense.training.ensemble import train_ensemble

    gen = torch.Generator().manual_seed(0)
    x = torch.rand((24, 4), generator=gen).numpy() + 0.6
    y = (torch.arange(24) % C).numpy()
    masks = torch.ones((1, 16), dtype=torch.bool).numpy()
    x_test = x[16:].copy()
    with pytest.raises(UnsupportedModelError, match=r"training changed the run's data in "
                       r"place \(x_test\): model .*ClampsRealValues"):
        train_ensemble(
            build_model=ClampsRealValues, x=x[:16], y=y[:16], masks=masks, x_test=x_test,
            y_test=y[16:], num_classes=C, config=TrainConfig(epochs=1, batch_size=8), seed=0,
            progress=False,
        )


class KeepsANote(nn.Module):
    """Extra state that is no tensor (get_extra_state)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)

    def get_extra_state(self):
        return {"made_by": "me"}

    def set_extra_state(self, state) -> None:
        pass


def test_extra_state_that_no_checkpoint_can_hold_is_refused_before_training():
    # trained, then an AttributeError traceback ('dict' object has no attribute
    # 'is_floating_point') in the divergence check, exit 1
    with pytest.raises(UnsupportedModelError, match=r"model._target_=m keeps dict "
                       r"'_extra_state' in its state dict \(get_extra_state\)"):
        check_model_output(KeepsANote(), input_shape=(4,), num_classes=C, name="m")


class WithBatchNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 6)
        self.bn = nn.BatchNorm1d(6)
        self.head = nn.Linear(6, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.bn(self.fc(x)))


def test_batchnorm_trains_one_model_at_a_time_says_why_and_keeps_its_statistics(caplog):
    import logging

    from mia_defense.training.ensemble import train_ensemble

    gen = torch.Generator().manual_seed(0)
    x = (3 + torch.randn((24, 4), generator=gen)).numpy()
    y = (torch.arange(24) % C).numpy()
    masks = torch.zeros((2, 16), dtype=torch.bool)
    masks[0, :8], masks[1, 8:] = True, True
    with caplog.at_level(logging.WARNING):
        ensemble = train_ensemble(
            build_model=WithBatchNorm, x=x[:16], y=y[:16], masks=masks.numpy(),
            x_test=x[16:], y_test=y[16:], num_classes=C,
            config=TrainConfig(epochs=1, batch_size=4), seed=0, progress=False,
        )
    assert "BatchNorm statistics" in (ensemble.fallback_reason or "")
    assert any("one at a time" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)
    # stacked models would have run on copies of the buffers: the statistics stay learned
    for model in ensemble.models:
        assert float(model.bn.num_batches_tracked) == 2
        assert not torch.equal(model.bn.running_mean, torch.zeros(6))
    assert not torch.equal(ensemble.models[0].bn.running_mean, ensemble.models[1].bn.running_mean)


class DropoutWhenQueried(nn.Module):
    """Dropout left on in eval mode (Monte-Carlo dropout): a random answer to each query."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(nn.functional.dropout(x, 0.3, training=True))


class DropoutWhenTraining(DropoutWhenQueried):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(nn.functional.dropout(x, 0.3, training=self.training))


def test_a_model_answering_at_random_when_queried_is_warned_about(caplog):
    # asked once, as a deterministic model's queries are, its noise may hide the leak an
    # attacker repeating each query would average away; nothing said so
    import logging

    with caplog.at_level(logging.WARNING):
        check_model_output(DropoutWhenTraining(), input_shape=(4,), num_classes=C, name="m")
    assert "eval mode" not in caplog.text
    model = DropoutWhenQueried()
    state = torch.random.get_rng_state()
    with caplog.at_level(logging.WARNING):
        check_model_output(model, input_shape=(4,), num_classes=C, name="m")
    assert "model._target_=m answers the same input differently in eval mode" in caplog.text
    assert torch.equal(torch.random.get_rng_state(), state)


def _fit_nothing(model, members, recipe):
    return model


def test_a_model_changing_the_test_set_in_place_stops_a_user_fit_run_too():
    # train.fit: the measurement after fit ran the model on views of the run's test set
    from mia_defense.user_fit import train_with_user_fit

    gen = torch.Generator().manual_seed(0)
    x = torch.rand((24, 4), generator=gen).numpy() + 0.6
    y = (torch.arange(24) % C).numpy()
    config = TrainConfig(epochs=1, batch_size=8,
                         fit={"_target_": "tests.test_red_api_h73_engine._fit_nothing"})
    with pytest.raises(UnsupportedModelError, match=r"training changed the run's data in "
                       r"place \(x_test\): model .*ClampsRealValues"):
        train_with_user_fit(
            build_model=ClampsRealValues, x=x[:16], y=y[:16],
            masks=torch.ones((1, 16), dtype=torch.bool).numpy(), x_test=x[16:].copy(),
            y_test=y[16:], num_classes=C, config=config, seed=0, progress=False,
        )

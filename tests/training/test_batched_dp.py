"""Vectorised DP-SGD: Opacus' clipping, Opacus' ε, and no membership signal at small ε."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from opacus import GradSampleModule
from opacus.optimizers import DPOptimizer
from sklearn.datasets import load_digits

from mia_defense.cli.train import run
from mia_defense.defenses.dp import DPSGD
from mia_defense.models import MLP
from mia_defense.plan import _balanced_masks
from mia_defense.training.batched import BatchedDP, dp_clipped_grad_sum, train_stacked
from mia_defense.training.config import TrainConfig
from mia_defense.training.loop import train_model


@pytest.fixture(scope="module")
def digits() -> tuple[torch.Tensor, torch.Tensor]:
    data = load_digits()
    return torch.tensor(data.data / 16.0, dtype=torch.float32), torch.tensor(data.target)


@pytest.mark.parametrize("max_grad_norm", [0.1, 1.0, 100.0])
def test_clipped_gradient_sum_equals_opacus(digits, max_grad_norm):
    x, y = digits[0][:32], digits[1][:32]
    torch.manual_seed(0)
    model = MLP(input_shape=(64,), num_classes=10, hidden=(16,))
    ours = dp_clipped_grad_sum(model, x, y, max_grad_norm=max_grad_norm)

    wrapped = GradSampleModule(model)
    optimizer = DPOptimizer(
        torch.optim.SGD(wrapped.parameters(), lr=0.0),
        noise_multiplier=0.0,
        max_grad_norm=max_grad_norm,
        expected_batch_size=len(y),
    )
    F.cross_entropy(wrapped(x), y).backward()
    optimizer.clip_and_accumulate()
    theirs = [p.summed_grad for p in wrapped.parameters()]
    for mine, opacus_sum in zip(ours, theirs, strict=True):
        torch.testing.assert_close(mine, opacus_sum, rtol=1e-5, atol=1e-6)
    # at 0.1 every sample is clipped: the sum's norm is at most batch * C
    if max_grad_norm == 0.1:
        total = torch.cat([g.flatten() for g in ours]).norm()
        assert total <= len(y) * max_grad_norm + 1e-4


@pytest.mark.parametrize(
    "settings", [{"noise_multiplier": 1.1}, {"target_epsilon": 3.0}], ids=["sigma", "target"]
)
def test_epsilon_equals_the_opacus_path(digits, settings):
    x, y = digits[0][:200], digits[1][:200]
    config = TrainConfig(epochs=2, batch_size=32, lr=1e-2)
    members = torch.ones(200, dtype=torch.bool)
    torch.manual_seed(0)
    model = MLP(input_shape=(64,), num_classes=10, hidden=(16,))
    _, opacus_history = train_model(
        model,
        x,
        y,
        x_test=digits[0][200:300],
        y_test=digits[1][200:300],
        num_classes=10,
        config=config,
        generator=torch.Generator().manual_seed(0),
        defenses=[DPSGD(max_grad_norm=1.0, **settings)],
    )
    torch.manual_seed(0)
    stacked_model = MLP(input_shape=(64,), num_classes=10, hidden=(16,))
    (history,) = train_stacked(
        [stacked_model],
        x=x,
        y=y,
        masks=members.unsqueeze(0),
        x_test=digits[0][200:300],
        y_test=digits[1][200:300],
        config=config,
        model_seeds=[0],
        dp=BatchedDP(max_grad_norm=1.0, **settings),
    )
    for key in ("epsilon", "delta", "noise_multiplier"):
        assert history.stats[key] == pytest.approx(opacus_history.stats[key], rel=1e-9), key
    assert 0.5 < history.stats["epsilon"] < 20
    if "target_epsilon" in settings:
        assert history.stats["epsilon"] == pytest.approx(3.0, abs=0.05)
    per_epoch = [stats["epsilon"] for stats in history.epoch_stats]
    assert per_epoch == pytest.approx([s["epsilon"] for s in opacus_history.epoch_stats])
    assert per_epoch[0] < per_epoch[1]


def test_noise_and_clipping_change_the_trained_model(digits):
    x, y = digits[0][:300], digits[1][:300]
    masks = torch.tensor(_balanced_masks(2, 300, np.random.default_rng(0)))
    config = TrainConfig(epochs=2, batch_size=32, lr=1e-2)

    def train(dp):  # type: ignore[no-untyped-def]
        torch.manual_seed(0)
        models = [MLP(input_shape=(64,), num_classes=10, hidden=(16,)) for _ in range(2)]
        histories = train_stacked(
            models, x=x, y=y, masks=masks, x_test=x[:50], y_test=y[:50], config=config,
            model_seeds=[1, 2], dp=dp,
        )
        return models, histories

    plain, _ = train(None)
    noisy, histories = train(BatchedDP(noise_multiplier=1.0))
    noisy_again, _ = train(BatchedDP(noise_multiplier=1.0))
    with torch.no_grad():
        diff = max(
            float((p - q).abs().max())
            for p, q in zip(plain[0].parameters(), noisy[0].parameters(), strict=True)
        )
    assert diff > 1e-3
    # same seeds, same noise: DP training is reproducible
    for a, b in zip(noisy, noisy_again, strict=True):
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.equal(p, q)
    assert all(np.isfinite(h.stats["epsilon"]) for h in histories)


def test_dp_run_through_the_stacked_path_leaks_little(make_cfg, tmp_path, caplog):
    cfg = make_cfg(
        "defense=dp",
        "defense.dp.target_epsilon=null",
        "defense.dp.noise_multiplier=4.0",
        "plan.num_models=8",
        "train.epochs=4",
        "attack.attacks.shokri.classifier=logistic",
    )
    with caplog.at_level(logging.INFO, logger="mia_defense.training.ensemble"):
        result = run(cfg, tmp_path)
    assert "stacked ensemble with DP-SGD" in caplog.text
    assert result.privacy["epsilon"] < 2.0
    for name, summary in result.attacks.items():
        assert 0.4 < summary["auc"] < 0.6, name

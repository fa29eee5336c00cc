"""A run whose training blew its loss up but kept it finite counted as complete, and its
attacks at chance read as a private model's: train.lr=1e6 (tiny digits plan, seed 1) left
a mean loss of 5e15 on the models' own members and a test accuracy of 0.159 against chance
0.106, so it was ranked and handed a sweeper its figures. It now gets no privacy verdict
(privacy.no_verdict_reason, a warning); strongly-DP and heavily regularised runs, and
models that learned whatever their loss, keep theirs."""

from __future__ import annotations

import logging
import math

import pytest

from mia_defense.cli.train import run
from mia_defense.metrics.utility import blown_up_loss
from mia_defense.report.objectives import stated_no_verdict
from tests.helpers import FAST

BLOWN = ("train.lr=1e6", "seed=1")


def test_a_blown_up_run_above_chance_gets_no_verdict(make_cfg, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        result = run(make_cfg(*FAST, *BLOWN), tmp_path / "run")
    utility = result.utility
    assert utility["test_accuracy"] > utility["chance_accuracy"]  # the chance rule passes it
    assert utility["test_accuracy_median"] > utility["chance_accuracy"]
    assert math.isfinite(utility["train_loss"]) and utility["train_loss"] > 1e6
    reason = result.privacy.get("no_verdict_reason")
    assert reason is not None and reason.startswith("training blew up"), reason
    assert "train.lr" in reason
    assert "NO PRIVACY VERDICT: training blew up" in caplog.text
    payload = {"privacy": result.privacy, "utility": utility}
    assert stated_no_verdict(payload) == reason  # neither ranked nor a sweeper's figures


@pytest.mark.parametrize("overrides", [
    ("defense=dp", "defense.dp.target_epsilon=0.5"),
    # DP-SGD's noise grows the weights (loss 858, accuracy 0.142 against 0.108): its
    # accountant vouches for it
    ("defense=dp", "defense.dp.target_epsilon=0.5", "train.optimizer=sgd", "train.lr=1"),
    ("defense=dropout", "defense.dropout.p=0.95"),
    ("defense=weight_decay", "defense.weight_decay.coefficient=10"),
    ("defense=label_smoothing", "defense.label_smoothing.smoothing=0.99"),
])  # fmt: skip
def test_strong_defenses_keep_their_verdict(make_cfg, tmp_path, overrides):
    result = run(make_cfg(*FAST, "train.epochs=3", *overrides), tmp_path / "run")
    assert result.privacy["no_verdict_reason"] is None  # (written always: h315)


# (utility as full digits runs recorded it: train loss, test accuracy, chance)
@pytest.mark.parametrize(("loss", "accuracy", "blown"), [
    (6e5, 0.101, True),  # train.lr=1e6
    (49.5, 0.101, True),  # train.lr=100
    (5e15, 0.159, True),  # train.lr=1e6 on the tiny plan, seed 1
    (3.09, 0.111, False),  # defense=dp ε 0.1
    (12.4, 0.126, False),  # defense=dp ε 0.1 at train.lr=0.01
    (2.30, 0.139, False),  # weight decay 10
    (2.24, 0.202, False),  # label smoothing 0.99
    (3.1e4, 0.409, False),  # dp ε 1, sgd lr=1: blown weights, but it learned
    (3.3e13, 0.938, False),  # train.lr=1e6 on digits_standardized: it learned
])  # fmt: skip
def test_blown_up_loss_separates_what_full_runs_measured(loss, accuracy, blown):
    utility = {"train_loss": loss, "epochs_trained": 30.0}
    found = blown_up_loss(utility, 10, accuracy=accuracy, chance=0.112)
    assert (found is not None) is blown, found


def test_the_released_outputs_loss_of_observations_alone_is_not_judged():
    # mia-attack of observations: the loss is the released outputs' (a rounding or
    # low-temperature release inflates it) and no epochs are known
    utility = {"train_loss": 5e15, "epochs_trained": float("nan")}
    assert blown_up_loss(utility, 10, accuracy=0.159, chance=0.106) is None
    utility["epochs_trained"] = 30.0
    assert blown_up_loss(utility, 10, accuracy=0.159, chance=0.106) is not None

"""Adversarial regularisation on the one engine: K inference models, one per model."""

from __future__ import annotations

import pytest
import torch

from mia_defense.defenses import AdversarialRegularization
from mia_defense.errors import ConfigError
from tests.defenses.reference_runs import max_weight_gap, overfit_run, train_three


@pytest.mark.parametrize("arch", ["mlp", "cnn"])
def test_stacked_models_end_where_each_trained_alone_ends(arch):
    def make():
        return [AdversarialRegularization(strength=3.0, attack_steps=2)]

    stacked, stacked_hist = train_three(make, stacked=True, arch=arch)
    alone, alone_hist = train_three(make, stacked=False, arch=arch)
    assert max_weight_gap(stacked, alone) < 1e-5
    plain, _ = train_three(list, stacked=True, arch=arch)
    assert max_weight_gap(stacked, plain) > 1e-3  # the penalty did change the weights
    for a, b in zip(stacked_hist, alone_hist, strict=True):
        gains = [s["advreg_gain"] for s in a.epoch_stats]
        assert gains == pytest.approx([s["advreg_gain"] for s in b.epoch_stats], abs=1e-5)
        assert all(0 < g < 1 for g in gains)


@pytest.mark.parametrize(
    "defense",
    [AdversarialRegularization(strength=0.0), AdversarialRegularization(warmup_epochs=2)],
    ids=["strength=0", "warmup=epochs"],
)
def test_without_the_game_it_trains_exactly_as_without_the_defense(defense):
    plain, _ = train_three(list, stacked=True)
    same, histories = train_three(lambda: [defense], stacked=True)
    assert max_weight_gap(same, plain) == 0.0
    assert all("advreg_gain" not in s for h in histories for s in h.epoch_stats)


def test_warmup_epochs_delay_the_game():
    _, histories = train_three(
        lambda: [AdversarialRegularization(warmup_epochs=1)], stacked=True, epochs=3
    )
    for history in histories:
        assert ["advreg_gain" in s for s in history.epoch_stats] == [False, True, True]


def test_the_penalty_resists_memorising_and_lowers_the_loss_attack():
    _, plain, plain_auc = overfit_run([])
    _, defended, defended_auc = overfit_run([AdversarialRegularization(strength=3.0)])
    assert plain.final.train_loss < 0.01 and plain_auc > 0.75
    # measured: members' loss 0.001 -> 0.36, loss-attack AUC 0.78 -> 0.70
    assert defended.final.train_loss > 0.1
    assert defended_auc < plain_auc - 0.05
    assert defended.epoch_stats[-1]["advreg_gain"] > 0.5  # h tells members apart a little


def test_without_a_reference_split_it_says_which_key_to_set():
    with pytest.raises(ConfigError, match=r"defense\.advreg needs .*plan\.reference_size"):
        train_three(lambda: [AdversarialRegularization()], stacked=True, reference=False)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"strength": -1.0}, r"defense\.advreg\.strength=-1.0: must be >= 0"),
        ({"attack_steps": 0}, r"defense\.advreg\.attack_steps=0: must be >= 1"),
        ({"attack_lr": 0.0}, r"defense\.advreg\.attack_lr=0.0: must be > 0"),
        ({"hidden": 0}, r"defense\.advreg\.hidden=0: must be >= 1"),
        ({"warmup_epochs": -1}, r"defense\.advreg\.warmup_epochs=-1: must be >= 0"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_key(option, message):
    with pytest.raises(ConfigError, match=message):
        AdversarialRegularization(**option)


def test_each_model_has_its_own_inference_model():
    defense = AdversarialRegularization()
    train_three(lambda: [defense], stacked=True, epochs=1)
    assert defense._attacker is not None and len(defense._attacker) == 3
    first = defense._attacker.stacked()["0.weight"]
    assert first.shape[0] == 3 and not torch.equal(first[0], first[1])

"""Hostile settings of the training-time defenses: the verdict must stay true."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mia_defense.defenses import AdversarialRegularization, EarlyStopping, Mixup
from mia_defense.errors import ConfigError
from mia_defense.observations import Observations
from mia_defense.pipeline.utility import _above_chance, released_accuracy


def _answers(correct: int, y: np.ndarray, num_classes: int) -> np.ndarray:
    """Log-probabilities [N, C] of a model right on the first ``correct`` records only."""
    predicted = (y + 1) % num_classes
    predicted[:correct] = y[:correct]
    out = np.full((len(y), num_classes), -10.0, dtype=np.float32)
    out[np.arange(len(y)), predicted] = 0.0
    return out


def test_models_that_average_to_chance_get_no_verdict():
    # label_smoothing.smoothing=0.9999999 on digits: two models right on 88 and 90 of 797
    # test records whose majority class has 89; their mean accuracy is chance's (89/797),
    # but float rounding put it one ulp above (0.11166875784190716 > ...715), so the run
    # got a privacy verdict for models that learned nothing.
    n, c = 797, 10
    y = np.concatenate([np.zeros(89, int), 1 + np.arange(n - 89) % (c - 1)])
    rng = np.random.default_rng(0)
    y = y[rng.permutation(n)]
    test = np.stack([_answers(88, y, c), _answers(90, y, c)])
    labels = np.arange(20) % c
    obs = Observations(
        log_probs=np.zeros((2, 20, c), np.float32) - np.log(c),
        labels=labels,
        masks=np.stack([np.arange(20) % 2 == 0, np.arange(20) % 2 == 1]),
    )
    utility = released_accuracy(obs, test, y)
    assert utility["chance_accuracy"] == 89 / n
    assert utility["test_accuracy"] == utility["chance_accuracy"]
    assert utility["test_accuracy_median"] == utility["chance_accuracy"]
    assert not _above_chance(utility)


def test_mixup_with_batches_of_one_sample_is_refused():
    # train.batch_size=1: each sample was mixed with itself (the permutation of one), so the
    # run trained without mixup and was reported as defended by it
    with pytest.raises(ConfigError, match=r"defense\.mixup.*train\.batch_size=1"):
        Mixup().plan(sizes=[10, 10], batch_size=1, epochs=3)
    Mixup().plan(sizes=[10, 10], batch_size=2, epochs=3)


@pytest.mark.parametrize(("epochs", "patience"), [(2, 0), (5, 3), (5, 100)])
def test_early_stopping_that_can_never_act_is_refused(epochs, patience):
    # restore_best=false with patience >= train.epochs - 2: the earliest stop is after
    # epoch patience + 2, the last one or later, so training ran as without the defense
    # and the run was reported as defended by early stopping
    defense = EarlyStopping(patience=patience, restore_best=False)
    with pytest.raises(ConfigError, match=rf"defense\.early_stopping\.patience={patience}.*"
                                          rf"train\.epochs={epochs}"):
        defense.plan(sizes=[10], batch_size=4, epochs=epochs)


def test_early_stopping_with_one_epoch_is_refused():
    with pytest.raises(ConfigError, match=r"defense\.early_stopping.*train\.epochs=1"):
        EarlyStopping().plan(sizes=[10], batch_size=4, epochs=1)


@pytest.mark.parametrize(("epochs", "patience", "restore"),
                         [(3, 0, False), (6, 3, False), (2, 100, True), (5, 0, True)])
def test_early_stopping_that_can_act_is_accepted(epochs, patience, restore):
    EarlyStopping(patience=patience, restore_best=restore).plan(sizes=[10], batch_size=4,
                                                                 epochs=epochs)


@pytest.mark.parametrize("arg", ["defense=[[mixup]]", "defense=[dp,[mixup]]",
                                 "model=[[mlp]]", "defense=[],[[mixup]]"])
def test_a_nested_list_for_a_config_group_is_one_line(arg):
    # 'defense=[[mixup]]' ended in Hydra's TypeError traceback ("can only concatenate str
    # (not "list") to str") from inside its defaults list
    from mia_defense.cli.arguments import unnamed_group_choice

    message = unnamed_group_choice([arg])
    assert message is not None
    assert message.startswith(f"{arg}: a config group takes the name of one of its configs")
    assert "a list inside a list" in message


def test_an_advreg_hidden_width_beyond_its_bound_is_refused_naming_the_key():
    # defense.advreg.hidden=100000000000 passed the checks and ended, at the first chunk's
    # setup, in torch's RuntimeError traceback (can't allocate 8 TB), exit 1, with
    # results.json left 'running'; widths a malloc grants were killed for memory instead
    with pytest.raises(ConfigError, match=r"defense\.advreg\.hidden=100000000000: .*65536"):
        AdversarialRegularization(hidden=100_000_000_000)
    AdversarialRegularization(hidden=65536)


def test_an_advreg_attacker_that_cannot_be_allocated_is_a_config_error(monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't "
                           "allocate memory: you tried to allocate 8000000000000 bytes.")

    defense = AdversarialRegularization(hidden=64)
    monkeypatch.setattr(defense, "_new_attacker", refuse)
    ctx = SimpleNamespace(x_reference=torch.zeros(2, 3), y_reference=torch.zeros(2),
                          generators=[torch.Generator()], num_models=1, num_classes=2,
                          device=torch.device("cpu"))
    with pytest.raises(ConfigError, match=r"defense\.advreg\.hidden=64: .*allocate"):
        defense.setup(ctx)  # type: ignore[arg-type]


def test_an_early_stopping_patience_beyond_int64_never_stops_as_a_large_one(monkeypatch):
    # defense.early_stopping.patience=10**30 ended the first epoch in OverflowError ('int
    # too big to convert', comparing it with the int64 count of bad epochs): a traceback
    defense = EarlyStopping(patience=10**30)
    defense._best = torch.tensor([-1.0])
    defense._bad_epochs = torch.tensor([3])
    defense._has_kept = torch.tensor([False])
    ctx = SimpleNamespace(active=torch.tensor([True]), epoch_stats=[{}])
    monkeypatch.setattr("mia_defense.defenses.regularization._validate",
                        lambda ctx: (torch.tensor([2.0]), torch.tensor([0.5])))
    stop = defense.end_epoch(ctx, 4)  # type: ignore[arg-type]
    assert not bool(stop.any())
    assert defense.hparams()["patience"] == 10**30


def test_the_divergence_hint_names_the_weight_decay_coefficient():
    # defense.weight_decay.coefficient=1e300 diverged with "likely cause: train.lr=0.001
    # (lower the learning rate first)": the key at fault went unnamed
    from mia_defense.defenses import FullRelease, WeightDecay
    from mia_defense.experiment import _divergence_hint

    experiment = SimpleNamespace(
        train=SimpleNamespace(lr=1e-3, weight_decay=0.0, optimizer="adam"),
        build_defenses=lambda: [WeightDecay(coefficient=1e300)],
        release=FullRelease(), shadow_recipe="same",
    )
    assert "defense.weight_decay.coefficient=1e+300" in _divergence_hint(experiment)


@pytest.mark.parametrize("alpha", [1e-300, 1e-6, 9e-4])
def test_a_mixup_alpha_that_mixes_nothing_is_refused(alpha):
    # defense.mixup.alpha=1e-300 passed (only 0 was refused): λ ~ Beta(α, α) was 0 or 1 in
    # every batch, so each sample was swapped for another with its own label, unmixed; the
    # run trained as without mixup and was reported as defended by it
    with pytest.raises(ConfigError, match=r"defense\.mixup\.alpha=.*at least 0\.001"):
        Mixup(alpha=alpha)


@pytest.mark.parametrize("alpha", [1e-3, 0.2, 1.0, 1e300])
def test_a_mixup_alpha_that_mixes_is_accepted(alpha):
    assert Mixup(alpha=alpha).alpha == alpha


def test_models_whose_member_accuracy_averages_to_chance_get_no_verdict():
    # Without a test set the members' accuracy is judged: two models of 150 members each,
    # whose majority class has 17, right on 16 and 18, averaged one ulp above the members'
    # chance (0.11333333333333334 > ...333)
    c, m = 10, 150
    own = np.concatenate([np.zeros(17, int), 1 + np.arange(m - 17) % (c - 1)])
    labels = np.concatenate([own, own])
    masks = np.zeros((2, 2 * m), bool)
    masks[0, :m] = masks[1, m:] = True
    log_probs = np.stack([_answers(16, labels, c),
                          np.concatenate([_answers(0, own, c), _answers(18, own, c)])])
    obs = Observations(log_probs=log_probs, labels=labels, masks=masks)
    utility = released_accuracy(obs, None, None)
    assert utility["train_accuracy"] == utility["members_chance_accuracy"] == 17 / m
    assert not _above_chance(utility)

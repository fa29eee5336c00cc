"""Red-team checks of the plan, the canaries and the verdict against hostile sizes."""

from __future__ import annotations

import pytest

from mia_defense.data import load_digits
from mia_defense.errors import ConfigError
from mia_defense.pipeline.data import prepare_data
from mia_defense.pipeline.spec import Experiment, PlanConfig
from mia_defense.plan import make_plan


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_canaries_outnumbering_a_population_the_splits_leave_are_refused(digits):
    # plan.test_size=1700 leaves 97 records: check_config cannot see it (population null),
    # and 90 balanced canaries then trained every model mostly on mislabeled copies
    experiment = Experiment(
        dataset=digits, build_model=None, train=None, attacks={},  # type: ignore[arg-type]
        plan=PlanConfig(num_models=2, population_size=None, test_size=1700), num_canaries=90,
    )  # fmt: skip
    with pytest.raises(ConfigError, match=r"^attack\.canaries\.num=90: more than half of the "
                                          r"population's 97 records.*at most 48"):
        prepare_data(experiment)


HUGE = 10**400  # an integer no float holds: math.isfinite and float() raise OverflowError


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (f"plan.num_models={HUGE}", r"^plan\.num_models=1000+: must be an even integer in"),
        # refused with make_plan's words (plan_sizes), digits' 1797 samples being known
        (f"plan.population_size={HUGE}",
         r"^plan\.population_size=1000+, plan\.test_size=-9+8203 \(what is left\), "
         r"plan\.reference_size=0: too few samples for the plan"),
        (f"seed={HUGE}", r"^seed=1000+: at most 4294967295 \(scikit-learn's random_state"),
    ],
)
def test_an_integer_beyond_a_float_gets_a_message_not_an_overflow(make_cfg, override, message):
    from mia_defense.config import check_config

    cfg = make_cfg(override)
    if message is None:
        check_config(cfg)
    else:
        with pytest.raises(ConfigError, match=message):
            check_config(cfg)


def test_canaries_beside_a_population_beyond_a_float_are_checked_in_integers(make_cfg, tmp_path):
    import numpy as np

    from mia_defense.config import check_config

    # (a dataset of a size unknown before loading: digits' 1797 samples, purchase_like's
    # dataset.num_samples refuse the plan)
    np.savez(tmp_path / "d.npz", x=np.zeros((30, 3)), y=np.arange(30) % 2)
    check_config(make_cfg("dataset=npz", f"dataset.path={tmp_path / 'd.npz'}",
                          f"plan.population_size={HUGE}", "attack.canaries.num=10"))


def test_the_budget_refuses_epochs_beyond_a_float_by_name():
    from mia_defense.budget import check_budget

    sizes = dict(num_models=2, population_size=1000, test_size=797, num_classes=10,
                 num_params=9610, num_augmented=0, epochs=2, batch_size=64)  # fmt: skip
    check_budget(**sizes)
    with pytest.raises(ConfigError, match=r"train\.epochs=1000+: training would take about inf"):
        check_budget(**{**sizes, "epochs": HUGE})
    with pytest.raises(ConfigError, match=r"needs about inf TB of RAM"):
        check_budget(**{**sizes, "num_augmented": HUGE})


def test_hparams_keep_an_integer_beyond_a_float_as_its_digits():
    from mia_defense.tracking.hparams import _clean

    assert _clean(HUGE) == str(HUGE)
    assert _clean(3) == 3.0 and _clean(float("inf")) == "inf"


def test_audit_canaries_beyond_a_float_are_refused_by_name(digits):
    from mia_defense.canaries import insert_canaries

    plan = make_plan(digits, num_models=2, population_size=100, test_size=100, seed=0)
    with pytest.raises(ConfigError, match=r"^attack\.audit_canaries=1000+: the canaries alone "
                                          r"would need about 10\^\d+ GiB of memory"):
        insert_canaries(digits, plan, num=HUGE, kind="mislabeled", seed=0, inclusion="bernoulli")


def test_a_run_whose_median_model_learned_nothing_gets_no_verdict():
    """train.lr=0.1 on a deep MLP: 6 of 8 models at chance, one at 0.2; the mean (0.124)
    beat chance (0.112), so the run got a privacy verdict from targets that learned nothing."""
    import numpy as np

    from mia_defense.observations import Observations
    from mia_defense.pipeline.evaluate import RunResult
    from mia_defense.pipeline.utility import judged_accuracy, released_accuracy

    k, n, m, c = 8, 40, 1000, 10
    y_test = np.arange(m) % c  # balanced: chance 0.1
    shares = [0.05, 0.06, 0.07, 0.08, 0.09, 0.09, 0.5, 0.5]  # two models learned
    logits = np.zeros((k, m, c))
    for model, share in enumerate(shares):
        right = np.arange(m) < share * m
        logits[model, np.arange(m), np.where(right, y_test, (y_test + 1) % c)] = 10.0
    masks = np.zeros((k, n), bool)
    masks[: k // 2] = True
    obs = Observations(log_probs=np.full((k, n, c), -np.log(c)), labels=np.arange(n) % c,
                       masks=masks)  # fmt: skip
    utility = released_accuracy(obs, logits, y_test)
    assert utility["chance_accuracy"] == 0.1 and utility["test_accuracy"] == pytest.approx(0.18)
    assert utility["test_accuracy_median"] == pytest.approx(0.085)
    assert judged_accuracy(utility) == ("median model's test", pytest.approx(0.085))
    result = RunResult(utility=utility, attacks={}, strongest_attack=None, defense={},
                       privacy={}, wall_seconds=0.0)  # fmt: skip
    assert result.utility_below_chance
    # a healthy run (the median model beats chance too) is judged on the mean, as before
    healthy = {**utility, "test_accuracy_median": 0.5}
    assert judged_accuracy(healthy) == ("test", pytest.approx(0.18))
    assert not RunResult(utility=healthy, attacks={}, strongest_attack=None, defense={},
                         privacy={}, wall_seconds=0.0).utility_below_chance  # fmt: skip


def test_the_report_says_the_median_model_kept_a_run_off_the_front():
    from mia_defense.report.checks.ranking import _chance_reason

    utility = {"test_accuracy": 0.124, "test_accuracy_median": 0.102, "chance_accuracy": 0.112}
    assert _chance_reason(utility).startswith(
        "the median model's test accuracy 0.102 is not above chance (0.112, the majority class)"
    )
    below = {"test_accuracy": 0.1, "test_accuracy_median": 0.1, "chance_accuracy": 0.112}
    assert _chance_reason(below).startswith("test accuracy 0.100 is not above chance")


def test_members_of_a_randomized_release_are_asked_once_as_the_test_set_is(digits):
    import dataclasses

    import numpy as np
    import torch
    from torch import nn

    from mia_defense.defenses.release import FullRelease, NoiseRelease
    from mia_defense.pipeline.data import TrainingData
    from mia_defense.pipeline.release import release_members_once
    from mia_defense.queries import QueryConfig

    plan = make_plan(digits, num_models=2, population_size=100, test_size=100, seed=0)
    data = TrainingData(dataset=digits, plan=plan, is_canary=np.zeros(100, bool),
                        fingerprint="", dataset_digest="")  # fmt: skip
    torch.manual_seed(0)
    models = [nn.Linear(64, 10) for _ in range(2)]
    experiment = Experiment(
        dataset=digits, build_model=None, train=None, attacks={},  # type: ignore[arg-type]
        plan=PlanConfig(num_models=2), release=NoiseRelease(scale=0.3),
        queries=QueryConfig(repeats=16),
    )  # fmt: skip
    once = release_members_once(experiment, data, models)
    assert once is not None and once.shape == (2, 100, 10)
    again = release_members_once(experiment, data, models)
    assert np.array_equal(once, again)  # its own stream of the seed
    for release, repeats in ((NoiseRelease(scale=0.3), 1), (FullRelease(), 16)):
        plain = dataclasses.replace(experiment, release=release,
                                    queries=QueryConfig(repeats=repeats))  # fmt: skip
        assert release_members_once(plain, data, models) is None


@pytest.mark.slow  # 6-10 s: two tiny runs, the same models under two releases
def test_the_gap_of_a_noisy_release_is_the_models_not_the_noises(make_cfg, tmp_path):
    """release=noise release.scale=0.3: the train accuracy was read off 16 averaged answers,
    the test accuracy off one: the gap grew by what the noise cost the test set alone
    (0.182 against 0.107 for the same models fully released; 0.128 asked once each)."""
    from mia_defense.cli.train import run

    full = run(make_cfg("train.epochs=10"), tmp_path / "full").utility
    noisy = run(make_cfg("release=noise", "release.scale=0.3", "train.epochs=10"),
                tmp_path / "noisy").utility  # fmt: skip
    assert noisy["test_accuracy"] < full["test_accuracy"] - 0.03  # the noise costs accuracy
    assert noisy["train_accuracy"] < full["train_accuracy"] - 0.02  # to members too
    assert noisy["generalization_gap"] < full["generalization_gap"] + 0.05


def test_a_test_set_of_one_class_is_said_before_training(digits, caplog):
    from mia_defense.pipeline.data import warn_one_class_test_set

    plan = make_plan(digits, num_models=2, population_size=None, test_size=1, seed=0)
    with caplog.at_level("WARNING"):
        warn_one_class_test_set(digits, plan)
    assert "the test set (1 record) holds class" in caplog.text
    assert "this run will give no privacy verdict; raise plan.test_size" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        warn_one_class_test_set(digits, make_plan(digits, num_models=2, population_size=None,
                                                  test_size=100, seed=0))  # fmt: skip
    assert not caplog.text

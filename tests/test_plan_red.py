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
        (f"plan.population_size={HUGE}", None),  # accepted here; make_plan refuses the sizes
        (f"seed={HUGE}", None),
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


def test_canaries_beside_a_population_beyond_a_float_are_checked_in_integers(make_cfg):
    from mia_defense.config import check_config

    check_config(make_cfg(f"plan.population_size={HUGE}", "attack.canaries.num=10"))


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
    from mia_defense.pipeline.evaluate import RunResult, judged_accuracy, released_accuracy

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
    from mia_defense.report.checks import _chance_reason

    utility = {"test_accuracy": 0.124, "test_accuracy_median": 0.102, "chance_accuracy": 0.112}
    assert _chance_reason(utility).startswith(
        "the median model's test accuracy 0.102 is not above chance (0.112, the majority class)"
    )
    below = {"test_accuracy": 0.1, "test_accuracy_median": 0.1, "chance_accuracy": 0.112}
    assert _chance_reason(below).startswith("test accuracy 0.100 is not above chance")

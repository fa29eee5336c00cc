"""h385: a search's objective naming a figure DP-SGD's accountant alone writes, in a config
that makes certain it is not written, passed the up-front check; each trial trained, then
failed on its absent value, and the search ended with no result: ``mia-train -m
hparams_search=optuna_custom 'objectives=[utility.test_accuracy,privacy.delta]'
hydra.sweeper.n_trials=2 plan.num_models=2 train.epochs=1
'+hydra.sweeper.params={train.weight_decay:"interval(0,0.01)"}'`` (no defense=dp), and
``privacy.epsilon_rdp_bound`` under an accountant other than gdp. Now refused before any
trial (and by a run, before training), naming the key and the setting that writes it."""

from __future__ import annotations

import contextlib
import logging
import re

import pytest
from hydra import compose, initialize_config_module

from mia_defense.errors import ConfigError
from mia_defense.report.objectives import check_objective_names

FPRS = [0.001, 0.01, 0.1]


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


@pytest.mark.parametrize("key", ["delta", "noise_multiplier", "epsilon_rdp_bound"])
def test_a_dp_figure_without_dp_sgd_is_refused(key):
    with pytest.raises(ConfigError, match=rf"'privacy.{key}' is written by DP-SGD's "
                       r"accountant alone.*add defense=dp"):  # fmt: skip
        check_objective_names(["utility.test_accuracy", f"privacy.{key}"], fprs=FPRS,
                              defenses=[], dp_accountants={})  # fmt: skip


def test_the_rdp_bound_needs_the_gdp_accountant():
    with pytest.raises(ConfigError, match=r"'privacy.epsilon_rdp_bound' is written only under "
                       r"defense.dp.accountant=gdp.*this run has defense.dp.accountant=rdp.*"
                       r"set defense.dp.accountant=gdp"):  # fmt: skip
        check_objective_names(["privacy.epsilon_rdp_bound"], fprs=FPRS,
                              dp_accountants={"dp": "rdp"})
    for accountants in ({"dp": "gdp"}, {"dp": None}, None):  # (gdp; not known: taken)
        check_objective_names(["privacy.epsilon_rdp_bound"], fprs=FPRS,
                              dp_accountants=accountants)
    for key in ("delta", "noise_multiplier", "epsilon", "empirical_epsilon"):
        check_objective_names([f"privacy.{key}"], fprs=FPRS, dp_accountants={"dp": "rdp"})
    # (privacy.epsilon absent is infinity to a sweeper, no failed trial: not refused here)
    check_objective_names(["utility.test_accuracy", "privacy.epsilon"], fprs=FPRS,
                          dp_accountants={})


def test_the_run_s_dp_accountants_as_the_check_reads_them():
    from mia_defense.cli.objective_checks import dp_accountants

    assert dp_accountants(_compose()) == {}
    assert dp_accountants(_compose("defense=relaxloss")) == {}
    assert dp_accountants(_compose("defense=dp")) == {"dp": "rdp"}
    assert dp_accountants(_compose("defense=dp", "defense.dp.accountant=gdp")) == {"dp": "gdp"}
    assert dp_accountants(_compose("defense=dp"), ["defense.dp.accountant"]) == {"dp": None}
    assert dp_accountants(_compose("defense=dp"), ["defense"]) is None
    assert dp_accountants(_compose("+defense.mine._target_=mymodule.MyDefense")) is None


@pytest.mark.parametrize(("overrides", "said"), [
    (["objectives=[utility.test_accuracy,privacy.delta]"],
     "'privacy.delta' is written by DP-SGD's accountant alone"),
    (["defense=relaxloss", "objectives=[utility.test_accuracy,privacy.noise_multiplier]"],
     "'privacy.noise_multiplier' is written by DP-SGD's accountant alone"),
    (["defense=dp", "objectives=[utility.test_accuracy,privacy.epsilon_rdp_bound]"],
     "this run has defense.dp.accountant=rdp"),
])  # fmt: skip
def test_the_search_is_refused_before_any_trial(caplog, overrides, said):
    from mia_defense.cli.objective_checks import check_objectives

    cfg = _compose("hparams_search=optuna_custom", *overrides)
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        check_objectives(cfg)
    assert exc.value.code == 2
    assert said in caplog.text and "nothing was run" in caplog.text


@pytest.mark.parametrize("overrides", [
    ["defense=dp", "objectives=[utility.test_accuracy,privacy.delta]"],
    ["defense=dp", "defense.dp.accountant=gdp",
     "objectives=[utility.test_accuracy,privacy.epsilon_rdp_bound]"],
    # (a search over the accountant: each trial's own check refuses the rdp ones untrained)
    ["defense=dp", "objectives=[utility.test_accuracy,privacy.epsilon_rdp_bound]",
     "+hydra.sweeper.params={defense.dp.accountant:'choice(rdp,gdp)'}"],
    # (a search over the defenses: left to each trial)
    ["objectives=[utility.test_accuracy,privacy.delta]",
     "+hydra.sweeper.params={defense:'choice(none,dp)'}"],
])  # fmt: skip
def test_a_search_that_writes_the_figure_is_taken(caplog, overrides):
    from mia_defense.cli.objective_checks import check_objectives

    with caplog.at_level(logging.ERROR):
        check_objectives(_compose("hparams_search=optuna_custom", *overrides))
    assert "nothing was run" not in caplog.text


def test_the_repeats_of_a_release_that_answers_the_same_each_time_are_refused():
    # (written only for a release answering at random: each trial trained, then failed)
    name = "privacy.randomized_release_repeats"
    with pytest.raises(ConfigError, match=r"'privacy.randomized_release_repeats' is written "
                       r"only for a release that answers each query at random"):  # fmt: skip
        check_objective_names(["utility.test_accuracy", name], fprs=FPRS,
                              randomized_release=False)  # fmt: skip
    for randomized in (True, None):  # (random; not known: taken)
        check_objective_names([name], fprs=FPRS, randomized_release=randomized)


def test_the_run_s_release_as_the_check_reads_it():
    from mia_defense.cli.objective_checks import release_randomized

    assert release_randomized(_compose()) is False
    assert release_randomized(_compose("release=label_only")) is False
    assert release_randomized(_compose("release=noise")) is True
    assert release_randomized(_compose(), ["release"]) is None
    assert release_randomized(_compose("release._target_=mymodule.MyRelease")) is None


@pytest.mark.parametrize(("release", "refused"), [("full", True), ("noise", False)])
def test_a_search_of_the_repeats_is_refused_where_the_release_answers_the_same(
    caplog, release, refused
):
    from mia_defense.cli.objective_checks import check_objectives

    cfg = _compose("hparams_search=optuna_custom", f"release={release}",
                   "objectives=[utility.test_accuracy,privacy.randomized_release_repeats]")
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) if refused else (
            contextlib.nullcontext()):  # fmt: skip
        check_objectives(cfg)
    assert ("nothing was run" in caplog.text) is refused


@pytest.mark.parametrize("name", ["max_attack.auc_ci_low", "max_attack.auc_ci_high",
                                  "max_attack.tpr@1%fpr_ci_low", "max_attack.AUC_CI_HIGH"])
def test_an_interval_bound_without_the_bootstrap_is_refused(name):
    # attack.bootstrap=0: null in every run, each trial given the worst stand-in (1), and the
    # search ended 'no trial of this search gave its sweeper a measured figure' (exit 2)
    if name == "max_attack.AUC_CI_HIGH":  # (another spelling: refused as such first)
        with pytest.raises(ConfigError, match="spelt in lower case"):
            check_objective_names([name], fprs=FPRS, bootstrap=0)
        return
    with pytest.raises(ConfigError, match=rf"'{re.escape(name)}' is a bound of a confidence "
                       r"interval, which attack.bootstrap=0 does not compute.*set "
                       r"attack.bootstrap"):  # fmt: skip
        check_objective_names(["utility.test_accuracy", name], fprs=FPRS, bootstrap=0)
    for bootstrap in (200, None):  # (intervals; not known: taken)
        check_objective_names([name], fprs=FPRS, bootstrap=bootstrap)
    check_objective_names(["max_attack.auc"], fprs=FPRS, bootstrap=0)


@pytest.mark.parametrize(("overrides", "refused"), [
    (["attack.bootstrap=0"], True),
    ([], False),
    (["attack.bootstrap=0", "+hydra.sweeper.params={attack.bootstrap:'choice(0,100)'}"], False),
])  # fmt: skip
def test_a_search_of_an_interval_bound_is_refused_without_the_bootstrap(caplog, overrides,
                                                                        refused):
    from mia_defense.cli.objective_checks import check_objectives

    cfg = _compose("hparams_search=optuna_custom", *overrides,
                   "objectives=[utility.test_accuracy,max_attack.auc_ci_high]")
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) if refused else (
            contextlib.nullcontext()):  # fmt: skip
        check_objectives(cfg)
    assert ("attack.bootstrap=0 does not compute" in caplog.text) is refused

"""h382: a search's objective that names no figure of results.json passed the up-front
check, and each trial trained, then failed on its value, not a number; the search ended with
no result (``mia-train -m hparams_search=optuna_custom
'objectives=[utility.test_accuracy,privacy.verdict]' ...``, and ``max_attack.name``). A
privacy entry mia-train writes as a text or a flag, ``max_attack.name``, and, where every
defense of the run is mia-defense's own, any privacy key but its figures are now refused
before any training; a defense of one's own may still report figures of its own."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module

from mia_defense.errors import ConfigError
from mia_defense.report.objectives import PRIVACY_FIGURES, check_objective_names

FPRS = [0.001, 0.01, 0.1]


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


@pytest.mark.parametrize("key", [
    "no_verdict_reason", "outputs_saturated", "attacks_inverted", "epsilon_valid",
    "epsilon_invalid_reason", "noise_source", "leak_without_utility_reason", "accountant",
    "per_model", "epsilon_refuted",
])  # fmt: skip
def test_a_privacy_text_or_flag_is_refused_by_name(key):
    # (whatever the run's defenses: a defense of one's own does not make them figures)
    for given in ({}, {"defenses": ["mymodule.MyDefense"]}):
        with pytest.raises(ConfigError, match=rf"'privacy.{key}' is no figure \(a text") as e:
            check_objective_names(["utility.test_accuracy", f"privacy.{key}"], fprs=FPRS,
                                  **given)  # fmt: skip
        assert "privacy.empirical_epsilon" in str(e.value)


def test_an_attack_name_is_refused():
    with pytest.raises(ConfigError, match=r"'max_attack.name' is no figure"):
        check_objective_names(["max_attack.name"], fprs=FPRS)


@pytest.mark.parametrize("defenses", [[], ["mia_defense.defenses.DPSGD"],
                                      ["mia_defense.defenses.RelaxLoss"]])
def test_an_unknown_privacy_key_of_our_defenses_is_refused(defenses):
    with pytest.raises(ConfigError, match=r"'privacy.verdict' is no figure mia-train") as e:
        check_objective_names(["privacy.verdict"], fprs=FPRS, defenses=defenses)
    for figure in PRIVACY_FIGURES:
        assert f"privacy.{figure}" in str(e.value)
    for figure in PRIVACY_FIGURES:  # (the figures themselves pass)
        check_objective_names([f"privacy.{figure}"], fprs=FPRS, defenses=defenses)


@pytest.mark.parametrize("defenses", [None, ["mymodule.MyDefense"],
                                      ["mia_defense.defenses.DPSGD", "mymodule.MyDefense"]])
def test_a_defense_of_ones_own_may_report_figures_of_its_own(defenses):
    check_objective_names(["privacy.my_bound"], fprs=FPRS, defenses=defenses)


@pytest.mark.parametrize("objective", ["privacy.verdict", "max_attack.name",
                                       "privacy.no_verdict_reason"])
def test_the_search_is_refused_before_any_trial(caplog, objective):
    from mia_defense.cli.objective_checks import check_objectives

    cfg = _compose("hparams_search=optuna_custom",
                   f"objectives=[utility.test_accuracy,{objective}]")
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        check_objectives(cfg)
    assert exc.value.code == 2
    assert f"'{objective}' is no figure" in caplog.text and "nothing was run" in caplog.text


def test_the_run_s_defenses_as_the_check_reads_them():
    from mia_defense.cli.objective_checks import defense_targets

    assert defense_targets(_compose()) == []
    dp = _compose("defense=dp")
    assert defense_targets(dp) == ["mia_defense.defenses.DPSGD"]
    # (a search of DP's knobs runs DP alone; one over the defenses leaves it to each trial)
    assert defense_targets(dp, ["defense.dp.noise_multiplier"]) == ["mia_defense.defenses.DPSGD"]
    for swept in ("defense", "defense/dp", "defense.mine", "defense.dp._target_"):
        assert defense_targets(dp, [swept]) is None
    own = _compose("+defense.mine._target_=mymodule.MyDefense")
    assert defense_targets(own) == ["mymodule.MyDefense"]

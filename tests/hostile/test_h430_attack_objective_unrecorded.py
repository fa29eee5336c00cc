"""h430: a search's ``max_attack.KEY`` objective that no attack of the run records passed the
up-front check (any max_attack key that was no figure was taken as a setting an attack might
choose), so each trial trained, then failed on it, and the search ended "every run of this
sweep was refused (2 of 2; nothing was trained ...)", exit 2, after training both:
``mia-train -m hparams_search=optuna_custom
'objectives=[utility.test_accuracy,max_attack.precision]' hydra.sweeper.n_trials=2
plan.num_models=2 train.epochs=1 '+hydra.sweeper.params={train.weight_decay:"interval(0,0.01)"}'``
(and ``max_attack.tpr``). Now refused before any trial, and by a run before training, naming
the key, the run's attacks and the figures to choose. The settings an attack may choose are
what the attack declares (`mia_defense.attacks.base.chooses`: RMIA's ``a``), checked here
against what it returns; a user's attack may choose any, so a run with one is left alone."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
from hydra import compose, initialize_config_module

from mia_defense.attacks import rmia
from mia_defense.cli.objective_checks import attack_settings, check_objectives
from mia_defense.errors import ConfigError
from mia_defense.observations import Observations
from mia_defense.report.objectives import check_objective_names
from tests.helpers import mia_train

FPRS = [0.001, 0.01, 0.1]


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


def test_the_run_s_attack_settings_as_the_check_reads_them():
    settings = attack_settings(_compose())
    assert settings is not None and settings["rmia"] == ("a",) and settings["loss"] == ()
    assert "rmia" not in attack_settings(_compose("~attack.attacks.rmia"))
    # (online RMIA chooses no a: 'max_attack.a' was taken, each trial trained, then failed)
    assert attack_settings(_compose("attack.attacks.rmia.online=true"))["rmia"] == ()
    assert attack_settings(_compose(), ["attack.attacks.rmia.a"]) is None  # (swept: not known)
    assert attack_settings(_compose("+attack.attacks.mine._target_=mymodule.attack")) is None


@pytest.mark.parametrize("key", ["precision", "tpr", "acc"])
def test_a_max_attack_key_no_attack_records_is_refused(key):
    with pytest.raises(ConfigError, match=rf"'max_attack.{key}' is no figure this run's attacks "
                       r"record \(attack.attacks: loss, rmia; each run would train, then fail "
                       r"on its absent value\);.*tpr@1%fpr"):  # fmt: skip
        check_objective_names(["utility.test_accuracy", f"max_attack.{key}"], fprs=FPRS,
                              attack_settings={"loss": (), "rmia": ("a",)})  # fmt: skip


def test_figures_records_and_declared_settings_are_taken():
    settings = {"loss": (), "rmia": ("a",)}
    for key in ("auc", "advantage", "empirical_epsilon", "tpr@1%fpr", "seconds",
                "fpr_read@1%fpr", "a", "a_min", "a_max"):
        check_objective_names([f"max_attack.{key}"], fprs=FPRS, attack_settings=settings)
    with pytest.raises(ConfigError, match=r"'max_attack\.a' is no figure"):  # (rmia left out)
        check_objective_names(["max_attack.a"], fprs=FPRS, attack_settings={"loss": ()})
    check_objective_names(["max_attack.precision"], fprs=FPRS, attack_settings=None)


def test_rmia_chooses_what_it_declares():
    # (the declaration the check reads is what the attack writes in its Scores)
    rng = np.random.default_rng(0)
    obs = Observations(log_probs=np.log(rng.dirichlet(np.ones(3), size=(4, 30))),
                       labels=rng.integers(0, 3, 30), masks=rng.random((4, 30)) < 0.5)
    scores = rmia(obs, np.arange(2), online=False)
    assert set(scores.chosen) and set(scores.chosen) <= set(rmia.chooses)
    assert rmia.chooses_unless == "online" and not rmia(obs, np.arange(2), online=True).chosen


def test_the_search_is_refused_before_any_trial(caplog):
    cfg = _compose("hparams_search=optuna_custom",
                   "objectives=[utility.test_accuracy,max_attack.precision]")
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        check_objectives(cfg)
    assert exc.value.code == 2
    assert "'max_attack.precision' is no figure this run's attacks record" in caplog.text
    assert "nothing was run" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit):  # (online: no a)
        check_objectives(_compose("hparams_search=optuna_custom", "attack.attacks.rmia.online=true",
                                  "objectives=[utility.test_accuracy,max_attack.a]"))
    assert "'max_attack.a' is no figure this run's attacks record" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.ERROR):  # (rmia's a: taken)
        check_objectives(_compose("hparams_search=optuna_custom",
                                  "objectives=[utility.test_accuracy,max_attack.a]"))
    assert "nothing was run" not in caplog.text


def test_a_run_is_refused_before_training(tmp_path):
    run_dir = tmp_path / "run"
    done = mia_train("+objectives=[max_attack.precision]", f"hydra.run.dir={run_dir}",
                     "progress=false", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "'max_attack.precision' is no figure this run's attacks record" in done.stderr
    # (nothing trained, nothing left: the console says why, h459)
    assert not run_dir.exists()


@pytest.mark.parametrize("accountant", ["rdp", "prv", "gdp"])
def test_the_dp_figures_refused_are_those_the_accountant_does_not_write(accountant):
    # (report.objectives keeps which privacy figures DP-SGD's accountant writes under which
    # accountant, `_DP_FIGURES`: checked against the writer, `privacy_report`, so that the
    # up-front refusal says of each figure what a run of that accountant records)
    from mia_defense.defenses.accounting import epsilon_spent, privacy_report
    from mia_defense.report.objectives import PRIVACY_FIGURES

    sigma, rate, steps, delta = 1.0, 0.01, 100, 1e-5
    with warnings.catch_warnings():  # (Opacus: 'GDP accounting is experimental')
        warnings.simplefilter("ignore", UserWarning)
        stats = {"epsilon": epsilon_spent(accountant, ((sigma, rate, steps),), delta),
                 "noise_multiplier": sigma, "sample_rate": rate, "steps": steps, "delta": delta}
        report = privacy_report([stats], accountant=accountant, noise_source="secure",
                                preprocessing="none")  # fmt: skip
    written = {k for k, v in report.items()
               if isinstance(v, int | float) and not isinstance(v, bool)}  # fmt: skip
    assert written <= set(PRIVACY_FIGURES), written
    for key in PRIVACY_FIGURES:
        try:
            check_objective_names([f"privacy.{key}"], fprs=FPRS,
                                  dp_accountants={"dp": accountant})  # fmt: skip
            taken = True
        except ConfigError:
            taken = False
        # (the attacks' figures are no accountant's: taken; a release's repeats: not DP's)
        assert taken is (key in written or key not in {"epsilon_rdp_bound", "delta",
                                                        "noise_multiplier"}), key
    for key in written - {"epsilon"}:  # (ε absent is infinity to a sweeper: its own check)
        with pytest.raises(ConfigError, match="written by DP-SGD's accountant alone"):
            check_objective_names([f"privacy.{key}"], fprs=FPRS, dp_accountants={})

"""A misspelt objective was taken until every model was trained: ``privacy.epsilonn`` was
NaN in every trial (a failed trial each, without a word of the typo) and ``max_attack.AUC``
failed only at the end ("no attack reports 'AUC'"). Both are refused by name, with the
figure meant, by the sweep's check before it starts and by each run's."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module

from mia_defense.errors import ConfigError


@pytest.mark.parametrize(("objective", "meant"), [
    ("privacy.epsilonn", "privacy.epsilon"),
    ("privacy.Empirical_Epsilon", "privacy.empirical_epsilon"),
    ("max_attack.AUC", "max_attack.auc"),
])  # fmt: skip
def test_a_misspelt_objective_is_refused_with_the_figure_meant(
    tmp_path, monkeypatch, caplog, objective, meant
):
    from mia_defense.cli.objective_checks import check_objectives
    from mia_defense.report.objectives import check_objective_names

    said = f"objectives: {objective!r} is no figure"
    with pytest.raises(ConfigError, match=rf"^{said}.*did you mean '{meant}'\?") as run:
        check_objective_names([objective], fprs=[0.01])  # each run's, in mia-train
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose("config", overrides=["hparams_search=optuna_tradeoff",
                                           f"objectives=[{objective}]"], return_hydra_config=True)
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        check_objectives(cfg)  # the sweep's, before it starts
    assert exc.value.code == 2 and str(run.value) in caplog.text
    assert not list(tmp_path.iterdir())  # nothing was made
    check_objective_names([meant], fprs=[0.01])  # (the figure meant: taken)

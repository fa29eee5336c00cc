"""hparams_search=optuna_custom named its study optuna_tradeoff, as the preset that extends
it: the Optuna sweeper loads a study of the same name from its storage (load_if_exists), so
an optuna_tradeoff search and an optuna_custom one, over other spaces, kept in one database
would have mixed their trials in one study (TPE fitting one space's draws on the other's)."""

from __future__ import annotations

from hydra import compose, initialize_config_module


def _study_name(preset: str) -> str:
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose("config", overrides=[f"hparams_search={preset}"],
                      return_hydra_config=True)  # fmt: skip
    return str(cfg.hydra.sweeper.study_name)


def test_each_search_preset_names_a_study_of_its_own():
    assert _study_name("optuna_tradeoff") == "optuna_tradeoff"
    assert _study_name("optuna_custom") == "optuna_custom"

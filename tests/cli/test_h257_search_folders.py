"""hparams_search=optuna_custom wrote its sweep into multirun/optuna_tradeoff/<date_time>, the
folder of the preset that extends it (its sweep.dir was inherited the other way round), so a
user's own search was found under the name of a search it did not run. Each preset now
sweeps into a folder named after it, as each names its own study."""

from __future__ import annotations

from hydra import compose, initialize_config_module


def _sweep_dir(preset: str) -> str:
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose("config", overrides=[f"hparams_search={preset}"],
                      return_hydra_config=True)  # fmt: skip
        return str(cfg.hydra.sweep.dir)


def test_each_search_preset_sweeps_into_a_folder_of_its_own():
    assert _sweep_dir("optuna_tradeoff").startswith("multirun/optuna_tradeoff/")
    assert _sweep_dir("optuna_custom").startswith("multirun/optuna_custom/")

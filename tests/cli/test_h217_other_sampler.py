"""Another Optuna sampler with the search presets: ``hparams_search=optuna_tradeoff
hydra/sweeper/sampler=nsgaii`` (or random, cmaes) was refused in composing the config with
"Key 'n_startup_trials' not in 'SamplerConfig'": the preset's body set TPE's
``n_startup_trials``, which was merged into the sampler chosen instead. It now lives in the
presets' own sampler config (conf/hydra/sweeper/sampler/tpe_search.yaml), replaced whole."""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_module


def _sampler(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose("config", overrides=list(overrides), return_hydra_config=True)
    return cfg.hydra.sweeper.sampler, cfg.seed


@pytest.mark.parametrize("preset", ["optuna_tradeoff", "optuna_custom"])
@pytest.mark.parametrize(("choice", "target"), [
    ("nsgaii", "NSGAIISampler"), ("random", "RandomSampler"), ("cmaes", "CmaEsSampler"),
])  # fmt: skip
def test_another_sampler_replaces_the_presets_and_keeps_its_seed(preset, choice, target):
    sampler, seed = _sampler(f"hparams_search={preset}", f"hydra/sweeper/sampler={choice}")
    assert sampler._target_ == f"optuna.samplers.{target}"
    assert "n_startup_trials" not in sampler
    assert sampler.seed == seed  # (a search started again draws the same trials)


def test_the_presets_sampler_is_tpe_with_6_random_trials_first():
    sampler, seed = _sampler("hparams_search=optuna_tradeoff", "seed=5")
    assert sampler._target_ == "optuna.samplers.TPESampler"
    assert (sampler.n_startup_trials, sampler.seed, seed) == (6, 5, 5)
    sampler, _ = _sampler("hparams_search=optuna_custom",
                          "hydra.sweeper.sampler.n_startup_trials=3")  # fmt: skip
    assert sampler.n_startup_trials == 3

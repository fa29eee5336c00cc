"""README said a search's ``max_attack.a`` (RMIA's chosen setting) "is taken", but since
136137be online RMIA chooses no ``a`` and the search is refused before any trial
(``mia-train -m hparams_search=optuna_custom 'objectives=[utility.test_accuracy,max_attack.a]'
attack.attacks.rmia.online=true ...``: "'max_attack.a' is no figure this run's attacks
record ...; nothing was run", exit 2). README now says offline RMIA's is taken and names
the setting under which it is not; checked here against the up-front check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from mia_defense.cli.objective_checks import attack_settings
from mia_defense.errors import ConfigError
from mia_defense.report.objectives import check_objective_names

README = Path(__file__).resolve().parents[2] / "README.md"


def _sentence() -> str:
    text = " ".join(README.read_text(encoding="utf-8").split())
    found = re.search(r"a setting an attack declares it chooses, ([^:]*):", text)
    assert found, "README's objectives paragraph lost its max_attack setting sentence"
    return found.group(1)


def _settings(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose("config", overrides=list(overrides), return_hydra_config=True)
    return attack_settings(cfg)


def test_readme_names_where_rmia_s_a_is_refused():
    sentence = _sentence()
    assert "offline RMIA's `max_attack.a`, is taken" in sentence, sentence
    refused = re.search(r"not under `([^`]+)`", sentence)
    assert refused, sentence
    with pytest.raises(ConfigError, match=r"'max_attack\.a' is no figure"):
        check_objective_names(["max_attack.a"], fprs=[0.001], attack_settings=_settings(
            refused.group(1)))  # fmt: skip
    check_objective_names(["max_attack.a"], fprs=[0.001], attack_settings=_settings())

"""h380: ``objectives`` given as one name, not a list (``mia-train -m
hparams_search=optuna_custom objectives=utility.test_accuracy``), was read letter by letter:
the direction check counted 21 objectives ('u, t, i, l, ...'), and with that check passed
(``-m +objectives=utility.test_accuracy,...``, a grid sweep) every trial was refused for
its 'i' listed twice. The search is now refused up front with check_config's words, and a
run reads the string as one name (check_config then refuses it)."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


@pytest.mark.parametrize("direction", ["maximize", "[maximize,minimize]"])
def test_search_refuses_a_string_in_config_words(caplog, direction):
    from mia_defense.cli.objective_checks import check_objectives
    from mia_defense.cli.plugin_checks import check_parallel_settings

    cfg = _compose("hparams_search=optuna_custom", "objectives=utility.test_accuracy",
                   f"hydra.sweeper.direction={direction}")
    check_parallel_settings(cfg)  # (the count is not the letters': check_objectives says it)
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        check_objectives(cfg)
    assert exc.value.code == 2
    assert ("objectives='utility.test_accuracy': must be a list of strings or null"
            in caplog.text)
    assert "objectives=[utility.test_accuracy]" in caplog.text
    assert "'i'" not in caplog.text and "u, t, i" not in caplog.text


def test_run_reads_a_string_as_one_name():
    from mia_defense.cli.sweep_end import objective_names

    cfg = _compose("hparams_search=optuna_custom", "objectives=utility.test_accuracy")
    assert objective_names(cfg) == ["utility.test_accuracy"]
    cfg = _compose("hparams_search=optuna_custom")
    assert objective_names(cfg) == ["utility.test_accuracy", "max_attack.tpr@1%fpr"]

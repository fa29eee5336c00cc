"""mia-attack on a run made with attack.shadow_recipe=undefended gave other figures than the
run's (the run's own, defended, models are the only shadows observations.npz holds: an
adaptive attack of a run measured through naive shadows), without a word, beside a README
that promised a run directory's attack figures back exactly. It now says so in a warning."""

from __future__ import annotations

import logging
from pathlib import Path

from hydra import compose, initialize_config_module
from threadpoolctl import threadpool_limits

from mia_defense.cli import attack as attack_cli
from mia_defense.cli.build import run as train_run
from mia_defense.constraints import hydra_quoted
from mia_defense.tracking import read_json

ATTACK = ["attack.bootstrap=0", "attack.queries.num_augmented=0", "attack.white_box=false",
          "~attack.attacks.shokri", "~attack.attacks.lira_online_augmented",
          "~attack.attacks.gradient_norm"]  # fmt: skip
TRAIN = ["plan.num_models=4", "train.epochs=2", "plan.population_size=200", "progress=false",
         "figures=false", "defense=dropout", "attack.shadow_recipe=undefended"]  # fmt: skip


def _compose(config: str, overrides: list[str]):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose(config, overrides=overrides)


def test_a_run_attacked_through_undefended_shadows_is_said_not_reproduced(tmp_path, caplog):
    run = tmp_path / "run"
    with threadpool_limits(1):
        train_run(_compose("config", [*TRAIN, *ATTACK]), run)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="mia_defense.cli.attack"):
            attack_cli.run(_compose(attack_cli.CONFIG_NAME, [
                f"source={hydra_quoted(str(run))}", "progress=false", "figures=false", *ATTACK]),
                tmp_path / "attacked")  # fmt: skip
    said = [r.getMessage() for r in caplog.records if "undefended shadow models" in r.getMessage()]
    assert len(said) == 1 and "these figures are not the run's" in said[0], caplog.text
    old, new = read_json(run / "results.json"), read_json(tmp_path / "attacked" / "results.json")
    assert new["config"]["attack"]["shadow_recipe"] == "same"
    assert new["attacks"]["lira_offline"]["auc"] != old["attacks"]["lira_offline"]["auc"]
    assert new["attacks"]["loss"]["auc"] == old["attacks"]["loss"]["auc"]  # (no shadows)


def test_a_run_attacked_through_its_own_models_gets_no_such_word(caplog):
    with caplog.at_level(logging.WARNING, logger="mia_defense.cli.attack"):
        for results in (None, {}, {"config": {"attack": {"shadow_recipe": "same"}}},
                        {"config": None}, {"config": {"attack": "x"}}):  # fmt: skip
            attack_cli._warn_naive_shadows(results, Path("run"))
    assert not caplog.records

"""``mia-train -m hparams_search=optuna_custom 'train.lr=interval(0.001,0.1)'`` (the preset's
``hydra.sweeper.params: {}``, the space on the command line) stopped before any trial with
'hydra.sweep.dir=...: cannot be checked (ValueError: Input cfg is not an OmegaConf config
object (dict))': the empty params node was falsy, read as a plain ``{}`` (helper h291)."""

from __future__ import annotations

import json

from omegaconf import OmegaConf


def test_a_search_whose_space_is_all_on_the_command_line_records_it(tmp_path):
    from mia_defense.cli.run_dirs import SEARCH_RECORD, refuse_other_search

    refuse_other_search(OmegaConf.create({
        "objectives": ["utility.test_accuracy"],
        "hydra": {"sweep": {"dir": str(tmp_path)},
                  "overrides": {"task": ["hparams_search=optuna_custom",
                                         "train.lr=interval(0.001,0.1)"]},
                  "sweeper": {"_target_": "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper."
                                          "OptunaSweeper",
                              "direction": ["maximize"], "params": {}}},
    }))  # fmt: skip
    assert json.loads((tmp_path / SEARCH_RECORD).read_text())["space"] == {
        "train.lr": "interval(0.001,0.1)"}

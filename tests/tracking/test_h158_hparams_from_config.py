"""The sweep's HParams columns take a run's flat hyperparameters from results.json's
``config`` (`flat_hparams`, which the checkpoints' fingerprint holds to the models), not from
its ``hparams`` copy, which nothing checks.

Measured: a run's results.json with ``hparams.train.lr`` edited from 0.01 to 0.5 (its config
untouched) put 0.5 into the sweep's experiment config, train.lr spanning 0.01 to 0.5 in
TensorBoard's HParams tab, while mia-report (50c29f6) showed 0.01 for it.
"""

from __future__ import annotations

from mia_defense.tracking import write_json
from mia_defense.tracking.hparams import sessions_under, write_experiment
from tests.tracking.tb_api import TensorBoardAPI

CONFIG = {"seed": 0, "train": {"lr": 0.01, "epochs": 3},
          "defense": {"dp": {"_target_": "mia_defense.defenses.DP", "target_epsilon": 4.0}},
          "attack": {"bootstrap": 0}}  # fmt: skip
FLAT = {"seed": 0, "train.lr": 0.01, "train.epochs": 3, "defense.dp.target_epsilon": 4.0}
DEFENSE = {"defense": "dp", "release": "full", "dp.target_epsilon": 4.0}
# the columns of FLAT and DEFENSE: numbers as floats, defense.dp.target_epsilon as dp.*'s
COLUMNS = {"seed": 0.0, "train.lr": 0.01, "train.epochs": 3.0, "defense": "dp",
           "release": "full", "dp.target_epsilon": 4.0}  # fmt: skip
HEADLINE = {"utility/test_accuracy": 0.8, "privacy/strongest_auc": 0.6}


def _run(path, **payload):
    write_json(path / "results.json", {"status": "complete", "defense": DEFENSE,
                                       "headline": HEADLINE, **payload})  # fmt: skip


def test_the_columns_come_from_config_and_hparams_only_without_one(tmp_path):
    _run(tmp_path / "a", config=CONFIG, hparams=FLAT)
    _run(tmp_path / "edited", config=CONFIG, hparams={**FLAT, "train.lr": 0.5, "extra": "x"})
    _run(tmp_path / "old", hparams={**FLAT, "train.epochs": 7})  # no config: its hparams
    sessions = {s.name: s.hparams for s in sessions_under(tmp_path)}
    assert sessions["edited"] == sessions["a"]
    assert sessions["a"] == COLUMNS
    assert sessions["old"]["train.epochs"] == 7.0
    write_experiment(tmp_path, list(sessions_under(tmp_path)), swept=["train.epochs"])
    infos = {h["name"]: h for h in TensorBoardAPI(tmp_path).experiment()["hparamInfos"]}
    assert infos["train.lr"]["domainInterval"] == {"minValue": 0.01, "maxValue": 0.01}
    assert "extra" not in infos

"""TensorBoard's summary card showed the rows of attacks that measured nothing as figures:
mia-train defense=early_stopping plan.reference_size=300 train.epochs=3 plan.num_models=2
(LiRA online has one reference model, never IN and OUT of a record) listed ``lira_online |
0.5 [0.5, 0.5] | 0 [0, 0] ...`` beside the other attacks' rows, a measured 'no leak' to
its reader, where the end-of-run table printed under the same rows "NOTE: lira_online,
lira_online_augmented gave each target's records one score, which measures no leak (it
ranks whole models, not members): their figures never decide the verdict". The card now
carries that note under its attack table, in the table's words."""

from __future__ import annotations

import re

from mia_defense.cli.train import run
from tests.conftest import compose_cfg
from tests.tracking.tb_api import TensorBoardAPI

NOTE = re.compile(r"NOTE: (.+?) gave each target.s records one score, which measures no leak")


def _card(run_dir) -> str:
    (card,) = TensorBoardAPI(run_dir).get("/data/plugin/text/text?run=tb&tag=summary/text_summary")
    return card["text"]


def test_attacks_that_measured_nothing_are_named_under_the_attack_table(tmp_path):
    run(compose_cfg("plan.num_models=2", "attack.bootstrap=0"), tmp_path)
    text = _card(tmp_path)
    found = NOTE.search(text)
    assert found is not None and found.group(1) == "lira_online, lira_online_augmented"
    assert "their figures never decide the verdict" in text[found.end():]
    assert text.index("<th>attack</th>") < found.start()  # (under the attack table)


def test_a_run_whose_attacks_all_measured_something_has_no_note(tiny_run):
    assert NOTE.search(_card(tiny_run.run_dir)) is None

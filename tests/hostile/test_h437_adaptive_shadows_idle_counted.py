"""h390 left 'with attack.shadow_recipe=same (adaptive) the shadow models' idleness is not
said'. Since h394 (5860c793) it is: under `same` the shadow/reference models are the
ensemble's other models, trained in the same run, and training.defenses_idle reads every
model's end-of-training stats, not the attacked targets' alone (mia-train
defense=early_stopping plan.reference_size=300 attack.num_targets=1: '4 of the 4 model(s)',
three of them shadows only). Under `undefended` the shadows train without the defenses, so
none can be idle. This pins the count over the shadows (h437): it fails where idle_defenses
reads the targets' stats alone ('1 of the 1')."""

from __future__ import annotations

from mia_defense.cli.train import run
from mia_defense.tracking import read_json
from mia_defense.tracking.run_dir import RESULTS
from tests.conftest import compose_cfg


def test_an_idle_defense_counts_the_adaptive_attacker_s_shadow_models(tmp_path):
    run(compose_cfg("defense=early_stopping", "plan.reference_size=300", "train.lr=0.001",
                    "plan.num_models=4", "attack.num_targets=1", "attack.shadow_recipe=same",
                    "attack.bootstrap=0"), tmp_path)  # fmt: skip
    payload = read_json(tmp_path / RESULTS)
    assert payload["config"]["attack"]["num_targets"] == 1
    (idle,) = payload["training"]["defenses_idle"]
    assert idle["defense"] == "early_stopping"
    assert idle["reason"].startswith("defense.early_stopping: 4 of the 4 model(s) neither")

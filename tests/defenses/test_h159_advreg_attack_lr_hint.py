"""mia-train defense=advreg defense.advreg.attack_lr=1e30 diverged with '... their learning
rate defense.advreg.attack_lr=1e+30 is likely too high; likely cause: train.lr=0.001, ...,
defense.advreg.attack_lr=1e+30 (lower the learning rate first)': after train.lr, 'the learning
rate' read as train.lr's. The setting the error blames (DivergedError.setting) is now named
before the list, with train.lr ruled out; the list keeps its words and its end (h159)."""

from __future__ import annotations

import pytest

from mia_defense.cli.build import run
from mia_defense.errors import DivergedError
from mia_defense.tracking.artifacts import read_json

TINY = ("plan.num_models=2", "plan.population_size=100", "train.batch_size=16",
        "train.epochs=2", "attack.bootstrap=0", "figures=false")  # fmt: skip


def test_the_hint_says_which_learning_rate(make_cfg, tmp_path):
    cfg = make_cfg(*TINY, "defense=advreg", "plan.reference_size=50",
                   "defense.advreg.attack_lr=1e30")  # fmt: skip
    with pytest.raises(DivergedError) as caught:
        run(cfg, tmp_path)
    said = str(caught.value)
    assert ("defense.advreg.attack_lr=1e+30 is likely too high; lower defense.advreg.attack_lr "
            "first, not train.lr; if training still diverges, likely cause: train.lr="
            ) in said  # fmt: skip
    assert said.endswith("defense.advreg.attack_lr=1e+30 (lower the learning rate first)")
    assert read_json(tmp_path / "results.json")["diverged"]["reason"] in said


"""LiRA online as the only black-box attack at K=2 was refused only after training: mia-train
plan.num_models=2 with every attack but lira_online left out (~attack.attacks.NAME) trained
its models, then stopped with 'every black-box attack (lira_online) gave every record the
same score ... so the run has no privacy verdict'. At K=2 each target has one reference
model, which holds a record IN or OUT, never both, so online LiRA ties every score whatever
the models learnt: known from the plan alone. It is now refused before training (h443)."""

from __future__ import annotations

import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.errors import ConfigError
from mia_defense.pipeline.data import prepare_data

OTHERS = ("loss", "confidence", "entropy", "modified_entropy", "modified_entropy_class",
          "shokri", "lira_offline", "rmia", "label_only", "gradient_norm")  # fmt: skip


def _only(*kept: str) -> list[str]:
    every = (*OTHERS, "lira_online", "lira_online_augmented")
    return [f"~attack.attacks.{name}" for name in every if name not in kept]


@pytest.mark.parametrize("kept", [("lira_online",), ("lira_online", "lira_online_augmented"),
                                  ("lira_online", "gradient_norm")])  # fmt: skip
def test_online_lira_alone_at_two_models_is_refused_before_training(make_cfg, kept) -> None:
    cfg = make_cfg("plan.num_models=2", *_only(*kept))
    with pytest.raises(ConfigError) as caught:
        prepare_data(build_experiment(cfg))  # (the checks before training; nothing trains)
    said = str(caught.value)
    black_box = ", ".join(name for name in kept if name != "gradient_norm")
    assert said.startswith(f"attack.attacks: every black-box attack ({black_box}) is LiRA online")
    assert "plan.num_models=2" in said and "plan.num_models >= 4" in said
    assert "\n" not in said


@pytest.mark.parametrize("overrides", [
    ("plan.num_models=4", *_only("lira_online")),  # references IN and OUT of each record
    ("plan.num_models=2", *_only("lira_online", "loss")),  # loss measures
    ("plan.num_models=2", *_only("lira_offline")),  # offline needs OUT references only
    ("plan.num_models=2", *_only("lira_online"), "attack.attacks.lira_online.online=false"),
])  # fmt: skip
def test_a_set_that_can_measure_is_not(make_cfg, overrides) -> None:
    prepare_data(build_experiment(make_cfg(*overrides)))

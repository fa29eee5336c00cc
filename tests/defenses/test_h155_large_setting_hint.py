"""A failed training beside a defense setting far beyond its usual range names that setting
first: mia-train defense=weight_decay defense.weight_decay.coefficient=1e30 (Adam) and
defense=advreg defense.advreg.strength=3e38 left every model as initialised (Adam's float32
second moment of the scaled gradients overflowed, every step came out zero) and were refused
with 'raise the learning rate (train.lr)'; with SGD they diverged with 'likely cause:
train.lr=0.001, ... (lower the learning rate first)'. No learning rate fixes either (h155)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from mia_defense.cli.build import run
from mia_defense.defenses import AdversarialRegularization, FullRelease, WeightDecay
from mia_defense.errors import ConfigError
from mia_defense.experiment import _divergence_hint, _untrained_hint
from mia_defense.tracking.artifacts import read_json

TINY = ("plan.num_models=2", "plan.population_size=100", "train.batch_size=16",
        "train.epochs=2", "attack.bootstrap=0", "figures=false")  # fmt: skip


@pytest.mark.parametrize(("overrides", "said"), [
    (("defense=weight_decay", "defense.weight_decay.coefficient=1e30"),
     "defense.weight_decay.coefficient=1e+30 (usually 1e-4 to 1e-2, 0.005 by default)"),
    (("defense=advreg", "defense.advreg.strength=3e38", "plan.reference_size=50"),
     "defense.advreg.strength=3e+38 (usually 1 to 10, 3 by default)"),
])  # fmt: skip
def test_an_untrained_model_beside_a_huge_defense_setting_names_it(
    make_cfg, tmp_path, overrides, said
):
    start = f"likely cause: {said}, far beyond the usual range "
    with pytest.raises(ConfigError, match="^" + re.escape(start) +
                       r".*no learning rate fixes that\): lower it\. each of the 2 models: "
                       r"training changed none of its weights: ") as caught:
        run(make_cfg(*TINY, *overrides), tmp_path)
    assert str(caught.value).endswith("(their gradients were all zero)")  # its own words kept
    failed = read_json(tmp_path / "results.json")["failed"]
    assert failed["error"] == "ConfigError"
    assert failed["message"].startswith(start)


def _experiment(defense, optimizer="adam"):
    return SimpleNamespace(
        train=SimpleNamespace(lr=1e-3, weight_decay=0.0, optimizer=optimizer, momentum=0.9),
        build_defenses=lambda: [defense], release=FullRelease(), shadow_recipe="same",
    )  # fmt: skip


def test_the_divergence_hint_names_a_huge_setting_before_the_learning_rate():
    hint = _divergence_hint(_experiment(AdversarialRegularization(strength=1e30), "sgd"))
    assert hint.startswith("likely cause: defense.advreg.strength=1e+30 (usually 1 to 10, 3 by "
                           "default), far beyond the usual range: lower it first; if training "
                           "still diverges, likely cause: train.lr=0.001, train.momentum=0.9")
    assert hint.endswith("(lower the learning rate first)")


def test_usual_settings_keep_the_learning_rate_advice():
    untrained = ConfigError("model 0: training changed none of its weights: after its ...")
    for defense in (WeightDecay(), WeightDecay(coefficient=1.0), AdversarialRegularization()):
        assert _untrained_hint(_experiment(defense), untrained) is None
        assert _divergence_hint(_experiment(defense)).startswith("likely cause: train.lr=0.001")
    # another refusal beside a huge setting is left as it is
    other = ConfigError("model 0: something else")
    assert _untrained_hint(_experiment(WeightDecay(coefficient=1e30)), other) is None

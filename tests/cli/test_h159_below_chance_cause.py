"""A run at a defense setting far beyond its usual range that does not fail but trains every
model to chance (mia-train defense=weight_decay defense.weight_decay.coefficient=1e10, or
defense=advreg defense.advreg.strength=1e10) ended with 'UTILITY BELOW CHANCE ... no privacy
verdict' without naming the setting; the table now says it on a line of its own under that
one, from the same table of usual ranges as a failed training's hint (h159)."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from mia_defense.cli.build import format_table
from mia_defense.defenses import AdversarialRegularization, FullRelease, WeightDecay
from mia_defense.experiment import below_chance_cause
from mia_defense.pipeline.evaluate import RunResult

_OLD = ("UTILITY BELOW CHANCE: test accuracy 0.092 is not above the majority class's 0.112; "
        "no privacy verdict for this run (the model learned nothing, or the labels are not the "
        "outputs', so a low attack success says nothing about privacy)")  # fmt: skip


def _experiment(defense):
    return SimpleNamespace(
        train=SimpleNamespace(lr=1e-3, weight_decay=0.0, optimizer="adam", momentum=0.9),
        build_defenses=lambda: [defense], release=FullRelease(), shadow_recipe="same",
    )  # fmt: skip


def _result() -> RunResult:
    utility = {"train_accuracy": 0.097, "test_accuracy": 0.092, "test_accuracy_std": 0.01,
               "test_accuracy_median": 0.092, "generalization_gap": 0.005,
               "chance_accuracy": 0.112}  # fmt: skip
    return RunResult(utility=utility, attacks={}, strongest_attack=None,
                     defense={"defense": "none", "release": "full"}, privacy={},
                     wall_seconds=0.0)  # fmt: skip


@pytest.mark.parametrize(("defense", "said"), [
    (WeightDecay(coefficient=1e10),
     "defense.weight_decay.coefficient=1e+10 (usually 1e-4 to 1e-2, 0.005 by default)"),
    (AdversarialRegularization(strength=1e10),
     "defense.advreg.strength=1e+10 (usually 1 to 10, 3 by default)"),
])  # fmt: skip
def test_the_table_names_a_far_setting_under_its_old_words(defense, said):
    cause = below_chance_cause(_experiment(defense))
    assert cause == (f"{said}, far beyond the usual range: lower it (no learning rate fixes "
                     "that)")  # fmt: skip
    table = format_table(_result(), [0.001], cause=cause).splitlines()
    assert _OLD in table  # the old words stay, whole
    assert table[table.index(_OLD) + 1] == f"LIKELY CAUSE: {cause}"


def test_usual_settings_name_nothing():
    for defense in (WeightDecay(), WeightDecay(coefficient=1.0), AdversarialRegularization()):
        assert below_chance_cause(_experiment(defense)) is None
    table = format_table(_result(), [0.001], cause=None)
    assert table.endswith(_OLD) and "LIKELY CAUSE" not in table


@pytest.mark.slow  # a whole mia-train run in a subprocess (about 5 s)
def test_mia_train_prints_it(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mia_defense.cli.train", f"hydra.run.dir={tmp_path / 'run'}",
         "progress=false", "figures=false", "plan.num_models=2", "plan.population_size=100",
         "train.batch_size=16", "train.epochs=2", "attack.bootstrap=0", "defense=weight_decay",
         "defense.weight_decay.coefficient=1e10"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    below = next(i for i, line in enumerate(lines) if line.startswith("UTILITY BELOW CHANCE"))
    assert lines[below + 1] == (
        "LIKELY CAUSE: defense.weight_decay.coefficient=1e+10 (usually 1e-4 to 1e-2, 0.005 by "
        "default), far beyond the usual range: lower it (no learning rate fixes that)"
    )

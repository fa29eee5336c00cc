"""A range or interval given to a config group (``mia-train -m 'defense=range(0,2)'``,
``-m hparams_search=optuna_custom 'model=interval(0,1)'``) made the sweep's folder and
stopped in a traceback (Hydra's "ValueError: Config group override must be a string or a
list. Got int") or had each trial refused, where ``-m model=1,2`` was refused up front
(`override_checks.unnamed_group_choice`): a group takes the names of its configs, and a
range or interval draws numbers. Refused up front alike now (h560)."""

from __future__ import annotations

import pytest

from mia_defense.override_checks import unnamed_group_choice
from tests.helpers import mia_train

DEFENSES = ("advreg, distillation, dp, dropout, early_stopping, label_smoothing, mixup, none, "
            "relaxloss, weight_decay")  # fmt: skip
MODELS = "cnn, custom, logistic, mlp, resnet, wide_resnet"


@pytest.mark.parametrize(("args", "said"), [
    (["defense=range(0,2)"],
     "defense=range(0,2): a config group takes the name of one of its configs (one of: "
     f"{DEFENSES}), not the numbers of range(0,2)"),
    (["hparams_search=optuna_custom", "model=interval(0,1)"],
     f"model=interval(0,1): a config group takes the name of one of its configs (one of: "
     f"{MODELS}), not the numbers of interval(0,1)"),
])  # fmt: skip
def test_a_range_or_interval_of_a_group_is_refused_up_front(tmp_path, args, said) -> None:
    sweep = tmp_path / "s"
    done = mia_train("-m", *args, "train.epochs=1", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert said in done.stderr, done.stderr[-3000:]
    assert "Traceback" not in done.stderr + done.stdout and not sweep.exists()


@pytest.mark.parametrize("arg", ["model=shuffle(range(0,2))", "model@x=range(1,3)",
                                 "model=tag(a,interval(0,1))"])
def test_other_ranges_of_a_group_are_named_alike(arg) -> None:
    said = unnamed_group_choice([arg])
    assert said is not None and "a config group takes the name of one of its configs" in said
    assert said.endswith(f"not the numbers of {arg.partition('=')[2]}"), said


@pytest.mark.parametrize("arg", ["seed=range(0,2)", "train.lr=interval(0.01,0.1)",
                                 "model=mlp,cnn", "defense=glob(d*)"])
def test_ranges_of_keys_and_names_of_groups_pass(arg) -> None:
    assert unnamed_group_choice([arg]) is None

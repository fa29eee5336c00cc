"""A misspelt key of plan, train or attack (``plan.num_model=4``, as a new user types it)
got Hydra's "Could not override 'plan.num_model'. To append to your config use
+plan.num_model=4", whose advice was then refused as an unknown key. It is refused at once
with the closest key, Hydra's words kept (h107)."""

from __future__ import annotations

import pytest

from mia_defense.config_keys import misspelt_group_key
from tests.helpers import mia_train


@pytest.mark.parametrize(
    ("arg", "node", "name", "close"),
    [("plan.num_model=4", "plan", "num_model", "num_models"),
     ("train.epoch=5", "train", "epoch", "epochs"),
     ("attack.num_target=4", "attack", "num_target", "num_targets"),
     ("attack.queries.num_augment=2", "attack.queries", "num_augment", "num_augmented")],
)  # fmt: skip
def test_a_misspelt_nested_key_is_found_with_the_closest(arg, node, name, close):
    assert misspelt_group_key(["seed=1", arg]) == (arg, node, name, close)


@pytest.mark.parametrize(
    "arg",
    ["plan.num_models=4", "+plan.num_model=4", "plan.xyzzy=1", "attack.attacks.shokry.seed=1",
     "train.fit.clip=1", "model.hiden=[8]", "train=schema"],
)  # fmt: skip
def test_right_keys_and_keys_it_cannot_judge_are_left_alone(arg):
    assert misspelt_group_key([arg]) is None


def test_mia_train_names_the_closest_key(tmp_path):
    done = mia_train("plan.num_model=4", cwd=tmp_path)
    assert done.returncode == 2
    assert ("ConfigError: plan.num_model=4: Could not override 'plan.num_model' (Key 'num_model' "
            "is not in struct): plan has no key 'num_model'; did you mean 'num_models'?"
            ) in done.stderr
    assert "To append" not in done.stderr

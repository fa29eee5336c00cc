"""mia-attack takes mia-train's ``attack`` group: a misspelt key of it
(``attack.num_target=4``) got Hydra's "Could not override 'attack.num_target'. To append to
your config use +attack.num_target=4", advice then refused as an unknown key. It is refused
at once with the closest key, as mia-train refuses it (h107's `misspelt_group_key`; h108)."""

from __future__ import annotations

import pytest

from mia_defense.config_keys import misspelt_group_key
from tests.helpers import mia_attack


@pytest.mark.parametrize(
    ("arg", "node", "name", "close"),
    [("attack.num_target=4", "attack", "num_target", "num_targets"),
     ("attack.queries.num_augment=2", "attack.queries", "num_augment", "num_augmented"),
     ("attack.bootstraps=0", "attack", "bootstraps", "bootstrap")],
)  # fmt: skip
def test_mia_attack_names_the_closest_attack_key(tmp_path, arg, node, name, close):
    done = mia_attack("missing.npz", arg, cwd=tmp_path)
    assert done.returncode == 2
    assert (f"ConfigError: {arg}: Could not override '{node}.{name}' (Key {name!r} is not in "
            f"struct): {node} has no key {name!r}; did you mean {close!r}? (keys: mia-attack "
            "--cfg job)") in done.stderr  # fmt: skip
    assert "To append" not in done.stderr
    assert not list(tmp_path.iterdir())  # refused before Hydra made a run directory


def test_only_the_attack_group_is_looked_at_for_mia_attack():
    assert misspelt_group_key(["plan.num_model=4"], groups=("attack",)) is None
    assert misspelt_group_key(["attack.num_target=4"], groups=("attack",)) is not None


def test_a_training_key_is_still_refused_as_mia_train_s(tmp_path):
    done = mia_attack("missing.npz", "plan.num_model=4", cwd=tmp_path)
    assert done.returncode == 2
    assert "plan is fixed when they are trained and queried" in done.stderr

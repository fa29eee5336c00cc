"""mia-attack: a misspelt top-level name (``seeed=1``, ``atack.num_targets=4``) got Hydra's
"Could not override 'seeed'. To append to your config use +seeed=1", advice then refused as an
unknown key. It is refused at once with the closest of mia-attack's own keys."""

from __future__ import annotations

import pytest
from hydra.core.config_store import ConfigStore

from mia_defense.cli import attack
from mia_defense.cli.arguments import misspelt_key
from tests.helpers import mia_attack


@pytest.mark.parametrize(("arg", "name", "close"), [
    ("seeed=1", "seeed", "seed"),
    ("atack.num_targets=4", "atack", "attack"),
    ("figure=false", "figure", "figures"),
])  # fmt: skip
def test_mia_attack_names_the_closest_of_its_keys(tmp_path, arg, name, close):
    done = mia_attack("missing.npz", arg, cwd=tmp_path)
    assert done.returncode == 2
    assert (f"ConfigError: {arg}: no config group or key {name!r} (Key {name!r} is not in "
            f"struct); did you mean {close!r}? (keys: mia-attack --cfg job)") in done.stderr
    assert "To append" not in done.stderr
    assert not list(tmp_path.iterdir())  # refused before Hydra made a run directory


def test_the_keys_are_those_of_mia_attacks_config():
    # a key of its config missing from TOP_KEYS would be refused as a typo of another
    node = ConfigStore.instance().load(f"{attack.CONFIG_NAME}.yaml").node
    assert set(attack.TOP_KEYS) == {str(k) for k in node if k != "defaults"} | {"attack"}
    for key in attack.TOP_KEYS:
        assert misspelt_key([f"{key}=1"], attack.TOP_KEYS) is None

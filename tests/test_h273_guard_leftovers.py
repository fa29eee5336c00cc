"""Leftovers of the guarded config loader: a ``~KEY`` of a defense's or attack's key one
level up (``defense=dp ~defense.delta``: Hydra's bare 'does not exist') and of a defense that
is not selected (``~defense.dp.delta`` without ``defense=dp``: told dp's delta is null, read
from the packaged file), each answered from the config as composed when the delete failed."""

from __future__ import annotations

import pytest

from mia_defense.hydra_setup import setup_hydra
from tests.conftest import compose_cfg

setup_hydra()  # (as the tools compose: Hydra's loader guarded)


@pytest.mark.parametrize(("overrides", "said"), [
    (["defense=dp", "~defense.delta"], "delta is a key of the defense dp, and a setting of a "
     "defense cannot be deleted: set defense.dp.delta=VALUE instead"),
    (["~attack.attacks.gamma"], "gamma is a key of the attack rmia, and a setting of an "
     "attack cannot be deleted: set attack.attacks.rmia.gamma=VALUE instead"),
    (["~defense.dp.delta"], "the defense 'dp' is not selected, so there is nothing to delete; "
     "defense=[NAME,...] selects the defenses (defense=[] for none)"),
    # dp selected: its delta is null, which '~' reads as absent (as before)
    (["defense=dp", "~defense.dp.delta"], "defense.dp.delta is null, which Hydra's '~' reads "
     "as absent; a keyword of the defense stays: set it instead (defense.dp.delta=VALUE)"),
])  # fmt: skip
def test_deleting_a_key_of_an_entry_says_where_it_is_or_that_it_is_not_selected(
    overrides, said
):
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException) as refused:
        compose_cfg(*overrides)
    key = overrides[-1].lstrip("~")
    assert str(refused.value) == f"Could not delete from config. '{key}' does not exist: {said}"


def test_the_api_gets_the_same_words_for_a_key_one_level_up():
    from mia_defense.attack_setup import attack_config
    from mia_defense.errors import ConfigError

    with pytest.raises(ConfigError, match=r"gamma is a key of the attack rmia, .* set "
                       r"attack\.attacks\.rmia\.gamma=VALUE instead"):  # fmt: skip
        attack_config(["~attack.attacks.gamma"])

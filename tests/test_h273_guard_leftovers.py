"""Leftovers of the guarded config loader: a ``~KEY`` of a defense's or attack's key one
level up (``defense=dp ~defense.delta``: Hydra's bare 'does not exist') and of a defense that
is not selected (``~defense.dp.delta`` without ``defense=dp``: told dp's delta is null, read
from the packaged file), each answered from the config as composed when the delete failed;
and an empty mapping in a config file of one's own (``attack: {attacks: {}}``) over a node
holding entries, a no-op."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
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

    with pytest.raises(ConfigError, match=r"gamma is a key of the attack rmia, .* set "
                       r"attack\.attacks\.rmia\.gamma=VALUE instead"):  # fmt: skip
        attack_config(["~attack.attacks.gamma"])


@pytest.mark.parametrize(("body", "key", "entries"), [
    ("attack:\n  attacks: {}\n", "attack.attacks", "every entry (loss, confidence, entropy"),
    ("defense: {}\n", "defense", "every entry (dp)"),
])  # fmt: skip
def test_an_empty_mapping_in_a_config_file_over_entries_is_refused_naming_the_file(
    tmp_path, body, key, entries
):
    # as the command line's attack.attacks={} (02b68619): merged, it changed nothing, and
    # the composed config looked like the packaged placeholder defense: {}
    from hydra import compose, initialize_config_module

    (tmp_path / "experiment").mkdir()
    (tmp_path / "experiment" / "mine.yaml").write_text("# @package _global_\n" + body)
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        with pytest.raises(ConfigError) as refused:
            compose("config", overrides=[f"hydra.searchpath=[file://{tmp_path}]",
                                         "defense=dp", "+experiment=mine"])  # fmt: skip
        said = str(refused.value)
        assert said.startswith(f"ConfigError: {tmp_path}/experiment/mine.yaml: {key}: {{}}: "
                               f"Hydra merges a config file's mapping into what {key} holds, "
                               f"so an empty one changes nothing: {entries}")  # fmt: skip
        # the packaged primary config's defense: {} (there with no defense selected) is left
        assert list(compose("config", overrides=["defense=dp"]).defense) == ["dp"]


def test_a_sweep_that_selects_the_defense_in_its_points_is_not_told_it_is_not_selected():
    # Hydra composes a sweep's shared config with defense at its default: 'dp is not
    # selected' would be said of a command that selects it
    from hydra import initialize_config_module
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import ConfigCompositionException
    from hydra.types import RunMode

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        with pytest.raises(ConfigCompositionException) as refused:
            loader.load_configuration("config", ["defense=dp,none", "~defense.dp.delta"],
                                      run_mode=RunMode.MULTIRUN)  # fmt: skip
    assert str(refused.value).endswith(": defense.dp.delta is null, which Hydra's '~' reads "
                                       "as absent; a keyword of the defense stays: set it "
                                       "instead (defense.dp.delta=VALUE)")  # fmt: skip

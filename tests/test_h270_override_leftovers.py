"""Overrides the config check let through or answered without the fix: a whole number
written as a float (``plan.num_models=1e1``, refused as 'must be an even integer' without
saying it read as 10.0), a key of a defense or attack given one level up
(``defense=dp defense.delta=true``: 'add one of your own'), a deleted keyword of a
``_target_`` (``~model.hidden`` ran on the function's default, which results.json did not
record), the API's overrides giving a key twice (the last kept without the tools' warning), and the
API's overrides answered in Hydra's words where the tools say what was meant."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.hydra_setup import setup_hydra
from tests.conftest import compose_cfg
from tests.helpers import refused_before_run_dir

setup_hydra()  # (as the tools compose: Hydra's loader guarded)

READ_AS_FLOAT = ("Hydra read it as the float {} (a number with a point or an exponent, as 1e1 "
                 "or 10.0, is a float; an integer is digits alone)")  # fmt: skip


@pytest.mark.parametrize(("overrides", "key", "read", "fix"), [
    (["plan.num_models=1e1"], "plan.num_models", "10.0", "plan.num_models=10"),
    (["train.epochs=3.0"], "train.epochs", "3.0", "train.epochs=3"),
    (["seed=2e0"], "seed", "2.0", "seed=2"),
    (["attack.num_targets=1e1"], "attack.num_targets", "10.0", "attack.num_targets=10"),
    # a keyword of a _target_ node, checked against its signature
    (["model=cnn", "model.groups=8.0"], "model.groups", "8.0", "model.groups=8"),
    (["defense=dp", "defense.dp.max_physical_batch_size=1e2"],
     "defense.dp.max_physical_batch_size", "100.0", "defense.dp.max_physical_batch_size=100"),
    # the integer is refused too: how it was read, no override to write
    (["plan.num_models=1e5"], "plan.num_models", "100000.0", None),
    (["plan.num_models=3.0"], "plan.num_models", "3.0", None),
])  # fmt: skip
def test_a_whole_float_given_to_an_integer_key_says_how_to_write_it(overrides, key, read, fix):
    from mia_defense.config import check_config

    with pytest.raises(ConfigError) as refused:
        check_config(compose_cfg(*overrides))
    said = str(refused.value)
    assert said.startswith(f"{key}={read}: must be ")
    hint = "; " + READ_AS_FLOAT.format(read)
    assert said.endswith(hint + (f": write {fix}" if fix else ""))


def test_a_fraction_given_to_an_integer_key_is_refused_as_before():
    from mia_defense.config import check_config

    with pytest.raises(ConfigError) as refused:
        check_config(compose_cfg("train.batch_size=32.5"))
    assert str(refused.value) == "train.batch_size=32.5: must be an integer >= 1"


def test_mia_train_says_how_to_write_the_integer_before_the_run_directory(tmp_path):
    stderr = refused_before_run_dir("plan.num_models=1e1", cwd=tmp_path)
    assert "read it as the float 10.0" in stderr
    assert stderr.rstrip().endswith("write plan.num_models=10")


@pytest.mark.parametrize(("overrides", "said"), [
    # 'defense has no defense 'delta' ... add one of your own with '+defense.delta=...''
    (["defense=dp", "defense.delta=true"], "defense has no defense 'delta': delta is a key "
     "of the defense dp; write defense.dp.delta=true"),
    (["defense=[dp,mixup]", "defense.alpha=0.2"], "defense has no defense 'alpha': alpha is "
     "a key of the defense mixup; write defense.mixup.alpha=0.2"),
    (["attack.attacks.gamma=2"], "attack.attacks has no attack 'gamma': gamma is a key of "
     "the attack rmia; write attack.attacks.rmia.gamma=2"),
    (["attack.attacks.seed=3"], "attack.attacks has no attack 'seed': seed is a key of the "
     "attacks shokri, lira_online, lira_offline, lira_online_augmented, rmia, label_only, "
     "gradient_norm; write attack.attacks.NAME.seed=3 (e.g. attack.attacks.shokri.seed=3)"),
])  # fmt: skip
def test_a_key_of_a_selected_entry_given_one_level_up_names_where_it_goes(overrides, said):
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException) as refused:
        compose_cfg(*overrides)
    name = overrides[-1].partition("=")[0].rsplit(".", 1)[1]
    assert str(refused.value).endswith(f"(Key {name!r} is not in struct): {said}")


def test_mia_train_names_the_defenses_key_before_the_run_directory(tmp_path):
    stderr = refused_before_run_dir("defense=dp", "defense.delta=1e-5", cwd=tmp_path)
    assert "write defense.dp.delta=1e-5" in stderr


@pytest.mark.parametrize(("overrides", "deleted", "target", "default"), [
    (["~model.hidden"], "model.hidden", "mia_defense.models.MLP", "[128]"),
    (["defense=dp", "~defense.dp.max_grad_norm"], "defense.dp.max_grad_norm",
     "mia_defense.defenses.DPSGD", "1.0"),
    (["~attack.attacks.rmia.gamma"], "attack.attacks.rmia.gamma", "mia_defense.attacks.rmia",
     "1.0"),
    (["~dataset.standardize"], "dataset.standardize", "mia_defense.data.load_digits", "false"),
])  # fmt: skip
def test_a_deleted_keyword_of_a_target_is_refused_not_left_to_its_default(
    overrides, deleted, target, default
):
    # it passed the check and ran on the function's default; results.json lacked the key
    with pytest.raises(ConfigError) as refused:
        compose_cfg(*overrides)
    owner, _, name = deleted.rpartition(".")
    assert str(refused.value).endswith(
        f"~{deleted}: deletes {name} of {owner} ({target} takes {name}), so the run would use "
        f"the function's default ({name}={default}), which results.json, its config lacking "
        f"{deleted}, does not record; set it instead ({deleted}=VALUE, or {deleted}={default} "
        "for that default)"
    )


def test_keys_left_from_a_replaced_target_can_still_be_deleted():
    # the fix for keys the new _target_ does not take (and one's own targets, not imported)
    cfg = compose_cfg("model._target_=torch.nn.Linear", "~model.hidden", "~model.activation",
                      "~model.dropout", "+model.in_features=3", "+model.out_features=2")
    assert "hidden" not in cfg.model
    own = compose_cfg("dataset._target_=my_pkg.load", "~dataset.standardize")
    assert "standardize" not in own.dataset


def test_mia_train_and_the_api_refuse_a_deleted_keyword(tmp_path):
    from mia_defense.attack_setup import attack_config

    stderr = refused_before_run_dir("~model.hidden", cwd=tmp_path)
    assert "ConfigError: ~model.hidden: deletes hidden of model" in stderr
    with pytest.raises(ConfigError, match=r"~attack.attacks.lira_online.online: deletes online "
                       r"of attack.attacks.lira_online \(mia_defense.attacks.lira takes"):
        attack_config(["~attack.attacks.lira_online.online"])


def test_the_api_warns_of_a_key_given_twice_as_the_tools_do(caplog):
    # api.attack_config / api.audit(overrides=[...]) kept the last without a word
    from mia_defense import api

    with caplog.at_level("WARNING", logger="mia_defense"):
        cfg = api.attack_config(["attack.num_targets=2", "attack.num_targets=3"])
    assert cfg.attack.num_targets == 3
    assert [r.getMessage() for r in caplog.records] == [
        "attack.num_targets=2 attack.num_targets=3: attack.num_targets is given 2 times in "
        "the overrides (2, then 3); Hydra keeps the last, so the run uses "
        "attack.num_targets=3. Give attack.num_targets once to silence this"
    ]
    caplog.clear()
    with caplog.at_level("WARNING", logger="mia_defense"):
        api.attack_config(["attack.num_targets=3", "attack.num_targets=3"])
    assert not caplog.records


@pytest.mark.parametrize(("override", "said"), [
    # Hydra's 'To append to your config use +attack.attacks.lira=null'
    ("attack.attacks.lira=null", "Could not override 'attack.attacks.lira' (Key 'lira' is not "
     "in struct): attack.attacks has no attack 'lira'; did you mean 'lira_online' or"),
    ("attack.attacks.gamma=2", "write attack.attacks.rmia.gamma=2"),
    ("attack.queries={repeat:3}", "attack.queries has no key 'repeat'; did you mean 'repeats'?"),
    # Hydra's bare "Could not delete from config. 'attack.attacks.lira' does not exist."
    ("~attack.attacks.lira", "'attack.attacks.lira' does not exist: did you mean 'lira_online'"),
    ("~attack.num_targets", "attack.num_targets is null, which Hydra's '~' reads as absent"),
    ("attack.num_targets=" + "9" * 5000, "attack.num_targets=<an integer of 5000 digits>: "
     "more digits than Hydra reads in an integer"),
])  # fmt: skip
def test_the_api_words_a_composition_error_as_the_tools_do(monkeypatch, override, said):
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    from mia_defense.attack_setup import attack_config

    with pytest.raises(Exception) as composed:  # the tools' words
        compose_cfg(override)
    assert said in str(composed.value)
    guarded = ConfigLoaderImpl.load_configuration  # (the API in a process without the tools)
    monkeypatch.setattr(ConfigLoaderImpl, "load_configuration", guarded.__wrapped__)
    with pytest.raises(ConfigError) as refused:
        attack_config([override])
    assert said in str(refused.value)
    assert "To append" not in str(refused.value)
    assert "ConfigError: " not in str(refused.value)


def test_the_api_says_to_quote_a_character_beyond_ascii(monkeypatch):
    # Hydra's 'LexerNoViableAltException: attack.shadow_recipe=naïve', where mia-train says
    from mia_defense.attack_setup import attack_config

    with pytest.raises(ConfigError) as refused:
        attack_config(["attack.shadow_recipe=naïve"])
    assert str(refused.value) == (
        "attack overrides ['attack.shadow_recipe=naïve']: attack.shadow_recipe=naïve: Hydra's "
        "override grammar reads a character beyond ASCII ('ï', U+00EF) only inside quotes, and "
        "stopped on it; quote the value for Hydra: attack.shadow_recipe='naïve'"
    )


def test_deleting_a_null_keyword_of_a_defense_says_to_set_it():
    # Hydra's bare "Could not delete from config. 'defense.dp.delta' does not exist."
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException) as refused:
        compose_cfg("defense=dp", "~defense.dp.delta")
    assert str(refused.value) == (
        "Could not delete from config. 'defense.dp.delta' does not exist: defense.dp.delta is "
        "null, which Hydra's '~' reads as absent; a keyword of the defense stays: set it "
        "instead (defense.dp.delta=VALUE)"
    )


@pytest.mark.parametrize(("override", "said"), [
    # Hydra's 'Could not override 'atack.bootstrap'. To append ... +atack.bootstrap=0'
    ("atack.bootstrap=0", "atack.bootstrap=0: no config group or key 'atack' (Key 'atack' is "
     "not in struct); did you mean 'attack'? (the overrides take the attack group's keys, "
     "attack.*)"),
    # Hydra's 'To append to your config use +run_name=1' (none close: h303's report)
    ("run_name=1", "run_name=1: no config group or key 'run_name' (Key 'run_name' is not in "
     "struct); none is named alike (the overrides take the attack group's keys, attack.*)"),
    # Hydra's 'Config group override must be a string or a list. Got NoneType'
    ("attack=null", "attack=null: a config group takes the name of one of its configs (the "
     "files in conf/attack/), not null"),
])  # fmt: skip
def test_the_api_refuses_what_the_tools_refuse_before_hydra_in_their_words(override, said):
    from mia_defense.attack_setup import attack_config

    with pytest.raises(ConfigError) as refused:
        attack_config([override])
    assert str(refused.value) == f"attack overrides [{override!r}]: {said}"


@pytest.mark.parametrize(("overrides", "said"), [
    # Hydra's old advice followed: '+defense.delta=...' added a defense named delta
    (["defense=dp", "+defense.delta=true"], "defense.delta=true: must be a mapping with a "
     "_target_ (pick a config of conf/defense/, or give your own class or function); delta "
     "is a key of dp: write defense.dp.delta=true instead"),
    (["+attack.attacks.seed=3"], "; seed is a key of shokri, lira_online, lira_offline, "
     "lira_online_augmented, rmia, label_only, gradient_norm: write attack.attacks.NAME.seed=3 "
     "(e.g. attack.attacks.shokri.seed=3) instead"),
])  # fmt: skip
def test_a_key_of_an_entry_added_as_an_entry_names_where_it_goes(overrides, said):
    from mia_defense.config import check_config

    with pytest.raises(ConfigError) as refused:
        check_config(compose_cfg(*overrides))
    assert str(refused.value).endswith(said)


def test_the_api_names_an_override_of_thousands_of_characters_once(monkeypatch):
    # the refusal began with the 5,000 digits, then said what was wrong
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    from mia_defense.attack_setup import attack_config

    guarded = ConfigLoaderImpl.load_configuration  # (the API in a process without the tools)
    monkeypatch.setattr(ConfigLoaderImpl, "load_configuration", guarded.__wrapped__)

    with pytest.raises(ConfigError) as refused:
        attack_config(["attack.num_targets=" + "9" * 5000, "attack.bootstrap=0"])
    assert str(refused.value).startswith(  # (cut as every refusal cuts a value: 200 in all)
        "attack overrides ['attack.num_targets=" + "9" * 162 + "… (5019 characters)', "
        "'attack.bootstrap=0']: attack.num_targets=<an integer of 5000 digits>: more digits "
        "than Hydra reads"
    )
    assert len(str(refused.value)) < 500

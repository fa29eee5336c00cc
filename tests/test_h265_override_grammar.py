"""Overrides that Hydra reads otherwise than a user meant, refused or answered with what to
write as the config is composed or checked: ``attack.attacks={}`` (Hydra merges a mapping
given as an override into the node, so an empty one changes nothing) ran every attack for
whoever meant "no attacks" or "only mine", the same for any key that holds entries; a null
or deleted attack, a key missing in a node that is there, a list of configs of a group that
takes one, a deleted setting, ``cache_dir=None``."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.hydra_setup import setup_hydra
from tests.conftest import compose_cfg
from tests.helpers import mia_train, refused_before_run_dir

setup_hydra()  # (as the tools compose: Hydra's loader guarded)

MINE = "+attack.attacks.mine={_target_:mia_defense.attacks.loss_attack,_partial_:true}"


@pytest.mark.parametrize(("overrides", "key", "fix"), [
    (["attack.attacks={}"], "attack.attacks",
     "leave an entry out with '~attack.attacks.NAME' (e.g. '~attack.attacks.gradient_norm'); "
     "to keep none of them and give your own, '~attack.attacks' then "
     "'+attack.attacks.NAME={...}' for each"),
    (["attack.attacks={}", MINE], "attack.attacks", "'~attack.attacks' then"),
    (["defense=dp", "++defense.dp={}"], "defense.dp",
     "set its keys one by one (defense.dp.KEY=VALUE), or drop it with '~defense.dp'"),
    (["defense=dp", "defense={}"], "defense", "defense=[] for none"),
    (["attack.attacks.loss={}"], "attack.attacks.loss", "drop it with '~attack.attacks.loss'"),
    (["attack.queries={}"], "attack.queries",  # (its settings are required: not '~')
     "would stay as it is; set its keys one by one (attack.queries.KEY=VALUE)"),
    (["dataset={}"], "dataset", "select another config of the group with dataset=NAME"),
    (["release={}"], "release", "release=NAME"),
    (["plan={}"], "plan", "plan=NAME"),
])  # fmt: skip
def test_an_empty_mapping_given_to_a_key_holding_entries_is_refused(overrides, key, fix):
    with pytest.raises(ConfigError, match="changes nothing") as refused:
        compose_cfg(*overrides)
    said = str(refused.value)
    given = next(o for o in overrides if o.endswith("={}"))
    assert f"{given}: Hydra merges a mapping given as an override into what {key} holds" in said
    assert fix in said


@pytest.mark.parametrize(("overrides", "key", "value"), [
    (["defense={}"], "defense", {}),  # (none selected: what was asked)
    (["+extra={}"], "extra", {}),  # a new, empty node
    (["~attack.attacks", MINE], "attack.attacks",  # only one's own attack, as advised
     {"mine": {"_target_": "mia_defense.attacks.loss_attack", "_partial_": True}}),
    (["attack.queries={repeats:3}"], "attack.queries.repeats", 3),
])  # fmt: skip
def test_other_mappings_compose_as_given(overrides, key, value):
    from omegaconf import OmegaConf

    node = OmegaConf.select(compose_cfg(*overrides), key)
    assert (OmegaConf.to_container(node) if OmegaConf.is_config(node) else node) == value


def test_mia_train_refuses_an_empty_mapping_before_the_run_directory(tmp_path):
    # it warned, then ran every attack; --cfg job printed them all
    stderr = refused_before_run_dir("attack.attacks={}", cwd=tmp_path)
    assert "ConfigError: attack.attacks={}: Hydra merges a mapping" in stderr
    assert "WARNING" not in stderr
    done = mia_train("attack.attacks={}", "--cfg", "job", cwd=tmp_path)
    assert done.returncode == 2
    assert "rmia:" not in done.stdout


def test_a_sweep_with_an_empty_mapping_is_refused_before_any_point(tmp_path):
    done = mia_train("-m", "attack.attacks={}", "seed=1,2", "hydra.sweep.dir=sweep",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert "ConfigError: attack.attacks={}: Hydra merges a mapping" in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_the_api_refuses_an_empty_mapping_without_the_tools_loaded(monkeypatch):
    # api.audit(obs, overrides=["attack.attacks={}"]) audited with every attack
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    from mia_defense.attack_setup import attack_config

    guarded = ConfigLoaderImpl.load_configuration
    monkeypatch.setattr(ConfigLoaderImpl, "load_configuration", guarded.__wrapped__)
    with pytest.raises(ConfigError, match=r"attack overrides \['attack.attacks={}'\]: "
                       r"attack.attacks={}: Hydra merges a mapping"):  # fmt: skip
        attack_config(["attack.attacks={}"])
    assert "shokri" not in attack_config(["~attack.attacks.shokri"]).attack.attacks


@pytest.mark.parametrize(("overrides", "line"), [
    # (null reads as "off" elsewhere; here the advice was "pick a config of conf/attack/")
    (["attack.attacks.lira_online=null"], "attack.attacks.lira_online=null: must be a mapping "
     "with a _target_; to leave it out, write '~attack.attacks.lira_online'"),
    (["defense=dp", "defense.dp=null"], "defense.dp=null: must be a mapping with a _target_; "
     "to leave it out, write '~defense.dp'"),
    # ('attack.attacks: missing; it is required': how to run fewer attacks went unsaid)
    (["~attack.attacks"], "attack.attacks: missing; it is required ('~attack.attacks' deletes "
     "every entry: leave entries out one by one with '~attack.attacks.NAME', or give your own "
     "after it with '+attack.attacks.NAME={_target_: ...}')"),
])  # fmt: skip
def test_an_attack_or_defense_set_to_null_or_deleted_says_how_to_leave_it_out(overrides, line):
    from mia_defense.config import check_config

    with pytest.raises(ConfigError) as refused:
        check_config(compose_cfg(*overrides))
    assert str(refused.value) == line


@pytest.mark.parametrize(("overrides", "said"), [
    # 'the defense 'dp' is not selected: add it with defense=dp', of a command that did
    (["defense=dp", "defense.dp={target_epsilon:1,noise:2}"],
     "defense.dp has no key 'noise'; did you mean 'noise_multiplier'? (its keys: "
     "target_epsilon, noise_multiplier,"),
    # Hydra: 'To append to your config use +attack.attacks.lira=null' (an attack named lira)
    (["attack.attacks.lira=null"],
     "attack.attacks has no attack 'lira'; did you mean 'lira_online' or 'lira_offline' or "
     "'lira_online_augmented'? (its attacks: loss, confidence,"),
    (["attack.attacks={mine:{_target_:mia_defense.attacks.loss_attack}}"],
     "add one of your own with '+attack.attacks.mine={_target_: ...}'"),
    # Hydra's '+attack.queries={repeat:3}' was then refused as an unknown key
    (["attack.queries={repeat:3}"], "attack.queries has no key 'repeat'; did you mean "
     "'repeats'? (its keys: num_augmented, noise_std, max_shift, flip, repeats)"),
    (["train={epoch:3}"], "train has no key 'epoch'; did you mean 'epochs'?"),
    (["model.hidden_size=3"], "model has no key 'hidden_size'; did you mean 'hidden'? (its "
     "keys: hidden, activation, dropout)"),
])  # fmt: skip
def test_a_key_missing_in_a_selected_node_is_named_with_its_keys(overrides, said):
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException) as refused:
        compose_cfg(*overrides)
    assert said in str(refused.value)
    assert "To append" not in str(refused.value)


def test_a_key_of_ones_own_target_keeps_the_way_to_add_it():
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException) as refused:
        compose_cfg("model=custom", "model._target_=torch.nn.Linear", "model.in_features=3")
    assert str(refused.value).endswith(
        "model has no key 'in_features' (no keys besides its _target_); '+model.in_features=...' "
        "adds it, for a _target_ of your own that takes it"
    )


@pytest.mark.parametrize("deleted", [
    "~progress",  # (a ConfigAttributeError traceback, exit 1)
    "~figures",
    "~cache_dir",  # (no model store, where the packaged config says auto; not recorded)
    "~attack.white_box",  # (ran with white_box false, the packaged config saying true)
    "~attack.bootstrap",
    "~attack.audit_canaries",
    "~attack.queries",
    "~attack.queries.repeats",
    "~attack.canaries.kind",
])  # fmt: skip
def test_a_deleted_setting_is_refused_not_replaced_by_a_default_of_the_code(deleted):
    from mia_defense.config import check_config

    with pytest.raises(ConfigError) as refused:
        check_config(compose_cfg(deleted))
    assert str(refused.value) == f"{deleted[1:]}: missing; it is required"


def test_the_api_refuses_a_deleted_attack_setting():
    from mia_defense.attack_setup import attack_config, check_attack_config

    with pytest.raises(ConfigError, match=r"^attack.shadow_recipe: missing; it is required$"):
        check_attack_config(attack_config(["~attack.shadow_recipe"]))


@pytest.mark.parametrize(("override", "said"), [
    # trained on breast_cancer alone, without a word
    ("dataset=[digits,breast_cancer]", "dataset=[digits,breast_cancer]: dataset takes one "
     "choice (dataset configs do not stack: the last would silently replace the others); "
     "nothing was run. Pick one (dataset=digits), or sweep them with -m "
     "dataset=digits,breast_cancer"),
    # refused as "model.activation='relu': unknown key 'activation' for SmallCNN" (mlp's key)
    ("model=[mlp,cnn]", "model=[mlp,cnn]: model takes one choice (model configs do not stack"),
])  # fmt: skip
def test_a_list_of_configs_of_a_group_that_takes_one_is_refused(tmp_path, override, said):
    from mia_defense.config_lists import merged_list_problem

    assert merged_list_problem([override]).startswith(said)
    assert merged_list_problem(["plan=[default,default]", "defense=[dp,mixup]"]) is None
    assert f"ConfigError: {said}" in refused_before_run_dir(override, cwd=tmp_path)


def test_an_attack_without_a_target_is_told_what_an_attack_is():
    # 'pick a config of conf/attack/' (which holds the attack group's one config, not attacks)
    from mia_defense.config import check_config

    with pytest.raises(ConfigError) as refused:
        check_config(compose_cfg("+attack.attacks.mine={}"))
    assert str(refused.value) == (
        "attack.attacks.mine={...}: must be a mapping with a _target_ (an attack is a function "
        "of your own or of mia_defense.attacks, e.g. {_target_: mia_defense.attacks.loss_attack, "
        "_partial_: true})"
    )


@pytest.mark.parametrize(("deleted", "said"), [
    # README's '~attack.attacks.NAME' with LiRA's paper name: Hydra named no attack
    ("~attack.attacks.lira", "'attack.attacks.lira' does not exist: did you mean 'lira_online' "
     "or 'lira_offline' or 'lira_online_augmented'? (its attacks: loss, confidence,"),
    ("~defense.dp", "'defense.dp' does not exist: the defense 'dp' is not selected, so there "
     "is nothing to delete; defense=[NAME,...] selects the defenses (defense=[] for none)"),
    ("~train.lrr", "'train.lrr' does not exist: did you mean 'lr'? (its keys: epochs,"),
    ("~attack.queries.repeat", "'attack.queries.repeat' does not exist: did you mean "
     "'repeats'? (its keys: num_augmented, noise_std, max_shift, flip, repeats); a setting "
     "cannot be deleted (each is required): set it instead"),
    # a null setting: Hydra said it 'does not exist'
    ("~attack.num_targets", "'attack.num_targets' does not exist: attack.num_targets is null, "
     "which Hydra's '~' reads as absent; a setting stays: set it instead "
     "(attack.num_targets=VALUE)"),
])  # fmt: skip
def test_deleting_a_key_that_is_not_there_says_what_is(deleted, said):
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException) as refused:
        compose_cfg(deleted)
    assert f"Could not delete from config. {said}" in str(refused.value)


@pytest.mark.parametrize("given", ["None", "none", "off", "'null'", "'false'"])
def test_a_word_for_off_given_to_cache_dir_is_refused_not_made_a_folder(given):
    # cache_dir=None (Python's word; Hydra's is null) ran with a model store in ./None
    from mia_defense.config import check_config

    word = given.strip("'")
    with pytest.raises(ConfigError) as refused:
        check_config(compose_cfg(f"cache_dir={given}"))
    assert str(refused.value) == (
        f"cache_dir={word!r}: text, which would name a folder {word!r}; cache_dir=null (or "
        f"false) turns it off, cache_dir=./{word} names a folder of that name"
    )
    check_config(compose_cfg(f"cache_dir=./{word}"))  # (a folder of that name, said so)

"""Leftovers of the guarded config loader's refusals: a ``~KEY`` of a defense's key one level
up where no defense holding it is selected (``~defense.delta`` with no defense) or in a
sweep over the defenses (``-m 'defense=dp,none' '~defense.delta'``), both Hydra's bare
"Could not delete ... does not exist"; and ``-m 'defense=dp,none' '~defense.dp'`` (or a
sweep of experiments, whose defaults lists select dp), told dp is not selected of a sweep
that selects it; a config file's empty mapping named as Hydra's ``pkg://`` source, with
the command line's fix; mia-attack's ``~defense.dp``; and ``+attack.fprs=[0.2]``, which
replaced the FPRs (Hydra refuses ``+`` for a key that is there, but not for a list)."""

from __future__ import annotations

import pytest
from hydra.errors import ConfigCompositionException

from mia_defense.hydra_setup import setup_hydra
from tests.helpers import composition_refused

setup_hydra()  # (as the tools compose: Hydra's loader guarded)


@pytest.mark.parametrize(("multirun", "overrides", "said"), [
    (False, ["~defense.delta"], "delta is a key of the defense dp, which is not selected (no "
     "defense is selected), so there is nothing to delete, and a setting of a defense cannot "
     "be deleted: to set it, select the defense and write it under its name (defense=dp "
     "defense.dp.delta=VALUE)"),
    (True, ["defense=dp,none", "~defense.delta"], "delta is a key of the defense dp "
     "(defense.dp.delta), not of defense, so no point of defense=dp,none has defense.delta; "
     "the points defense=none select no dp; a setting of a defense cannot be deleted: set it "
     "instead. defense.dp.delta=VALUE: the points defense=none of defense=dp,none do not "
     "select the defense 'dp', so it cannot be set there; nothing was run. Run the points "
     "that select it and the others as two sweeps into one folder (mia-report of that folder "
     "compares them all): mia-train -m defense=dp defense.dp.delta=VALUE "
     "hydra.sweep.dir=multirun/defense, then mia-train -m defense=none "
     "hydra.sweep.dir=multirun/defense"),
    (True, ["defense=[dp],[dp,mixup]", "~defense.delta"], "set it instead, with "
     "++defense.dp.delta=VALUE (Hydra's force-add: every point of defense=[dp],[dp,mixup] "
     "selects dp, and each sets it)"),
    (True, ["defense=none,mixup", "~defense.delta"], "delta is a key of the defense dp, which "
     "no point of defense=none,mixup selects, so there is nothing to delete, and a setting of "
     "a defense cannot be deleted: drop '~defense.delta' (to set it, select dp in the points, "
     "e.g. 'defense=[dp],[dp,mixup]', and write '++defense.dp.delta=VALUE')"),
    (True, ["defense=dp,[dp,mixup]", "~defense.dp"], "a sweep's points cannot delete a "
     "defense they select: Hydra composes the sweep's shared config before the points of "
     "defense=dp,[dp,mixup], with no defense, and deletes there; nothing was run. Leave dp "
     "out of the points instead: 'defense=[],[mixup]'"),
    # an experiment's defaults list selects dp: was told 'dp is not selected'
    (True, ["+experiment=tradeoff_dp,tradeoff_release", "~defense.delta"], "delta is a key of "
     "the defense dp, not of defense, and a setting of a defense cannot be deleted: Hydra "
     "composes the sweep's shared config before the points of "
     "+experiment=tradeoff_dp,tradeoff_release, with no defense, and deletes there; nothing "
     "was run. Set it instead where every point selects dp (++defense.dp.delta=VALUE)"),
    (True, ["defense=dp,none", "~defense.dp.max_grad_norm"], "a sweep cannot delete a "
     "setting of a defense: Hydra composes the sweep's shared config before the points of "
     "defense=dp,none, with no defense, and deletes there; nothing was run. A keyword of the "
     "defense stays: set it instead ('++defense.dp.max_grad_norm=VALUE' in a sweep whose "
     "points all select dp; defense.dp.max_grad_norm=VALUE in a run that selects it)"),
    # the command line's defense=dp is in the shared config: the single run's words
    (True, ["+experiment=tradeoff_dp,tradeoff_release", "defense=dp", "~defense.delta"],
     "delta is a key of the defense dp, and a setting of a defense cannot be deleted: set "
     "defense.dp.delta=VALUE instead"),
    # a sweeper's params (+experiment=tradeoff_all's defense) sweep the defenses too
    (True, ["+hydra.sweeper.params.defense='[dp],[dp,mixup]'", "~defense.dp"], "with no "
     "defense, and deletes there; nothing was run. Leave dp out of the points instead: "
     "'defense=[],[mixup]'"),
    # defense=none adds no entry: was told "the defense 'none' is not selected" of a run
    # that selects it, and in a sweep to leave none out of the points
    (True, ["defense=none,dp", "~defense.none"], "defense=none selects no defense and adds "
     "no entry (defense.none is never there), so there is nothing to delete: drop "
     "'~defense.none'"),
    (True, ["seed=0,1", "dataset=digits,purchase_like", "~defense.dp"], "the defense 'dp' is "
     "not selected, so there is nothing to delete; defense=[NAME,...] selects the defenses "
     "(defense=[] for none)"),
])  # fmt: skip
def test_deleting_a_defense_key_that_no_selected_defense_holds_says_what_to_write(
    multirun, overrides, said
):
    refused = composition_refused(overrides, multirun=multirun)
    assert isinstance(refused, ConfigCompositionException)
    key = overrides[-1].lstrip("~")
    assert str(refused).startswith(f"Could not delete from config. '{key}' does not "
                                         "exist: ")  # fmt: skip
    assert str(refused).endswith(said)


@pytest.mark.parametrize(("overrides", "said"), [
    (["+experiment=tradeoff_dp,tradeoff_release", "defense.dp.delta=1e-5"], "defense.dp.delta="
     "1e-5 sets a key of the defense 'dp', which the sweep's shared config lacks: Hydra "
     "composes it before the points of +experiment=tradeoff_dp,tradeoff_release, with defense "
     "as the rest of the command selects it; nothing was run. Where every point selects dp, "
     "write ++defense.dp.delta=1e-5 (Hydra's force-add: each point sets it); else sweep the "
     "points that select it on their own"),
    (["+hydra.sweeper.params.defense='[dp],[]'", "defense.dp.delta=1e-5"], "The points "
     "defense=[] of defense=[dp],[] do not select the defense 'dp', so it cannot be set "
     "there. Run the points that select it and the others as two sweeps into one folder "
     "(mia-report of that folder compares them all): mia-train -m defense.dp.delta=1e-5 "
     "'defense=[dp]' hydra.sweep.dir=multirun/defense, then mia-train -m 'defense=[]' "
     "hydra.sweep.dir=multirun/defense"),  # (the defense given once: 414c80ea)
])  # fmt: skip
def test_setting_a_key_of_a_defense_that_a_swept_group_selects_is_not_told_to_select_it(
    overrides, said
):
    # was "the defense 'dp' is not selected: add it with defense=dp" of a sweep whose
    # points select it (through the experiments' defaults lists, or the sweeper's params)
    refused = composition_refused(overrides, multirun=True)
    assert isinstance(refused, ConfigCompositionException)
    assert str(refused).startswith("Could not override 'defense.dp.delta' in a sweep: ")
    assert str(refused).endswith(said)


def test_an_empty_mapping_in_a_packaged_config_file_names_its_path_and_the_files_fix(
    tmp_path, monkeypatch
):
    # a package's config folder (mia_defense.conf itself, edited in place, the same way):
    # was named 'pkg://h276_configs.conf/experiment/mine.yaml', with the command line's
    # "leave an entry out with '~attack.attacks.NAME'" as the fix, which a file cannot write
    from hydra import compose, initialize_config_module

    from mia_defense.composed_overrides import config_file_shown
    from mia_defense.errors import ConfigError

    folder = tmp_path / "h276_configs" / "conf" / "experiment"
    folder.mkdir(parents=True)
    for package in (folder.parent.parent, folder.parent):
        (package / "__init__.py").write_text("")
    (folder / "mine.yaml").write_text("# @package _global_\nattack:\n  attacks: {}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    packaged = config_file_shown("pkg://mia_defense.conf/attack/default.yaml")
    assert packaged.endswith("/conf/attack/default.yaml") and not packaged.startswith("pkg")
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        with pytest.raises(ConfigError) as refused:
            compose("config", overrides=["hydra.searchpath=[pkg://h276_configs.conf]",
                                         "+experiment=mine"])  # fmt: skip
    assert str(refused.value).startswith(f"ConfigError: {folder}/mine.yaml: attack.attacks: "
                                         "{}: Hydra merges a config file's mapping")
    assert str(refused.value).endswith(
        f"a config file cannot leave entries out (Hydra merges it): copy {packaged} to "
        "attack/NAME.yaml in a folder of your hydra.searchpath, keep there the entries to run, "
        "and select it in the file's defaults list ('- override /attack: NAME'); or leave "
        "entries out on the command line ('~attack.attacks.NAME')")


def test_a_hint_that_fails_leaves_hydras_words(monkeypatch):
    # advice only: an error while reading the config for it (a node that does not resolve,
    # a packaged file that cannot be read) replaced Hydra's one line with a traceback
    from hydra.errors import ConfigCompositionException

    import mia_defense.config_keys

    def broken(*args, **kwargs):
        raise RuntimeError("unreadable")

    monkeypatch.setattr(mia_defense.config_keys, "deleted_key_hint", broken)
    from tests.conftest import compose_cfg

    with pytest.raises(ConfigCompositionException, match=r"^Could not delete from config\. "
                       r"'defense\.h276' does not exist\.$"):  # fmt: skip
        compose_cfg("~defense.h276")


@pytest.mark.parametrize("arg", ["~defense.dp", "~defense.delta"])
def test_mia_attack_refuses_deleting_a_training_setting_as_it_refuses_setting_one(arg, capsys):
    # '~defense.dp' was told "the defense 'dp' is not selected ... defense=[NAME,...]
    # selects the defenses" (mia-attack refuses defense=), '~defense.delta' Hydra's bare words
    from mia_defense.cli.attack import refuse_training_settings

    with pytest.raises(SystemExit) as ended:
        refuse_training_settings([arg])
    assert ended.value.code == 2
    assert capsys.readouterr().err == (
        f"ConfigError: {arg}: mia-attack attacks what the run's models already released (its "
        "observations); defense is fixed when they are trained and queried: there is nothing "
        f"of it to delete here: drop '{arg}' (the attack settings, attack.*, are "
        "mia-attack's)\n")


def test_a_list_given_with_plus_to_a_key_holding_one_is_refused_not_put_in_its_place():
    # Hydra refuses '+' for a key that is there, but replaced a list: +attack.fprs=[0.2]
    # (meant: add 0.2) ran with attack.fprs=[0.2] alone, its headline at 20% FPR
    from hydra.errors import ConfigCompositionException

    from tests.conftest import compose_cfg

    with pytest.raises(ConfigCompositionException) as refused:
        compose_cfg("+attack.fprs=[0.2]")
    assert str(refused.value) == (
        "Could not append to config. An item is already at 'attack.fprs' ([0.1, 0.01, "
        "0.001]): '+' adds a key, and a list given to one that is there replaces that list "
        "(it adds nothing to it), so the run would use attack.fprs=[0.2] alone; write "
        "'attack.fprs=[0.2]' to replace it, or 'attack.fprs=[0.1,0.01,0.001,0.2]' to add to it")
    # a key that is absent or null takes one, as before
    assert list(compose_cfg("+objectives=[utility.test_accuracy]").objectives) == [
        "utility.test_accuracy"]


def test_the_api_refuses_a_list_given_with_plus_to_a_key_holding_one():
    from mia_defense.attack_setup import attack_config
    from mia_defense.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^attack overrides "
                       r"\['\+attack\.fprs=\[0\.2\]'\]: Could not append to config\. An item "
                       r"is already at 'attack\.fprs' .* or 'attack\.fprs=\[0\.1,0\.01,0\.001,"
                       r"0\.2\]' to add to it$"):  # fmt: skip
        attack_config(["+attack.fprs=[0.2]"])

"""``mia-train '~defense'`` with no defense selected, and ``-m 'defense=dp,none' '~defense'``,
got Hydra's raw "Could not delete 'defense'. No match in the defaults list" (as did
``'~dataset=mnist'``), and ``'~defense=[dp]'`` a traceback (helper 288): said now is what
``~defense`` deletes, what is selected, and what to write."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.hydra_setup import setup_hydra
from tests.helpers import composition_refused

setup_hydra()  # (as the tools compose: Hydra's loader guarded)


@pytest.mark.parametrize(("multirun", "overrides", "said"), [
    (False, ["~defense"], "~defense deletes the defaults list's entry of the defense group "
     "(the defenses selected), and no defense is selected (defense=[], the default), so there "
     "is nothing to delete; nothing was run. Drop '~defense': a run without a training-time "
     "defense needs none (defense=[] says so outright)"),
    (True, ["defense=dp,none", "~defense"], "and Hydra composes the sweep's shared config "
     "before the points of defense=dp,none, with no defense, and deletes there; nothing was "
     "run. Each point selects its own defenses (defense=none or defense=[] selects none): "
     "drop '~defense' and leave the defenses not wanted out of the points"),
    (True, ["+experiment=tradeoff_dp,tradeoff_release", "~defense"], "nothing was run. "
     "~defense does not delete the defenses an experiment selects: to run the points of "
     "+experiment=tradeoff_dp,tradeoff_release without them, write defense=[] instead"),
    (False, ["defense=[dp,label_smoothing]", "~defense=dp"], "the defenses are selected as a "
     "list, defense=[dp,label_smoothing], one entry, not one per defense; nothing was run. To "
     "leave dp out, select the others instead: 'defense=[label_smoothing]'"),
    # a list to delete was Hydra's raw ValueError, a traceback
    (False, ["defense=[dp,mixup]", "~defense=[dp]"], "~defense=[dp]: '~' deletes a config "
     "group's entry whole (~defense) or by its one name (~defense=NAME), not by a list; "
     "nothing was run. The defenses are selected as one list, defense=[dp,mixup]: to leave dp "
     "out, select the others instead: 'defense=[mixup]'"),
    # another group's was Hydra's raw words too
    (False, ["~dataset=mnist"], "~dataset=mnist deletes the defaults list's entry "
     "dataset=mnist, and dataset=digits is selected (config.yaml's default), so there is "
     "nothing to delete; nothing was run. Drop '~dataset=mnist'; dataset=NAME selects the "
     "dataset wanted"),
])  # fmt: skip
def test_deleting_the_defense_group_where_nothing_matches_says_what_to_write(
    multirun, overrides, said
):
    refused = composition_refused(overrides, multirun=multirun)
    assert isinstance(refused, ConfigError)
    assert str(refused).startswith(f"ConfigError: {overrides[-1]}")
    assert str(refused).endswith(said)


@pytest.mark.parametrize(("added", "said"), [
    ("+model=cnn", "+model=cnn: '+' adds a second model entry to the defaults list, which "
     "selects one already (model=mlp, config.yaml's default); nothing was run. Write "
     "model=cnn instead (no '+': it replaces the one selected)"),
    # was "force-add of config groups is not supported: '++model=cnn'"
    ("++model=cnn", "++model=cnn: '++' (Hydra's force-add) sets a key, and model is a config "
     "group: a config of it is selected, not set; nothing was run. Write model=cnn instead"),
])  # fmt: skip
def test_adding_a_config_of_a_group_already_selected_says_to_drop_the_plus(added, said):
    # was Hydra's "Multiple values for model. To override a value use 'override model: cnn'",
    # a config file's line, which a command line cannot write
    refused = composition_refused([added])
    assert isinstance(refused, ConfigError) and str(refused) == f"ConfigError: {said}"


def test_deleting_a_node_by_a_value_it_does_not_hold_names_the_entries_to_delete():
    # was "Could not delete from config. The value of 'attack.attacks' is {'loss': {...
    # (every attack's settings, 2,600 characters) and not ['lira_online', 'rmia']."
    refused = composition_refused(["~attack.attacks=[lira_online,rmia]"])
    assert isinstance(refused, ConfigError)
    said = str(refused)
    assert said.startswith("ConfigError: ~attack.attacks=[lira_online,rmia]: deletes "
                           "attack.attacks only where its value is [lira_online,rmia], and "
                           "attack.attacks holds the entries loss, confidence, ")
    assert said.endswith("; nothing was run. To leave entries out, delete each by its name: "
                         "'~attack.attacks.lira_online' '~attack.attacks.rmia'. To delete "
                         "attack.attacks whatever it holds: '~attack.attacks'")

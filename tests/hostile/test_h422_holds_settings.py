"""h422: mia-train's check and the attack checks (the API's, mia-attack's) each had a rule
for "is this key a node of settings" (the fix `override_checks.deleted_required` offers for a
required key a '~KEY' deleted: 'give KEY.NAME=VALUE' or 'give KEY=VALUE'), and they
disagreed on an attack's entry: the tables' walk said attack.attacks.shokri is one setting,
the packaged attack config's said a node (and an attack of one's own, one setting). One
rule now, `override_checks.holds_settings`, checked here against the tables for every key
of a composed config."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig

from mia_defense.config_tables import TOP, Group, Target, Targets
from mia_defense.override_checks import deleted_required, holds_settings
from tests.conftest import compose_cfg


def _a_node_in_the_tables(key: str) -> bool:
    """Whether the check's tables hold a node of settings at ``key``: a `Group`, a `Target`
    (an entry of a `Targets` one) or a `Targets`."""
    spec: Any = Group(TOP)
    for part in key.split("."):
        spec = spec.keys.get(part) if isinstance(spec, Group) else (
            Target() if isinstance(spec, Targets) else None)  # fmt: skip
    return isinstance(spec, Group | Target | Targets)


def _keys(node: DictConfig, path: str = ""):
    for key in map(str, node):
        full = f"{path}.{key}" if path else key
        yield full
        if isinstance(node._get_node(key), DictConfig):
            yield from _keys(node._get_node(key), full)


def test_one_rule_agrees_with_the_tables_on_every_key():
    cfg = compose_cfg("defense=[dp,mixup]", "release=topk",
                      "+attack.attacks.mine={_target_: mia_defense.attacks.loss_attack}")
    keys = list(_keys(cfg))
    assert {"attack.attacks.shokri", "attack.attacks.mine", "defense.dp", "attack.queries",
            "attack.fprs", "attack.attacks.shokri.folds", "release.k"} <= set(keys)
    wrong = [key for key in keys if holds_settings(key) != _a_node_in_the_tables(key)]
    assert wrong == []


def test_a_deleted_attack_entry_is_offered_its_settings():
    line = "attack.attacks.shokri: missing; it is required"
    said = deleted_required([line], ["~attack.attacks.shokri"])
    assert said == {0: f"{line}: '~attack.attacks.shokri' deletes it; leave that override out "
                       "(to change a setting in it, give attack.attacks.shokri.KEY=VALUE)"}

"""Hydra's errors composing a config, reworded with what to write.

Hydra refuses a key of a config that is not selected, a ``~KEY`` of a key that is not
there, a sweep without ``-m`` or a mapping merged into a list in words that do not say what
was meant (or with a traceback). `composition_refusal` rewords them for every composition
(the tools' guarded loader, `mia_defense.hydra_guard`; the API's `attack_config`);
`HydraConfigError` (`mia_defense.hydra_failure`'s) is the one-line refusal that it and the
loader's checks raise. How to write a sweep whose points do not all select a config is
`mia_defense.sweep_advice`'s; the refusals of a group's selection (``~defense``,
``+model=cnn``) are `mia_defense.defaults_list_refusals`'.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from hydra.errors import ConfigCompositionException
from omegaconf import DictConfig, ListConfig

from mia_defense.config_file_refusals import (
    config_shape_refusal,
    defaults_list_shape_refusal,
    subfolder_primary_refusal,
)
from mia_defense.config_keys import NAMED_ENTRIES as _NAMED_ENTRIES
from mia_defense.defaults_list_refusals import (
    added_group_refusal,
    group_delete_refusal,
    list_delete_refusal,
)
from mia_defense.hydra_failure import HydraConfigError, composed_when_failed, swept_groups
from mia_defense.missing_config_refusals import unlisted_group_refusal
from mia_defense.override_checks import parsed_override
from mia_defense.sweep_advice import selecting_example, sweep_of_unselected_points, sweep_points

__all__ = [
    "HydraConfigError",
    "composed_when_failed",
    "composition_refusal",
    "merge_problem",
    "sweep_of_unselected_points",
    "sweep_problem",
    "swept_groups",
]


def composition_refusal(
    exc: Exception, overrides: Sequence[str], *, loader: Any = None, shell: bool = True
) -> Exception | None:
    """Hydra's error composing ``overrides`` reworded with what to write, for every
    composition (the tools' guarded loader, the API's `attack_config`, which got Hydra's
    "To append to your config use +attack.attacks.lira=null" where the tools say what was
    meant): a key of a config that is not selected or missing in a node
    (`_unselected_config_refusal`), a ``~KEY`` of a key that is not there
    (`_missing_delete_refusal`), a ``~defense`` with no defense selected
    (`group_delete_refusal`), a ``~defense=[...]`` (`list_delete_refusal`), a
    ``+model=cnn`` of a group already selected (`added_group_refusal`), an integer
    of more digits than Python reads (`_long_integer_refusal`), and, where ``shell`` (the
    compose API's caller words its own), Hydra's merge and sweep errors. ``None``: any other
    error, left as Hydra words it."""
    if isinstance(exc, ConfigCompositionException):
        reworded = _unselected_config_refusal(exc, overrides, loader=loader)
        if reworded is None:
            reworded = _missing_delete_refusal(exc, overrides) or _valued_delete_refusal(
                exc, overrides) or group_delete_refusal(exc, overrides) or added_group_refusal(
                exc, overrides)
        if reworded is None:
            reworded = _typed_setting_refusal(exc) or unlisted_group_refusal(
                exc) or subfolder_primary_refusal(exc) or config_shape_refusal(exc)
        if reworded is None and shell:
            reworded = _merge_refusal(exc) or _sweep_refusal(exc)
        return reworded
    if isinstance(exc, ValueError):
        return _long_integer_refusal(exc, overrides) or list_delete_refusal(
            exc, overrides) or defaults_list_shape_refusal(exc)
    return None

def _long_integer_refusal(exc: ValueError, overrides: Sequence[str]) -> Exception | None:
    """Hydra's raw ValueError for an override holding an integer of more digits than Python
    reads (4300, ``sys.get_int_max_str_digits``): ``defense.dp.target_epsilon=999...`` of
    5,000 digits ended in a traceback naming no key. ``None``: any other ValueError."""
    import re
    import sys

    if "integer string conversion" not in str(exc):
        return None
    limit = sys.get_int_max_str_digits()
    for text in map(str, overrides):
        digits = max(map(len, re.findall(r"\d+", text)), default=0)
        if digits > limit:
            key = text.partition("=")[0]
            return HydraConfigError(
                f"{key}=<an integer of {digits} digits>: more digits than Hydra reads in an "
                f"integer ({limit}, Python's limit), and no setting takes so large a number; "
                f"give {key} a value in its range"
            )
    return None


def _unselected_config_refusal(
    exc: ConfigCompositionException, overrides: Sequence[str] = (), *, loader: Any = None
) -> Exception | None:
    """Hydra's "Could not override 'KEY'. To append to your config use +KEY=..." reworded
    where KEY names a config of a group that is not selected, or a key only other configs of
    the group have (`unselected_config_hint`): following Hydra's advice got the clear
    message ("not selected: add it with defense=dp") only on the second try, or added a key
    nothing reads. Where ``overrides`` sweep that group (``-m 'defense=dp,none'
    defense.dp.target_epsilon=1``), `sweep_of_unselected_points` says how to write the
    sweep: "add it with defense=dp" was said of a command that did. ``None``: any other
    error, left as Hydra words it."""
    import re

    from omegaconf.errors import ConfigAttributeError, ConfigKeyError

    from mia_defense.config_keys import unselected_config_hint
    from mia_defense.constraints import keys_shown

    found = re.match(r"Could not override '([^']+)'\.", str(exc))
    cause = exc.__cause__
    if found is None or not isinstance(cause, (ConfigAttributeError, ConfigKeyError)):
        return None
    if (deleted := _deleted_parent(found.group(1), overrides)) is not None:
        return ConfigCompositionException(keys_shown(
            f"Could not override '{found.group(1)}': {deleted!r} before it deletes what holds "
            f"it; leave {deleted!r} out (to change the setting, give {found.group(1)}=VALUE "
            "alone)"))
    composed, multirun = composed_when_failed(exc)
    # (a sweeper's params, +experiment=tradeoff_all's defense: "[],[dp],...", sweep too)
    every = [*overrides, *(_sweeper_params(composed) if multirun else [])]
    if multirun:  # (each command of a split given the group once, not searched and fixed)
        group = found.group(1).split(".")[0]
        every = _as_grid_if_nothing_else(
            [*_params_without(overrides, group), *(
                text for text in _sweeper_params(composed) if text.partition("=")[0] == group)],
            group, composed)  # fmt: skip
    swept = sweep_of_unselected_points(found.group(1), every, loader=loader, plain=True)
    if swept is None and multirun:
        try:
            swept = _shared_config_advice(found.group(1), overrides, every, composed)
        except Exception:  # (advice only: the packaged files' hint below)
            swept = None
    # (each name over constraints.KEY_LIMIT clipped: mia-attack o.npz attack.<200 x>=1 said
    # the key four times whole, a line of 850 characters)
    if swept is not None:
        return ConfigCompositionException(keys_shown(
            f"Could not override '{found.group(1)}' in a sweep: {swept}"))
    parent = getattr(cause, "parent_node", None)
    where = parent._get_full_key(None) if isinstance(parent, DictConfig) else ""
    # a config of a group that is not selected: the key is missing at the group's root
    hint = unselected_config_hint(found.group(1)) if "." not in where else None
    if hint is None and where and getattr(cause, "key", None) is not None:
        texts = list(map(str, overrides))
        at = next((i for i, text in enumerate(texts)
                   if text.partition("=")[0].lstrip("+~") == found.group(1)), len(texts))
        given = texts[at].partition("=")[2] if at < len(texts) else "VALUE"
        # (the value the setting holds where an earlier override chose it: train.optimizer=sgd)
        chosen = next((text.partition("=")[2] for text in reversed(texts[:at])
                       if text.partition("=")[0].lstrip("+") == str(where)), None)
        hint = _missing_key_hint(parent, str(where), str(cause.key), given=given or "VALUE",
                                 chosen=chosen or None)
    if hint is None and not where:  # (a first name no group or key: an own config's run)
        return _misspelt_top_key_refusal(exc, found.group(1), overrides, composed)
    if hint is None:
        return None
    missing = f" (Key {cause.key!r} is not in struct)" if getattr(cause, "key", None) else ""
    return ConfigCompositionException(keys_shown(
        f"Could not override '{found.group(1)}'{missing}: {hint}"))


def _deleted_parent(key: str, overrides: Sequence[str]) -> str | None:
    """The ``~NODE`` override of ``overrides`` that deleted ``key``'s node (``~train`` of
    ``train.epochs``), or ``None``: ``mia-train '~train' train.epochs=2`` got Hydra's advice
    "use +train.epochs=2", which pasted was refused for every other train setting missing."""
    for text in map(str, overrides):
        node = text.strip().removeprefix("~").partition("=")[0]
        if text.strip().startswith("~") and node and key.startswith(f"{node}."):
            return text.strip()
    return None


def _misspelt_top_key_refusal(
    exc: ConfigCompositionException, key: str, overrides: Sequence[str],
    composed: DictConfig | None,
) -> Exception | None:
    """Hydra's "Could not override 'experimnt'. To append to your config use
    +experimnt=tradof" of a run of one's own config folder (``--config-dir``), whose groups
    the tools' up-front check (`mia_defense.override_checks.misspelt_key_problem`) leaves to
    Hydra, in that check's words: the closest of the config search path's groups and the
    composed config's top-level keys. ``None``: the packaged config.yaml (Hydra's compose
    API keeps Hydra's words: test_h154), no override names ``key``, or none is read."""
    from hydra.core.object_type import ObjectType

    from mia_defense.hydra_failure import primary_config
    from mia_defense.missing_config_refusals import search_path_repository
    from mia_defense.override_checks import misspelt_key_problem

    said = next((str(text) for text in overrides
                 if str(text).partition("=")[0].strip() == key), None)
    primary = primary_config(exc)
    if said is None or composed is None or primary is None or primary[0] == "config.yaml":
        return None
    try:
        groups = search_path_repository(exc).get_group_options("", ObjectType.GROUP)
    except Exception:  # (no such frame: Hydra's words)
        return None
    known = {str(name) for name in [*groups, *composed] if not str(name).startswith("hydra")}
    problem = misspelt_key_problem([said], known | {"hydra"}, listed="groups: the subfolders of "
                                   "the config search path; keys: this command's --cfg job")
    return None if problem is None else HydraConfigError(problem)


def _shared_config_advice(
    key: str, overrides: Sequence[str], every: Sequence[str], composed: DictConfig | None
) -> str | None:
    """How to write a sweep that sets ``key`` of a config that another swept group's points
    select (``-m +experiment=A,B defense.dp.delta=1e-5``: the experiments' defaults lists
    select dp), which the sweep's shared config lacks; ``None`` where no such group is swept
    (``every``: ``overrides`` and the sweeper's params). "not selected: add it with
    defense=dp" was said of a command whose points select it."""
    import shlex

    from mia_defense.config_keys import configs_holding

    holding = configs_holding(key)
    if holding is None:
        return None
    group, owners = holding
    others = [text for name, text in swept_groups(every, composed) if name != group]
    if not others:
        return None
    value = next((str(text).partition("=")[2] for text in overrides
                  if str(text).partition("=")[0].lstrip("+") == key), "VALUE")  # fmt: skip
    which = f"the defense {next(iter(owners))!r}" if group == "defense" else \
        f"{group}={' or '.join(sorted(owners))}"  # fmt: skip
    return (f"{key}={value} sets a key of {which}, which the sweep's shared config lacks: "
            f"Hydra composes it before the points of {others[0]}, with {group} as the rest of "
            f"the command selects it; nothing was run. Where every point selects "
            f"{' or '.join(sorted(owners))}, write {shlex.quote(f'++{key}={value}')} (Hydra's "
            f"force-add: each point sets it); else sweep the points that select it on their "
            f"own")  # fmt: skip


def _clipped_in(suggestion: str) -> bool:
    """Whether `constraints.keys_shown` would cut a name in ``suggestion`` (an override a
    refusal offers to copy): one so cut cannot run, and is said in words instead (as
    `override_checks.unquoted_non_ascii` does past its clip)."""
    from mia_defense.constraints import keys_shown

    return keys_shown(suggestion) != suggestion


def _missing_key_hint(parent: DictConfig, where: str, name: str, *, given: str = "VALUE",
                      chosen: str | None = None) -> str:
    """What to write instead of Hydra's "To append to your config use +KEY=..." for a key
    ``name`` that the node ``where`` (selected, composed) lacks, set to ``given``: ``defense=dp
    'defense.dp={noise:1}'`` was told 'dp' is not selected, ``attack.attacks.lira=null`` (one
    meant to turn LiRA off) to add an attack 'lira', ``attack.queries={repeat:3}`` to add a
    key nothing reads, ``defense=dp defense.delta=true`` (dp's delta) to add a defense.
    ``chosen``: the value an earlier override gave ``where`` (named, not the default's)."""
    from mia_defense.errors import closest_few

    keys = [str(k) for k in parent if not str(k).startswith("_")]
    close = closest_few(name, keys, prefixes=True)
    meant = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    entry = _NAMED_ENTRIES.get(where)
    holders = [k for k in keys if isinstance(parent.get(k), DictConfig) and name in parent[k]]
    if entry is not None and holders and name not in keys:  # a key of an entry, one level up
        written = " or ".join(f"{where}.{holder}.{name}={given}" for holder in holders)
        if len(holders) > 2:
            written = f"{where}.NAME.{name}={given} (e.g. {where}.{holders[0]}.{name}={given})"
        return (f"{where} has no {entry} {name!r}: {name} is a key of the {entry}"
                f"{'s' if len(holders) > 1 else ''} {', '.join(holders)}; write {written}")
    # (a suggestion holding a key that constraints.keys_shown clips is said in words: printed,
    # '+attack.attacks.xxx… (215 characters)={_target_: ...}' could not be run; h541)
    if entry is not None:
        added = f"'+{where}.{name}={{_target_: ...}}'"
        added = f"with {added}" if not _clipped_in(added) else \
            "by writing that key with '+' before it and '={_target_: ...}' after it"  # fmt: skip
        return (f"{where} has no {entry} {name!r}{meant} (its {entry}s: {', '.join(keys)}); "
                f"leave one out with '~{where}.NAME', or add one of your own {added}")
    target = parent._get_node("_target_")._value() if "_target_" in parent else None
    held = None
    if not keys and target is None:  # (Hydra replaced a value by {} to add the key to it)
        from mia_defense.config_keys import FIXED_GROUPS, packaged_setting

        group, _, rest = where.partition(".")
        held = packaged_setting(group, "default", rest.split(".")) if (
            group in FIXED_GROUPS and rest) else None  # fmt: skip
        held = None if isinstance(held, dict | MappingProxyType) else held
    said = None if held is None else f"{chosen}, as set" if chosen else f"{held} by default"
    if held is not None and (name == "_target_" or where == "train.optimizer"):
        whole = f"{{{name}: {given}}}" if name == "_target_" else \
            f"{{_target_: torch.optim.NAME, {name}: {given}}}"  # fmt: skip
        whole = f"'{where}={whole}'"
        form = "{_target_: VALUE}" if name == "_target_" else \
            "{_target_: torch.optim.NAME, KEY: VALUE}"  # fmt: skip
        whole = f": {whole}" if not _clipped_in(whole) else \
            f" ('{where}={form}', with {'' if name == '_target_' else 'that key and '}its value)"
        return (f"{where} holds a value ({said}), not a mapping of keys, so it has no "
                f"key {name!r}; to give a mapping in its place, write it whole{whole}")
    known = f"its keys: {', '.join(keys)}" if keys else \
        "no keys besides its _target_" if target is not None else \
        f"it holds a value, {said}, not a mapping of keys" if held is not None else \
        "it has no keys"  # fmt: skip
    own = f"'+{where}.{name}=...'"
    own = own if not _clipped_in(own) else "that key with '+' before it and '=VALUE' after it"
    own = f"; {own} adds it, for a _target_ of your own that takes it" if (
        isinstance(target, str) and not target.startswith("mia_defense.")) else ""  # fmt: skip
    return f"{where} has no key {name!r}{meant} ({known}){own}"


def _missing_delete_refusal(
    exc: ConfigCompositionException, overrides: Sequence[str] = ()
) -> Exception | None:
    """Hydra's "Could not delete from config. 'KEY' does not exist." with what was likely
    meant (`deleted_key_hint`: ``~attack.attacks.lira`` names the attacks and the closest);
    ``None``: any other error, or no hint."""
    import re

    found = re.fullmatch(r"Could not delete from config\. '([^']+)' does not exist\.", str(exc))
    if found is None:
        return None
    # the config as composed when the delete failed (Hydra 1.3's frame that applies the
    # overrides holds it; its error carries none): which defenses and attacks are selected
    composed, multirun = composed_when_failed(exc)
    try:
        hint = _missing_delete_hint(found.group(1), overrides, composed, multirun=multirun)
    except Exception:  # (advice only: a config that does not resolve keeps Hydra's words)
        return None
    return _delete_hint_refusal(exc, hint)


def _valued_delete_refusal(
    exc: ConfigCompositionException, overrides: Sequence[str] = ()
) -> Exception | None:
    """Hydra's "Could not delete from config. The value of 'KEY' is VALUE and not GIVEN."
    where KEY holds a mapping or a list (``~attack.attacks=[lira]``): it wrote out the whole
    node, a few thousand characters of the attacks' settings, and not how to delete what was
    meant. ``None``: any other error, or a key of one value whose words are short (Hydra's
    say it; `_valued_delete_clipped` cuts long ones)."""
    import re
    import shlex

    from omegaconf import OmegaConf

    from mia_defense.constraints import clipped, keys_shown

    found = re.match(r"Could not delete from config\. The value of '([^']+)' is ", str(exc))
    composed, _ = composed_when_failed(exc)
    if found is None or composed is None:
        return None
    key = found.group(1)
    node = OmegaConf.select(composed, key, default=None, throw_on_resolution_failure=False)
    if not isinstance(node, DictConfig | ListConfig):
        return _valued_delete_clipped(exc, key, node, overrides)
    given = next((text.strip() for text in map(str, overrides)
                  if text.strip().startswith(f"~{key}=")), f"~{key}=VALUE")  # fmt: skip
    # (a key over constraints.KEY_LIMIT, and an entry's name, clipped:
    # +attack.attacks.<200 x>={...} ~attack.attacks.<200 x>=[1] named the key four times whole)
    held = (f"the entries {keys_shown(', '.join(map(str, node)))}" if isinstance(node, DictConfig)
            else f"a list of {len(node)}")  # fmt: skip
    named, value = keys_shown(key), given.partition("=")[2]
    # (clipped: ~attack.fprs=[<1,500 spaces>] was quoted whole, twice)
    parts = [f"{clipped(given) if named == key else f'~{named}={clipped(value)}'}: deletes "
             f"{named} only where its value is {clipped(value)}, and {named} holds {held}; "
             "nothing was run"]
    override = parsed_override(given)
    value = override.value() if override is not None else None
    names = [str(getattr(n, "text", n)) for n in value] if isinstance(value, list) else []
    if key in _NAMED_ENTRIES and names:
        present = [n for n in names if n in node]
        absent = clipped(", ".join(n for n in names if n not in node))
        parts.append("To leave entries out, delete each by its name"
                     + (f": {' '.join(shlex.quote(f'~{key}.{n}') for n in present)}"
                        if present else "") + (f" ({absent}: no entry of it)" if absent else ""))
    # (said in words where the key is clipped: '~attack.attacks.xxx… (215 characters)' could
    # not be run; h541)
    if isinstance(node, ListConfig):
        parts.append("To change it, give the whole list: " + (
            shlex.quote(key + "=[...]") if named == key else "that key, '=' and the list"))
    else:
        parts.append(f"To delete {named} whatever it holds: " + (
            shlex.quote("~" + key) if named == key else "that key with '~' and no value"))
    return HydraConfigError(". ".join(parts))


def _valued_delete_clipped(
    exc: ConfigCompositionException, key: str, held: Any, overrides: Sequence[str]
) -> Exception | None:
    """Hydra's "Could not delete from config. The value of 'KEY' is VALUE and not GIVEN." of
    a setting of one value (``held``) in its own words, each value cut by
    `constraints.clipped`: ``~train.lr=<1,500 zeros>0.001`` (a string, not the config's 0.001)
    echoed the whole value; a key over `constraints.KEY_LIMIT` as `constraints.keys_shown`
    names it (``+train.<200 x>=1 ~train.<200 x>=2`` quoted it whole). ``None`` where nothing is
    cut (Hydra's words as they are) or no override of ``overrides`` gives Hydra's words."""
    from mia_defense.constraints import clipped, keys_shown

    words = "Could not delete from config. The value of '{}' is {} and not {}."
    for text in map(str, overrides):
        override = parsed_override(text.strip()) if text.strip().startswith(f"~{key}=") else None
        if override is None or words.format(key, held, override.value()) != str(exc):
            continue
        shown = words.format(keys_shown(key), clipped(str(held)), clipped(str(override.value())))
        return None if shown == str(exc) else ConfigCompositionException(shown)
    return None


def _missing_delete_hint(
    key: str, overrides: Sequence[str], composed: DictConfig | None, *, multirun: bool
) -> str | None:
    """`_missing_delete_refusal`'s hint for ``~key``, from the config ``composed`` when the
    delete failed (in a ``multirun``, the sweep's shared config); may raise."""
    from mia_defense.config_keys import deleted_key_hint

    group = key.split(".")[0]
    # (a sweeper's params, +experiment=tradeoff_all's defense: "[],[dp],...", sweep too)
    params = _sweeper_params(composed) if multirun else []
    swept = swept_groups([*overrides, *params], composed)
    if not swept:
        return deleted_key_hint(key, composed)
    # a sweep's shared config, composed with the swept groups at their defaults (-m
    # 'defense=dp,none' '~defense.dp.delta', -m +experiment=A,B): what it selects is not
    # what the points do
    own = next((text for name, text in swept if name == group), None)
    chosen = composed.get("defense") if composed is not None else None
    selected = [str(name) for name in chosen] if isinstance(chosen, DictConfig) else []
    if own is None and _deletes_from_selected(key, selected):
        # (-m +experiment=A,B defense=dp '~defense.delta': the command line selects it)
        return deleted_key_hint(key, composed)
    hint = _swept_delete_hint(key, own or swept[0][1], overrides, own=own is not None,
                              selected=selected)  # fmt: skip
    return hint or deleted_key_hint(key)


def _sweeper_params(composed: DictConfig | None) -> list[str]:
    """The sweeps of ``composed``'s ``hydra.sweeper.params`` as overrides (``KEY=VALUE``)."""
    from omegaconf import OmegaConf

    params = None if composed is None else OmegaConf.select(
        composed, "hydra.sweeper.params", default=None, throw_on_resolution_failure=False)
    if not isinstance(params, DictConfig):
        return []
    return [f"{key}={params._get_node(key)._value()}" for key in params
            if isinstance(params._get_node(key)._value(), str)]  # fmt: skip


def _params_without(overrides: Sequence[str], key: str) -> list[str]:
    """``overrides`` with ``key`` taken out of those that set ``hydra.sweeper.params``
    (``+hydra.sweeper.params={defense: "choice(dp,none)"}``, ``hydra.sweeper.params.defense=...``;
    one left with no key dropped): the split of a search that sweeps ``key`` there fixes it
    in each command, and a search given it both in its space and fixed is refused."""
    import json

    kept = []
    for text in map(str, overrides):
        name = text.partition("=")[0]
        bare = name.lstrip("+~")
        if bare == f"hydra.sweeper.params.{key}":
            continue
        override = parsed_override(text) if bare == "hydra.sweeper.params" else None
        params = override.value() if override is not None and not override.is_delete() else None
        if isinstance(params, dict) and key in params:
            rest = {k: v for k, v in params.items() if k != key}
            if not rest:
                continue
            text = f"{name}={{{', '.join(f'{k}: {json.dumps(str(v))}' for k, v in rest.items())}}}"
        kept.append(text)
    return kept


def _as_grid_if_nothing_else(
    overrides: list[str], group: str, composed: DictConfig | None
) -> list[str]:
    """``overrides`` without the search's settings (``hparams_search=...``,
    ``hydra.sweeper.*``) where ``group`` is all it searches: the two searches of its split
    would each have an empty search space, refused ('hydra.sweeper.params is empty'); each
    point is one run, as a grid sweep runs it."""
    keys = [str(key).lstrip("+~") for key in (composed.hydra.sweeper.get("params") or {})] if (
        composed is not None and "hydra" in composed) else []  # fmt: skip
    if not keys or set(keys) != {group}:
        return overrides
    for text in overrides:
        key = text.partition("=")[0].lstrip("+~")
        override = parsed_override(text)
        searched = override is not None and override.is_sweep_override()
        if key.startswith("hydra.sweeper.params") or (searched and key != group):
            return overrides
    return [text for text in overrides if not text.lstrip("+~").startswith(
        ("hparams_search=", "hydra.sweeper."))]


def _deletes_from_selected(key: str, selected: list[str]) -> bool:
    """Whether ``~key`` deletes from a defense of ``selected`` (``defense.dp.KEY``, or a key
    one level up of one: ``defense.delta`` with dp), or ``key`` is no defense's."""
    from mia_defense.config_keys import defenses_holding

    group, _, rest = key.partition(".")
    name = rest.split(".")[0]
    return group != "defense" or name in selected or any(
        holder in selected for holder in defenses_holding(name))  # fmt: skip


def _swept_delete_hint(
    key: str, sweep: str, overrides: Sequence[str], *, own: bool = True,
    selected: Sequence[str] = (),
) -> str | None:
    """What a ``~KEY`` of a defense in a sweep whose points select the defenses (``sweep``:
    ``defense=dp,none``; not ``own``: another group's, ``+experiment=A,B``) meant, Hydra
    having refused it in the sweep's shared config (composed with no defense):
    ``~defense.delta`` (dp's delta, one level up; Hydra's bare "does not exist"),
    ``~defense.dp`` (told dp is not selected). ``selected``: the defenses of the shared
    config (the command line's). ``None``: any other key."""
    import shlex

    from mia_defense.config_keys import defenses_holding, packaged_configs, point_selects

    group, _, rest = key.partition(".")
    if group != "defense" or not rest:
        return None
    shared = (f"Hydra composes the sweep's shared config before the points of {sweep}, with "
              f"{'the defenses ' + ', '.join(selected) if selected else 'no defense'}, and "
              f"deletes there; nothing was run")  # fmt: skip
    if "." in rest:  # ~defense.dp.max_grad_norm
        return _swept_setting_delete_hint(key, shared)
    if not own:
        if rest in packaged_configs(group):
            return (f"a sweep's points cannot delete a defense they select: {shared}. Leave "
                    f"{rest} out of the points instead (the defenses their configs select)")
        holders = defenses_holding(rest)
        return None if not holders else (
            f"{rest} is a key of the defense{'s' if len(holders) > 1 else ''} "
            f"{', '.join(holders)}, not of defense, and a setting of a defense cannot be "
            f"deleted: {shared}. Set it instead where every point selects {holders[0]} "
            f"({shlex.quote(f'++defense.{holders[0]}.{rest}=VALUE')})")  # fmt: skip
    points = sweep_points(group, sweep)
    if not points:
        return None
    def names(point: Any) -> list[str]:
        return [str(getattr(n, "text", n)) for n in (point if isinstance(point, list | tuple)
                                                     else [point])]  # fmt: skip

    if rest != "none" and any(rest in names(point) for point, _ in points):  # ~defense.dp
        left = [f"[{','.join(n for n in names(point) if n not in (rest, 'none'))}]"
                for point, _ in points]  # fmt: skip
        return (f"a sweep's points cannot delete a defense they select: {shared}. Leave "
                f"{rest} out of the points instead: "
                f"{shlex.quote('defense=' + ','.join(dict.fromkeys(left)))}")
    packaged = defenses_holding(rest)
    holders = [h for h in packaged if any(point_selects(group, p, frozenset({h}))
                                          for p, _ in points)]  # fmt: skip
    if packaged and not holders:
        return (f"{rest} is a key of the defense{'s' if len(packaged) > 1 else ''} "
                f"{', '.join(packaged)}, which no point of {sweep} selects, so there is "
                f"nothing to delete, and a setting of a defense cannot be deleted: drop "
                f"'~{key}' (to set it, select {packaged[0]} in the points, e.g. "
                f"{selecting_example(group, packaged[0], [p for p, _ in points])}, and write "
                f"'++defense.{packaged[0]}.{rest}=VALUE')")  # fmt: skip
    if not holders:
        return None
    owner = holders[0]
    lacking = [t for (p, t) in points if not point_selects(group, p, frozenset(holders))]
    where = f"; the points defense={','.join(lacking)} select no {' or '.join(holders)}" \
        if lacking else ""  # fmt: skip
    setting = f"defense.{owner}.{rest}=VALUE"
    start = (f"{rest} is a key of the defense{'s' if len(holders) > 1 else ''} "
             f"{', '.join(holders)} (defense.{owner}.{rest}), not of defense, so no point of "
             f"{sweep} has {key}{where}; a setting of a defense cannot be deleted: set it "
             f"instead")  # fmt: skip
    if not lacking:
        return (f"{start}, with {shlex.quote('++' + setting)} (Hydra's force-add: every point "
                f"of {sweep} selects {owner}, and each sets it)")  # fmt: skip
    rewritten = [setting if str(text).strip() == f"~{key}" else str(text) for text in overrides]
    advice = sweep_of_unselected_points(f"defense.{owner}.{rest}", rewritten)
    return f"{start}. {advice}" if advice else (
        f"{start} ({setting} in a run that selects {owner}; in a sweep whose points all "
        f"select it, {shlex.quote('++' + setting)})")  # fmt: skip


def _swept_setting_delete_hint(key: str, shared: str) -> str | None:
    """`_swept_delete_hint` for ``~defense.NAME.KEY`` of a packaged defense (``shared``: why
    the sweep refused it): a setting stays, or NAME has no KEY. ``None``: a defense of one's
    own, a key below a setting, a null setting (`deleted_key_hint` says why) or a ``_`` key."""
    from mia_defense.config_keys import packaged_defense

    _, name, below = key.split(".", 2)
    entry = packaged_defense(name)
    if not entry or "." in below or below.startswith("_") or entry.get(below, "") is None:
        return None
    if below not in entry:
        keys = ", ".join(str(k) for k in entry if not str(k).startswith("_"))
        return f"the defense {name} has no key {below!r} (its keys: {keys})"
    return (f"a sweep cannot delete a setting of a defense: {shared}. A keyword of the defense "
            f"stays: set it instead ('++{key}=VALUE' in a sweep whose points all select "
            f"{name}; {key}=VALUE in a run that selects it)")


def _delete_hint_refusal(exc: Exception, hint: str | None) -> Exception | None:
    """Hydra's "Could not delete" error with ``hint`` after it, each name over
    `constraints.KEY_LIMIT` clipped (``~train.<200 x>`` was quoted whole, a line of 450
    characters); without a hint, Hydra's words so clipped. ``None``: no hint and nothing cut
    (Hydra's words as they are)."""
    from mia_defense.constraints import keys_shown

    said = str(exc) if hint is None else f"{str(exc).removesuffix('.')}: {hint}"
    shown = keys_shown(said)
    return None if shown == str(exc) else ConfigCompositionException(shown)


def _typed_setting_refusal(exc: ConfigCompositionException) -> Exception | None:
    """Hydra's "Error merging override ~hydra.callbacks" ("HydraConf (DictConfig) does not
    support deletion", with its full_key and object_type lines) and "... hydra.run.dir=null"
    ("field 'hydra.run.dir' is not Optional") reworded: a setting of Hydra's own typed config
    cannot be deleted, nor set to null; and a value its type does not take
    (``hydra.launcher.n_jobs=abc``: OmegaConf's "could not be converted to Integer") said with
    what it takes and an example (its value here). ``None``: any other error."""
    from omegaconf.errors import ConfigTypeError, ValidationError

    given = str(exc).removeprefix("Error merging override ")
    cause = exc.__cause__
    key = given.partition("=")[0].lstrip("+~")
    if given == str(exc) or not key.startswith("hydra."):
        return None
    if isinstance(cause, ConfigTypeError) and "does not support deletion" in str(cause):
        what = "cannot be deleted"
    elif isinstance(cause, ValidationError) and "is not Optional" in str(cause):
        what = "takes a value, not null"
    elif isinstance(cause, ValidationError) and (kind := _CONVERTED.get(
            str(cause).partition(" could not be converted to ")[2].partition("\n")[0]
            or ("Boolean" if " is not a valid bool " in str(cause) else ""))):
        # ("value 'abc' of type 'str' could not be converted to Integer; full_key: ...":
        # hydra.launcher.n_jobs=abc, timeout_min=abc, said no key's meaning nor a fix)
        current = getattr(cause, "parent_node", None)
        now = current.get(str(cause.key)) if isinstance(current, DictConfig) else None
        example = f"{key}={str(now).lower() if isinstance(now, bool) else now}" \
            if type(now) in (int, float, bool) else f"{key}={kind[1]}"  # fmt: skip
        return HydraConfigError(f"{given}: {key} takes {kind[0]}; nothing was run. Give one "
                                f"(e.g. {example}), or leave it out for its default")
    else:
        return None
    return HydraConfigError(f"{given}: {key} is a setting of Hydra's own, which {what}; nothing "
                            f"was run. Set it ({key}=VALUE), or leave it at its default")


# What each type of Hydra's typed settings takes, as OmegaConf names it, with an example.
_CONVERTED = {"Integer": ("a whole number", "1"), "Float": ("a number", "1.0"),
              "Boolean": ("true or false", "true")}


def _merge_refusal(exc: ConfigCompositionException) -> Exception | None:
    """`merge_problem` as a one-line refusal; ``None``: any other error."""
    problem = merge_problem(exc)
    return None if problem is None else HydraConfigError(problem)


def _sweep_refusal(exc: ConfigCompositionException) -> Exception | None:
    """`sweep_problem` as a one-line refusal; ``None``: any other error."""
    problem = sweep_problem(exc)
    return None if problem is None else HydraConfigError(problem)


def sweep_problem(exc: Exception, *, shell: bool = True) -> str | None:
    """Hydra's "Ambiguous value for argument 'KEY=a,b'" (a sweep without -m) reworded
    (`constraints.sweep_refusal`; ``shell=False``: for the API); ``None``: any other error."""
    import re

    from hydra.core.override_parser.overrides_parser import OverridesParser

    from mia_defense.config_keys import packaged_configs
    from mia_defense.constraints import sweep_refusal

    found = re.match(r"Ambiguous value for argument '(.*)'\n", str(exc))
    if not isinstance(exc, ConfigCompositionException) or found is None:
        return None
    try:
        override = OverridesParser.create().parse_override(found.group(1))
        items = [getattr(item, "text", item)  # (a QuotedString: its text)
                 for item in override.value().list]  # type: ignore[union-attr]
    except Exception:  # (Hydra parsed it as a sweep of choices already)
        return None
    key = override.key_or_group
    group = override.package is None and bool(packaged_configs(key))
    return sweep_refusal(found.group(1), key, items, group=group, shell=shell)


def merge_problem(exc: Exception, *, shell: bool = True) -> str | None:
    """Hydra's "Error merging override KEY=VALUE" where VALUE is a mapping and KEY a list
    (dataset.drop_columns={a:1}) or the reverse, reworded (`constraints.shape_refusal`):
    Hydra's own words were "Cannot merge DictConfig with ListConfig" either way, and the API
    kept only the first line. ``None``: any other error."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf
    from omegaconf.errors import ConfigTypeError

    from mia_defense.constraints import shape_refusal

    cause = exc.__cause__
    line = str(exc).removeprefix("Error merging override ")
    current = getattr(cause, "parent_node", None)
    if (not isinstance(exc, ConfigCompositionException) or line == str(exc)
            or not isinstance(cause, ConfigTypeError) or not str(cause).startswith("Cannot merge ")
            or not isinstance(current, DictConfig | ListConfig)):
        return None
    try:
        given = OverridesParser.create().parse_override(line).value()
    except Exception:  # (Hydra parsed it once already; the value only shapes the example)
        given = None
    plain = OmegaConf.to_container(current, resolve=False)
    return shape_refusal(str(cause.full_key), line.partition("=")[2], given, plain,
                         shell=shell)

"""Hydra's refusals of the command line's choices of config groups (its defaults list),
reworded with what to write: a ``~GROUP``, ``~GROUP=NAME``, ``~GROUP@PACKAGE`` or
``~GROUP=`` with nothing to delete (`group_delete_refusal`), a ``~GROUP=[...]``
(`list_delete_refusal`) and a ``+GROUP=NAME`` of a group already selected or a
``++GROUP=NAME`` (`added_group_refusal`), a misspelt ``GROUP=NAME`` of a group the defaults
list has no entry of (`unlisted_group_refusal`), each naming what the primary config (the packaged
config.yaml, or one's own) selects.
`mia_defense.composition_errors`' `composition_refusal` asks them in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra.errors import ConfigCompositionException

from mia_defense.hydra_failure import (
    HydraConfigError,
    composed_when_failed,
    primary_config,
    swept_groups,
)
from mia_defense.override_checks import parsed_override

__all__ = ["added_group_problem", "added_group_refusal", "config_shape_refusal",
           "defaults_list_shape_refusal",
           "defaults_loop_refusal",
           "group_delete_refusal", "list_delete_refusal", "no_mapping_refusal", "no_option_words",
           "own_config_start",
           "subfolder_primary_refusal", "unlisted_group_refusal"]


def group_delete_refusal(
    exc: ConfigCompositionException, overrides: Sequence[str] = ()
) -> Exception | None:
    """Hydra's "Could not delete 'defense'. No match in the defaults list" reworded: a
    ``~defense`` (or ``~defense=NAME``) where the command line selects no defense (or not
    NAME alone), in a run or in a sweep's shared config, which said neither what ``~defense``
    deletes nor what to write; another packaged group's (``~dataset=mnist`` with digits
    selected) by `_othergroup_delete_refusal`. ``None``: any other error."""
    import re
    import shlex

    found = re.fullmatch(r"Could not delete '([^'=]+)(?:=([^']*))?'\. No match in the "
                         r"defaults list", str(exc))  # fmt: skip
    if found is None:
        return None
    _, multirun = composed_when_failed(exc)
    primary = _primary(exc)
    name = found.group(2)
    if "@" in found.group(1) or name == "":
        return _unmatched_delete_refusal(found.group(1), name, overrides, primary)
    if found.group(1) != "defense":
        return _othergroup_delete_refusal(found.group(1), name, overrides, multirun=multirun,
                                          primary=primary)  # fmt: skip
    given = f"~defense={name}" if name is not None else "~defense"
    selected, experiment = _selected_defenses(overrides, primary)
    swept = next((text for group, text in swept_groups(overrides, None)
                  if group in ("defense", "experiment")), None) if multirun else None  # fmt: skip
    what = (f"{given} deletes the defaults list's entry "
            + (f"defense={name} (where defense={name} selects that one defense alone)"
               if name is not None else "of the defense group (the defenses selected)"))
    if swept is not None:
        return HydraConfigError(
            f"{what}, and Hydra composes the sweep's shared config before the points of "
            f"{swept}, with "
            + (f"the defenses {', '.join(selected)}" if selected else "no defense")
            + ", and deletes there; nothing was run. "
            + (f"Each point selects its own defenses (defense=none or defense=[] selects "
               f"none): drop {shlex.quote(given)} and leave the defenses not wanted out of the "
               "points" if not swept.lstrip("+").startswith("experiment") else
               f"{given} does not delete the defenses an experiment selects: to run the "
               f"points of {swept} without them, write defense=[] instead")
        )
    if name is not None and name in selected:  # (defense=[dp,mixup] '~defense=dp')
        rest = [n for n in selected if n != name]
        return HydraConfigError(
            f"{what}, and the defenses are selected as a list, defense=[{','.join(selected)}], "
            f"one entry, not one per defense; nothing was run. To leave {name} out, select the "
            f"others instead: {shlex.quote(f'defense=[{chr(44).join(rest)}]')}"
        )
    now = (f"defense=[{','.join(selected)}] is selected" if selected else
           f"no defense is selected (defense=[], "
           f"{_default_of(primary, 'defense', defense=True)})"
           if experiment is None
           else f"{_chosen_by(primary, 'defense')}'s defaults list selects no defense "
           f"(defense=[])")  # fmt: skip
    if experiment is not None and name is None:
        advice = (f"{given} does not delete the defenses an experiment selects: to run "
                  f"{experiment} without them, write defense=[] instead")
    elif name is None:
        advice = (f"Drop {shlex.quote(given)}: a run without a training-time defense needs "
                  "none (defense=[] says so outright)")
    else:
        advice = (f"Drop {shlex.quote(given)}, or select the defenses wanted: "
                  "defense=[NAME,...] (defense=[] for none)")
    return HydraConfigError(f"{what}, and {now}, so there is nothing to delete; nothing was "
                            f"run. {advice}")


def _othergroup_delete_refusal(
    group: str, name: str | None, overrides: Sequence[str], *, multirun: bool,
    primary: tuple[str, dict[str, Any]],
) -> Exception | None:
    """`group_delete_refusal` of a packaged group other than defense: ``~dataset=mnist``
    where another dataset is selected, ``~experiment`` where none is (Hydra's "No match in
    the defaults list"). ``None``: a group of one's own (Hydra's to word)."""
    import shlex

    from mia_defense.config_keys import packaged_configs

    if not packaged_configs(group):
        return None
    given = f"~{group}={name}" if name is not None else f"~{group}"
    chosen, swept = None, None
    for text in map(str, overrides):
        override = parsed_override(text.strip())
        if override is None or override.package is not None or override.is_delete() \
                or override.key_or_group != group:  # fmt: skip
            continue
        if override.is_sweep_override():
            swept = text.strip()
        else:
            chosen = text.strip().lstrip("+")
    what = f"{given} deletes the defaults list's entry " + (
        f"{group}={name}" if name is not None else f"of the {group} group")
    if multirun and swept is not None:
        return HydraConfigError(
            f"{what}, and Hydra composes the sweep's shared config before the points of "
            f"{swept}, with {chosen or group + ' at its default'}, and deletes there; nothing "
            f"was run. Each point selects its own {group}: drop {shlex.quote(given)}"
        )
    listed, default = _primary_choice(group, primary)
    if chosen is not None:
        now = f"{chosen} is selected"
    elif default is not None:
        now = f"{group}={default} is selected ({_default_of(primary, group)})"
    else:
        now = f"no {group} is selected ({group}: null in {_chosen_by(primary, group)})" \
            if listed else (
            f"no {group} is selected ({primary[0]}'s defaults list has none)")
    return HydraConfigError(
        f"{what}, and {now}, so there is nothing to delete; nothing was run. Drop "
        f"{shlex.quote(given)}; {'' if listed else '+'}{group}=NAME selects the {group} wanted"
    )


def added_group_refusal(
    exc: ConfigCompositionException, overrides: Sequence[str] = ()
) -> Exception | None:
    """Hydra's "Multiple values for model. To override a value use 'override model: cnn'"
    (or "attack appears more than once in the final defaults list") for a ``+model=cnn`` of
    the command line, where config.yaml selects a model already: its advice is a config
    file's line, which a command line cannot write. ``None``: any other error (a config
    file's, where that advice is right). Hydra's "force-add of config groups is not
    supported: '++model=cnn'" too, which did not say what to write."""
    import re
    import shlex

    forced = re.fullmatch(r"force-add of config groups is not supported: '(.*)'", str(exc))
    if forced is not None:
        override = parsed_override(forced.group(1))
        listed = override is not None and _primary_choice(override.key_or_group,
                                                           _primary(exc))[0]  # fmt: skip
        plain = forced.group(1).lstrip("+")
        return HydraConfigError(
            f"{forced.group(1)}: '++' (Hydra's force-add) sets a key, and "
            f"{plain.partition('=')[0]} is a config group: a config of it is selected, not "
            f"set; nothing was run. Write {shlex.quote(plain if listed else '+' + plain)} "
            "instead"
        )
    found = re.match(r"Multiple values for ([^ ]+)\. To override|(\S+) appears more than "
                     r"once in the final defaults list", str(exc))  # fmt: skip
    if found is None:
        return None
    group = found.group(1) or found.group(2)
    added = next((text.strip() for text in map(str, overrides)
                  if (o := parsed_override(text.strip())) is not None and o.is_add()
                  and o.key_or_group == group and o.package is None), None)  # fmt: skip
    if added is None:
        return None
    stacked = added_group_problem(overrides)
    if stacked is not None:  # (defense=dp +defense=label_smoothing: stacking meant)
        return HydraConfigError(stacked)
    primary = _primary(exc)
    listed, default = _primary_choice(group, primary)
    now = f"{group}={default}, {_default_of(primary, group)}" if listed and default is not None \
        else f"{_chosen_by(primary, group)}'s {group}"  # fmt: skip
    return HydraConfigError(
        f"{added}: '+' adds a second {group} entry to the defaults list, which selects one "
        f"already ({now}); nothing was run. Write {shlex.quote(added.removeprefix('+'))} "
        f"instead (no '+': it replaces the one selected)"
    )


def _primary(exc: Exception) -> tuple[str, dict[str, Any]]:
    """How to name the primary config Hydra composed when it failed, and its defaults list's
    ``{group: (choice, package)}`` (`primary_config`); where the error does not say, the
    packaged config.yaml's."""
    from importlib.resources import files

    import yaml

    found = primary_config(exc)
    if found is not None:
        return found
    primary = yaml.safe_load(files("mia_defense.conf").joinpath("config.yaml").read_text())
    choices = {}
    for entry in (primary or {}).get("defaults") or []:
        if isinstance(entry, dict) and len(entry) == 1:
            key, value = next(iter(entry.items()))
            group, _, package = str(key).partition("@")
            if not group.startswith(("override ", "hydra")):
                choices.setdefault(group, (value, package or None, "config.yaml"))
    return "config.yaml", choices


def unlisted_group_refusal(exc: ConfigCompositionException) -> Exception | None:
    """Hydra's "Could not override 'experiment'. No match in the defaults list. To append to
    your default list use +experiment=study_digit" where study_digit is no option of the
    group: its advice then failed as misspelt, a second step; both said at once, with the
    closest option and the '+'. ``None``: any other error, or a name that is an option
    (Hydra's advice composes)."""
    import re

    found = re.fullmatch(r"Could not override '([^'=@]+)'\. No match in the defaults list\.\n"
                         r"To append to your default list use \+\1=(.*)", str(exc))
    if found is None:
        return None
    group, name = found.groups()
    options = _group_options(exc, group)
    if not options or name in options or "," in name:  # (a sweep: Hydra's words)
        return None
    return HydraConfigError(f"{group}={name}: " + no_option_words(
        group, name, options, plus="+", why=f", and {_primary(exc)[0]}'s defaults list has no "
        f"entry of {group}, so a config of it is added with '+'"))


def subfolder_primary_refusal(exc: ConfigCompositionException) -> Exception | None:
    """Hydra's "In 'mia_attack': Could not override 'hydra/job_logging@sub.hydra.job_logging'"
    for a config of one's own in a subfolder of --config-dir (``--config-name sub/own``,
    sub/own.yaml ``defaults: [/mia_attack, _self_]``): Hydra packages such a primary config,
    and what its defaults list includes, under its folder's key (sub), where the included
    config's ``override hydra/...`` entries name nothing. Said as what is wrong and the
    header that keeps the file's keys at the top, as at --config-dir's top level. ``None``:
    any other error."""
    import re

    found = re.match(r"(?:In '[^']*': )?Could not override '(hydra/[^'@]+)@([^']+)'", str(exc))
    at = _frame_locals(exc, "_load_configuration_impl")
    name = at.get("config_name") if at is not None else None
    if found is None or not isinstance(name, str) or "/" not in name:
        return None
    folder = name.rpartition("/")[0]
    package = folder.replace("/", ".")
    if not found.group(2).startswith(f"{package}.hydra."):
        return None
    primary = primary_config(exc)
    from mia_defense.composed_overrides import config_file_shown
    from mia_defense.constraints import shown_path

    file = shown_path(config_file_shown(primary[0])) if primary else f"{name}.yaml"
    included = re.match(r"In '([^']*)'", str(exc))
    what = f"{included.group(1)}'s" if included else "an included config's"
    return HydraConfigError(
        f"{file} is in the folder {folder} of --config-dir, so Hydra puts its keys and what "
        f"its defaults list includes under {package} ({what} choice of {found.group(1)} became "
        f"{found.group(2)}, which names no setting of Hydra's); nothing was run. Write "
        f"'# @package _global_' as the first line of {file} to keep them at the top, as a "
        f"config at --config-dir's top level is")


def no_option_words(group: str, name: str | Sequence[str], options: Sequence[str], *,
                    plus: str = "", why: str = "", edit: tuple[str, str] | None = None) -> str:
    """The refusal of ``name``, none of the config group ``group``'s ``options`` (several
    names: 'a and b are no options ...'): the closest option of each and an override choosing
    one (``plus``: '+' where only ``+group=NAME`` selects), ``why`` after the first clause;
    ``edit``: a config file's override entry made the choice (`override_entry_edit`), so the
    example is that entry's line, written in its file (h528: the command line's was offered).
    Hydra's missing config (`mia_defense.cli.entry`), `unlisted_group_refusal` and a sweep's
    (`mia_defense.cli.search_space_checks.refuse_unknown_group_options`) say it so."""
    from mia_defense.errors import closest

    names = [name] if isinstance(name, str) else list(name)
    closes = [closest(each, options) for each in names]
    if len(names) == 1:
        said = f"{names[0]} is no option"
        hint = f" (did you mean {closes[0]}?)" if closes[0] else ""
    else:
        said = f"{', '.join(names[:-1])} and {names[-1]} are no options"
        hints = [f"{close} for {each}" for each, close in zip(names, closes, strict=True)
                 if close]
        hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
    example = next((close for close in closes if close), options[0])
    fix = f"{plus}{group}={example}" if edit is None else \
        f"write '- {edit[0]}: {example}' in {edit[1]}"  # fmt: skip
    return (f"{said} of the config group {group}{hint}{why}; nothing was run. "
            f"Choose one of {', '.join(options)} (e.g. {fix})")


def override_entry_edit(exc: Exception, where: str | None, group: str,
                        name: str) -> tuple[str, str] | None:
    """Where a config file's entry made the choice Hydra could not find, the entry's line
    up to its choice and the file to write it in, named as the defaults list's refusals name
    it (`_chosen_by`, its choice being ``name``): ``where`` (`choice_made_in`'s config path of
    an ``override GROUP: NAME`` entry, not ``""``) gives ``override GROUP`` (``/GROUP`` in a
    config of a group's folder; Hydra's name where the file is not known); ``None``, the
    entry's own choice (``- dataset: breast_cancr``), ``GROUP`` in a file of one's own.
    ``None``: no file of one's own to edit (the command line chose, or a packaged config)."""
    primary = _primary(exc)
    entry = primary[1].get(group)
    chosen = entry is not None and entry[0] == name
    if where is not None:
        return (f"override {'/' if '/' in where else ''}{group}",
                _chosen_by(primary, group) if chosen else f"config '{where}'")
    file = _chosen_by(primary, group) if chosen and entry[1] is None else ""
    if not file.endswith(".yaml") or file == "config.yaml":
        return None
    nested = file.rpartition("/")[0] != primary[0].rpartition("/")[0]  # (a group's folder)
    return (f"/{group}" if nested else group), file


def _group_options(exc: Exception, group: str) -> list[str]:
    """The configs of ``group`` in the config search path Hydra composed from when ``exc``
    was raised (`group_options` of the repository of Hydra 1.3's composing frame, which holds
    a ``hydra.searchpath`` of one's own: its loader's own repository lacks it); the packaged
    ones where the error does not say."""
    from mia_defense.config_keys import packaged_configs

    try:
        return group_options(search_path_repository(exc), group)
    except Exception:  # (no such frame: advice only)
        return sorted(packaged_configs(group))


def search_path_repository(exc: Exception) -> Any:
    """Hydra's config repository of the search path it composed from when ``exc`` was raised
    (Hydra 1.3's composing frame's, which holds a ``hydra.searchpath`` of one's own: its
    loader's own repository lacks it); ``None`` where the error does not say."""
    found, repository = _frame_locals(exc, "_load_configuration_impl"), None
    if found is not None:
        repository = found.get("caching_repo")
        if repository is None:  # (failed before it was made)
            repository = getattr(found.get("self"), "repository", None)
    return repository


def defaults_loop_refusal(exc: RecursionError) -> Exception | None:
    """Hydra's RecursionError building the defaults list of config files that include
    each other (a.yaml ``defaults: [b, _self_]``, b.yaml ``defaults: [a, _self_]``) or one
    that includes itself, as one line naming the loop (its files as a user finds them) and
    the entry to remove; ``None`` where the error came from elsewhere."""
    from mia_defense.constraints import shown_path

    found = _frame_locals(exc, "_create_defaults_tree_impl")
    if found is None:
        return None
    tree, repo, chain = found.get("root"), found.get("repo"), []
    while tree is not None:
        chain.append(tree.node)
        tree = tree.parent
    paths: list[str | None] = []
    nodes = list(reversed(chain))  # (from the primary config down)
    for at, node in enumerate(nodes):
        try:
            path = node.get_config_path()
        except Exception:  # (a virtual root, or an entry not yet resolved)
            path = None
        if path is not None and path in paths:
            start = paths.index(path)
            loop = [*paths[start:], path]
            entries = [_entry_written(element) for element in nodes[start:at + 1]]
            break
        paths.append(path)
    else:
        return None

    def shown(path: str) -> str:
        try:
            source = repo.load_config(config_path=path).path
        except Exception:  # (not found again: its config path)
            return shown_path(f"{path}.yaml")
        return _file_shown(source, path)

    files = [shown(path) for path in loop]
    first = files[0]
    if len(loop) == 2:
        return HydraConfigError(
            f"{first}'s defaults list includes {first} itself ({first} -> {first}), which "
            f"Hydra follows without end; nothing was run. Remove the entry {entries[1]!r} from "
            f"{first}'s defaults list")
    return HydraConfigError(
        f"the defaults lists of config files include each other in a loop "
        f"({' -> '.join(files)}), which Hydra follows without end; nothing was run. Remove "
        f"one of the entries: {_loop_entries(files, entries)}")


def _loop_entries(files: Sequence[str], entries: Sequence[str]) -> str:
    """Each entry of a defaults-list loop and the file whose list holds it, the entry that
    closes the loop first: "'a' from c.yaml's defaults list, 'c' from b.yaml's, or 'b' from
    a.yaml's" (``files``: the loop, its first file again at its end; ``entries[i]``: the
    entry of ``files[i - 1]`` that includes ``files[i]``)."""
    said = [f"{entries[at]!r} from {files[at - 1]}'s" for at in range(len(files) - 1, 0, -1)]
    said[0] += " defaults list"
    return f"{', '.join(said[:-1])}, or {said[-1]}"


def config_shape_refusal(exc: ConfigCompositionException, *,
                         base: str | None = None) -> Exception | None:
    """Hydra's one line for a config file of one's own of a shape it cannot compose, said
    with the file and what to write: a primary config that is a list ("primary config 'own'
    must be a DictConfig, got ListConfig") or a defaults list holding ``_self_`` twice
    ("Duplicate _self_ defined in own"). ``base``: the primary config of the tool running,
    whose start alone is suggested (`own_config_start`). ``None``: any other error."""
    said = str(exc)
    if said.startswith("primary config ") and "must be a DictConfig" in said:
        found = _frame_locals(exc, "_process_config_searchpath") or {}
        loaded, name = found.get("loaded"), found.get("config_name")
        if loaded is None or not isinstance(name, str):
            return None
        kind = _KINDS.get(type(found.get("primary_config")).__name__, "no mapping")
        return no_mapping_refusal(_file_shown(loaded.path, name), kind, base)
    if said.startswith("Duplicate _self_ defined in "):
        node = (_frame_locals(exc, "_validate_self") or {}).get("containing_node")
        repo = (_frame_locals(exc, "_create_defaults_tree_impl") or {}).get("repo")
        try:
            path = node.get_config_path()
            file = _file_shown(repo.load_config(config_path=path).path, path)
        except Exception:  # (not readable again: Hydra's words stand)
            return None
        return HydraConfigError(
            f"{file}'s defaults list holds '_self_' more than once, where Hydra takes it once "
            f"(the place of the file's own settings among its entries); nothing was run. Keep "
            f"one '_self_' (last, for the file's own settings to win)")
    return None


def _file_shown(source: Any, path: str) -> str:
    """The file of config path ``path`` that Hydra loaded from ``source`` (its config source's
    path: ``file://DIR``, ``pkg://MODULE``) as a user finds it."""
    from mia_defense.composed_overrides import config_file_shown
    from mia_defense.constraints import shown_path

    return shown_path(config_file_shown(f"{source}/{path}.yaml"))


def no_mapping_refusal(file: str, kind: str, base: str | None, *,
                       primary: bool = True) -> Exception:
    """The refusal of the config file ``file`` (as shown) holding ``kind`` (a number, a list,
    a string) where a config file holds a mapping of settings; ``base``: as
    `own_config_start`'s. A file a defaults list includes (not ``primary``) is told no
    defaults line: the primary's start written into it includes the base again (Hydra:
    "dataset appears more than once", or 'dataset/config' not found)."""
    write = (f"a line {own_config_start(base)}, then one 'key: value' line for each setting"
             if primary else "a 'key: value' line for each setting it holds (an included "
             "file needs no defaults line of its own)")  # fmt: skip
    return HydraConfigError(f"{file} holds {kind}, where a config file holds a mapping of "
                            f"settings; nothing was run. Write it as one: {write}")


def own_config_start(base: str | None) -> str:
    """The defaults list a config of one's own starts with, built on the primary config
    ``base`` (mia-train's ``config``, mia-attack's ``mia_attack``); ``None`` (the tool not
    known): mia-train's, with mia-attack's in brackets."""
    if base is None:
        return "'defaults: [config, _self_]' (mia-attack's: [mia_attack, _self_])"
    return f"'defaults: [{base}, _self_]'"


# What an entry of a defaults list may be, for a refusal of one that is none
_ENTRY_FORMS = ("an entry is a config's name ('config'), 'GROUP: NAME' ('dataset: "
                "breast_cancer') or '_self_'")


def defaults_list_shape_refusal(exc: ValueError, *, base: str | None = None) -> Exception | None:
    """Hydra's ValueError (a traceback) for a config file whose ``defaults`` is no list
    (``defaults: config``) or holds an entry of no kind it reads (``defaults: [config,
    null]``, ``[config, 5]``, ``[{dataset: 5}]``, ``[{}]``), as one line naming the file and
    what an entry is. ``base``: the primary config of the tool running (``config``,
    ``mia_attack``), whose start alone is suggested; ``None`` (not known): both tools'.
    ``None``: a ValueError raised elsewhere."""
    import re

    found = _frame_locals(exc, "load_config")
    result, path = (found.get("ret"), found.get("config_path")) if found else (None, None)
    read = _frame_locals(exc, "_extract_defaults_list") or _frame_locals(
        exc, "_create_defaults_list")  # (Hydra reading the file's defaults list)
    if result is None or not isinstance(path, str) or read is None:
        return None
    file, said = _file_shown(result.path, path), " ".join(str(exc).split())
    kind = re.search(r"defaults must be a list \(got (\w+)\)", said)
    if kind is not None:
        start = own_config_start(base)  # (both tools': the forms join its brackets)
        start = f"{start[:-1]}; {_ENTRY_FORMS})" if base is None else f"{start} ({_ENTRY_FORMS})"
        return HydraConfigError(
            f"{file}: its defaults is {_KINDS.get(kind.group(1), 'a ' + kind.group(1))}, "
            f"where Hydra reads a list; nothing was run. Write its entries as a list: {start}")
    kind = re.search(r"Unsupported (type|item value) in defaults : (\w+)", said)
    if kind is not None:
        what = _KINDS.get(kind.group(2), "a " + kind.group(2))
        said = (f"an entry that is {what}" if kind.group(1) == "type" else
                f"an entry 'GROUP: VALUE' whose value is {what}")
    else:
        said = f"an entry Hydra cannot read ({re.sub(r'^In [^:]*: ', '', said)})"
    return HydraConfigError(f"{file}: its defaults list holds {said}; nothing was run. "
                            f"Correct or remove that entry: {_ENTRY_FORMS}")


# How a refusal names the type of a value Hydra read from a YAML file
_KINDS = {"str": "a string", "int": "a number", "float": "a number", "bool": "true or false",
          "NoneType": "null (nothing)", "mapping": "a mapping", "DictConfig": "a mapping",
          "ListConfig": "a list"}


def _entry_written(element: Any) -> str:
    """A defaults list's entry as its file writes it (``b``, ``/b``, ``dataset: x``)."""
    group, value = getattr(element, "group", None), getattr(element, "value", None)
    if group is not None and value is not None:
        return f"{group}: {value}"
    return str(getattr(element, "path", None) or element.get_config_path())


def _frame_locals(exc: Exception, function: str) -> dict[str, Any] | None:
    """The local variables of the innermost frame of Hydra's ``function`` that ``exc``'s
    traceback passed through; ``None`` where it did not."""
    trace, found = exc.__traceback__, None
    while trace is not None:
        if trace.tb_frame.f_code.co_name == function:
            found = trace.tb_frame.f_locals
        trace = trace.tb_next
    return found


def choice_made_in(exc: Exception) -> str | None:
    """Where the group's choice Hydra could not find (its "In 'own': Could not find
    'dataset/breast_cancr'") was made, where that is not the config Hydra names (the one
    whose defaults list holds the entry): ``""`` for the command line's
    (``+dataset=breast_cancr``, or ``dataset=...`` overriding a defaults list's entry), the
    config path of a defaults list's ``override dataset: breast_cancr`` (own.yaml's, of
    config.yaml's entry: "In 'config': " was said); ``None``: the entry's own choice."""
    from hydra.core.default_element import GroupDefault

    found = _frame_locals(exc, "config_not_found_error")
    element = getattr(found.get("tree"), "node", None) if found is not None else None
    if not isinstance(element, GroupDefault):
        return None
    if element.is_external_append():
        return ""
    overrides = (_frame_locals(exc, "_create_defaults_tree_impl") or {}).get("overrides")
    meta = getattr(overrides, "override_metadata", {}).get(element.get_override_key())
    if not element.config_name_overridden or meta is None:
        return None
    return "" if meta.external_override else str(meta.containing_config_path or "") or None


def unknown_group_words(exc: Exception) -> str | None:
    """Hydra's "In 'own': Could not find 'datset/breast_cancer'" (a MissingConfigException
    without options, its config search path listed after it) where the config group itself
    is not in the search path: which defaults list names it (or the command line's
    ``+datset=...``) and the closest group (`mia_defense.errors.closest`, as an unknown
    top-level key's). A group that is there but holds no configs (an empty ``emptyg/``:
    Hydra's "Could not find 'emptyg/x'") and a plain entry naming a config that is not there
    (``- confx``: Hydra's "Could not load 'confx'") likewise (`_no_configs_words`,
    `_missing_plain_config_words`), and a ``--config-name`` that names no config (Hydra's
    "Cannot find primary config": `_missing_primary_words`). ``None``: a group with configs
    (whose options `_missing_config_line` words), or any other failure (Hydra's words)."""
    from hydra.core.default_element import ConfigDefault, GroupDefault
    from hydra.core.object_type import ObjectType


    found = _frame_locals(exc, "config_not_found_error")
    try:
        repo, tree = found["repo"], found["tree"]  # type: ignore[index]
        element = tree.node
        parent = tree.parent.node.get_config_path() if tree.parent is not None else None
        if not isinstance(element, ConfigDefault | GroupDefault):
            return None
        if element.primary:
            return _missing_primary_words(repo, element, exc)
        if not isinstance(element, GroupDefault):
            listed = _listed_choice(exc, element)
            if listed is not None:
                return _listed_choice_words(repo, element, listed, parent)
            return _missing_plain_config_words(repo, element, parent)
        if repo.group_exists(group := element.get_group_path()):
            return None if repo.get_group_options(group, ObjectType.CONFIG) else \
                _no_configs_words(repo, element, group, parent)  # fmt: skip
        return _no_such_group_words(repo, f"Could not find '{element.get_config_path()}'",
                                    group, _naming(element, group, parent))
    except Exception:  # (no such frame, another Hydra: its words)
        return None


def _no_such_group_words(repo: Any, start: str, group: str, where: str) -> str:
    """`unknown_group_words` of a config group that is not in the config search path: the
    closest group next to where it would be (`mia_defense.errors.closest`) and those groups.
    ``start``: Hydra's words of what it could not find; ``where``: who names the group."""
    from hydra.core.object_type import ObjectType

    from mia_defense.errors import closest

    if _climbs(group):
        return (f"{start}: {where} the config group {group!r}, {_CLIMBING}; nothing was run. "
                f"{_WITHIN}")
    above, _, name = group.rpartition("/")
    groups = sorted(each for each in repo.get_group_options(above, ObjectType.GROUP)
                    if above or not each.startswith("hydra"))
    close = closest(name, groups)
    hint = f" (did you mean {(above + '/' if above else '') + close!r}?)" if close else ""
    within = f" of {above}" if above else ""
    fix = (f"Name one of the config groups{within}: {', '.join(groups)}" if groups else
           f"There are no config groups{within}: correct or remove the entry")
    return (f"{start}: {where} the config group {group!r}, which does not exist{hint}; "
            f"nothing was run. {fix}")


# A config path climbing out of the config folders ('../other'): Hydra looks for it next
# to every folder of its search path (mia-defense's and Hydra's packages too), whose folders
# were offered as its groups
_CLIMBING = ("named with '..' out of the config folders, where Hydra looks beside each of "
             "them (the packages' folders too)")
_WITHIN = ("Put one's own config files inside the --config-dir folder and name them from "
           "there (DIR/other.yaml as 'other', DIR/other/x.yaml as 'other: x')")


def _climbs(path: str) -> bool:
    """Whether config path ``path`` climbs out of its folder with '..' (``../other``)."""
    return ".." in path.split("/")


def _listed_choice(exc: Exception, element: Any) -> tuple[Any, Any] | None:
    """The defaults list's entry choosing a list of a group's configs (``- defense: [dpp,
    mixupp]``, or the command line's ``defense=[dpp,mixupp]``), Hydra's GroupDefault, and its
    overrides, where ``element`` (Hydra's plain entry that it could not load) is one of that
    list's configs; ``None``: a plain entry of its own."""
    path = element.get_config_path()
    trace, found = exc.__traceback__, None
    while trace is not None:
        if trace.tb_frame.f_code.co_name == "_create_defaults_tree_impl":
            entry = trace.tb_frame.f_locals.get("d")
            if getattr(entry, "is_options", lambda: False)() and any(
                    f"{entry.get_group_path()}/{item}" == path for item in entry.get_options()):
                found = (entry, trace.tb_frame.f_locals.get("overrides"))
        trace = trace.tb_next
    return found


def _listed_choice_words(repo: Any, element: Any, listed: tuple[Any, Any],
                         parent: str | None) -> str:
    """`unknown_group_words` of a list of a group's configs (`_listed_choice`) one of
    which is not there: Hydra loads them last first, so ``defense=[dpp,mixupp]`` was told only
    of mixupp, as "config's defaults list names the config 'defense/mixupp' ... or remove the
    entry" (the command line's choice, not config.yaml's entry), and ``- defens: [dp]`` had no
    word that the group itself is misspelt. Every name of the list that is no option
    (`no_option_words`), or the group that is not there (`_no_such_group_words`)."""
    entry, overrides = listed
    group, items = entry.get_group_path(), [str(item) for item in entry.get_options()]
    start = f"Could not load '{element.get_config_path()}'"
    if overrides is not None and overrides.is_overridden(entry):
        who = f"{group}=[{','.join(items)}]"
    elif entry.is_external_append():
        who = f"+{group}=[{','.join(items)}]"
    else:
        who = f"{parent}'s defaults list's entry '{entry.group}: [{', '.join(items)}]'"
    if not repo.group_exists(group):
        return _no_such_group_words(repo, start, group, f"{who} names")
    options = sorted(group_options(repo, group))
    unknown = [item for item in dict.fromkeys(items) if item not in options]
    if not options or not unknown:
        return _missing_plain_config_words(repo, element, parent)
    return f"{start}: {who}: " + no_option_words(
        group, unknown, options, plus="+" if entry.is_external_append() else "")


def _naming(element: Any, group: str, parent: str | None) -> str:
    """Who names a defaults list's entry that Hydra could not find: ``+GROUP=NAME names``
    (the command line's) or ``PARENT's defaults list names`` (`unknown_group_words`)."""
    if parent is None or (group and element.is_external_append()):
        return f"+{group}={element.get_name()} names"
    return f"{parent}'s defaults list names"


def _no_configs_words(repo: Any, element: Any, group: str, parent: str | None) -> str:
    """`unknown_group_words` of a config group that is there (a folder in the config search
    path) but holds no configs: Hydra's "Could not find 'emptyg/x'" listed no options. Where
    it holds config groups (subfolders: ``g/sub/x.yaml``, for an entry ``- g: x``), those,
    and the entry naming the one that holds a config of that name."""
    from hydra.core.object_type import ObjectType

    where = _naming(element, group, parent)
    command_line = where.startswith("+")
    what = "drop it" if command_line else "remove the entry"
    name = element.get_name()
    subs = sorted(f"{group}/{sub}" for sub in repo.get_group_options(group, ObjectType.GROUP))
    holds, fix = "", ""
    if subs:
        holds = (f", only the config group{'s' if len(subs) > 1 else ''} {', '.join(subs)} "
                 f"(its subfolder{'s' if len(subs) > 1 else ''})")
        meant = next((sub for sub in subs
                      if name in repo.get_group_options(sub, ObjectType.CONFIG)), None)
        if meant is not None:
            entry = f"+{meant}={name}" if command_line else f"'- {meant}: {name}'"
            holds += f" (did you mean {entry}?)"
            fix = f"Write {entry} instead, add "
        else:
            entry = f"+{group}/SUB=NAME" if command_line else f"'- {group}/SUB: NAME'"
            fix = f"Name one of them with a config of its own ({entry}), add "
    return (f"Could not find '{element.get_config_path()}': {where} the config group "
            f"{group!r}, which holds no configs{holds}; nothing was run. "
            f"{fix or 'Add '}{element.get_config_path()}.yaml or {what}")


def _missing_primary_words(repo: Any, element: Any, exc: Exception) -> str:
    """`unknown_group_words` of a primary config that is not there (``--config-name confg``:
    Hydra's "Cannot find primary config 'confg'" and the whole config search path): the
    config folders searched (Hydra's own left out), the closest of their configs that the
    running tool runs (`mia_defense.errors.closest`: its own, ``@hydra.main``'s, and those of
    one's own folders; mia-attack was offered mia-train's config.yaml, then refused it key
    by key), those configs, and what to write. A name inside one of
    mia-defense's config groups (``model/mlpp``) is pointed at selecting the group's config."""
    from hydra.core.object_type import ObjectType

    from mia_defense.constraints import shown_path
    from mia_defense.errors import closest, first_few

    path = element.get_config_path()
    above, _, name = path.rpartition("/")
    sources = [source for source in repo.get_sources() if source.provider != "hydra" and (
        source.scheme() != "structured" or (source.is_group(above) and any(
            each != "_dummy_empty_config_" for each in source.list(above, ObjectType.CONFIG))))]
    folders = ", ".join(shown_path(source.path) if source.scheme() == "file" else
                        shown_path(source.full_path()) for source in sources
                        if source.scheme() != "structured")  # fmt: skip
    # (Hydra's ConfigStore, "structured://": no folder, the configs the tool defines in code)
    stored = " or the tool's built-in configs" if any(
        source.scheme() == "structured" for source in sources) else ""
    configs = sorted(each for each in repo.get_group_options(above, ObjectType.CONFIG)
                     if each != "_dummy_empty_config_" and not above.startswith("hydra"))
    if not above and (tool := (_frame_locals(exc, "decorated_main") or {}).get(
            "config_name")) is not None:  # (the running tool's own: @hydra.main's)
        configs = sorted({str(tool)} | {each for source in sources if source.scheme() not in (
            "structured", "pkg") for each in source.list("", ObjectType.CONFIG)})
    close = closest(name, configs)  # (Hydra's own configs left out: none is a run's)
    prefix = f"{above}/" if above else ""
    hint = f" (did you mean {prefix + close!r}?)" if close else ""
    said = (f"Cannot find primary config {shown_path(path, quoted=True)}: no config of that "
            f"name in the config folders ({folders}){stored}{hint}; nothing was run. ")
    own = next((source.path for source in sources if source.provider == "command-line"), None)
    add = (f"add {shown_path(path)}.yaml to {shown_path(own)}" if own is not None else
           f"add {shown_path(path)}.yaml to a folder of yours and give it with --config-dir "
           "DIR")  # fmt: skip
    from mia_defense.config_keys import packaged_configs

    if above and configs and packaged_configs(above):  # (model/mlp: no primary config)
        listed = _primary_choice(above, _primary(exc))[0]
        return (said + f"{above} is a config group, whose configs are selected, not named "
                f"with --config-name: select one instead, e.g. {'' if listed else '+'}"
                f"{above}={close or configs[0]} (drop --config-name)")
    there = f"one of the configs there ({first_few(configs, 10, more=True)})" if configs \
        else "a config of yours"  # fmt: skip
    return said + (f"Name {there} with --config-name"
                   + (f", e.g. --config-name {prefix + close}" if close else "")
                   + (f", or {add}" if name else ""))


def _missing_plain_config_words(repo: Any, element: Any, parent: str | None) -> str:
    """`unknown_group_words` of a defaults list's plain entry (``- confx``, no group) naming
    a config that is not there (Hydra's "Could not load 'confx'"): the closest of the
    configs next to it (`mia_defense.errors.closest`), and those configs."""
    from hydra.core.object_type import ObjectType

    from mia_defense.errors import closest, first_few

    path = element.get_config_path()
    above, _, name = path.rpartition("/")
    if _climbs(path):
        return (f"Could not load '{path}': {_naming(element, '', parent)} the config {path!r}, "
                f"which does not exist, {_CLIMBING}; nothing was run. {_WITHIN}")
    if above and not repo.group_exists(above):  # (- datset/breast_cancer: its group misspelt)
        return _no_such_group_words(repo, f"Could not load '{path}'", above,
                                    f"{_naming(element, '', parent)} the config {path!r} in")
    configs = sorted(each for each in repo.get_group_options(above, ObjectType.CONFIG)
                     if (above + "/" if above else "") + each != parent
                     and each != "_dummy_empty_config_")  # (Hydra's own)  # fmt: skip
    close = closest(name, configs)
    hint = f" (did you mean {(above + '/' if above else '') + close!r}?)" if close else ""
    there = f" ({first_few(configs, 10, more=True)})" if configs else ""
    return (f"Could not load '{path}': {_naming(element, '', parent)} the config {path!r}, "
            f"which does not exist{hint}; nothing was run. Name one of the configs "
            f"{f'of {above}' if above else 'there'}{there}, add {path}.yaml or remove the "
            "entry")


def group_options(repository: Any, group: str) -> list[str]:
    """The configs of config group ``group`` that Hydra's config ``repository`` holds (that
    of a config search path: the packaged configs, a ``--config-dir`` and
    ``hydra.searchpath`` of one's own, plugins'), the options ``group=NAME`` may name: a
    refused composition's (`_group_options`) and a sweep's
    (`mia_defense.cli.search_space_checks.refuse_unknown_group_options`) alike."""
    from hydra.core.object_type import ObjectType

    return list(repository.get_group_options(group, results_filter=ObjectType.CONFIG))


def _primary_choice(group: str, primary: tuple[str, dict[str, Any]]) -> tuple[bool, Any]:
    """Whether the primary config's defaults list (`_primary`) has an entry of ``group``, and
    its choice (``None``: none, or ``null``)."""
    entry = primary[1].get(group)
    return entry is not None, None if entry is None else entry[0]


def has_default_entry(group: str, exc: Exception) -> bool:
    """Whether ``group=NAME`` selects in the primary config Hydra composed when ``exc`` was
    raised (`_primary`): its defaults list has an entry of ``group`` (Hydra's own groups
    have theirs); without one only ``+group=NAME`` does (``+experiment=...``)."""
    return group.startswith("hydra") or _primary_choice(group, _primary(exc))[0]


def _default_of(primary: tuple[str, dict[str, Any]], group: str, *,
                defense: bool = False) -> str:
    """What the primary config's choice of ``group`` is: ``"config.yaml's default"``
    (``defense``: ``"the default"``, of mia-train's packaged config.yaml), or of the file it
    is of (`_chosen_by`: a ``--config-dir`` folder's ``--config-name``, or config.yaml that
    its ``- config`` includes)."""
    chosen_by = _chosen_by(primary, group)
    return "the default" if defense and primary[0] == chosen_by == "config.yaml" else \
        f"{chosen_by}'s default"  # fmt: skip


def _chosen_by(primary: tuple[str, dict[str, Any]], group: str) -> str:
    """How to name the config whose defaults list chose ``group``'s config (`_primary`): the
    primary config, or one its defaults list includes (own.yaml's ``- config``)."""
    entry = primary[1].get(group)
    return str(entry[2]) if entry is not None and len(entry) > 2 else primary[0]


def _selected_defenses(
    overrides: Sequence[str], primary: tuple[str, dict[str, Any]]
) -> tuple[list[str], str | None]:
    """`_command_line_defenses`, or where the command line selects none, the defenses the
    primary config's defaults list selects (a ``--config-name`` of one's own)."""
    selected, experiment = _command_line_defenses(overrides)
    if selected or any((o := parsed_override(str(t).strip())) is not None
                       and o.key_or_group == "defense" and o.package is None
                       and not o.is_delete() for t in overrides):  # fmt: skip
        return selected, experiment
    chosen = _primary_choice("defense", primary)[1]
    chosen = chosen if isinstance(chosen, list) else [] if chosen is None else [chosen]
    return [str(n) for n in chosen if str(n) != "none"], experiment


def _unmatched_delete_refusal(
    key: str, name: str | None, overrides: Sequence[str], primary: tuple[str, dict[str, Any]]
) -> Exception | None:
    """`group_delete_refusal` of a ``~GROUP@PACKAGE`` (Hydra's raw "Could not delete
    'defense@foo'. No match in the defaults list") or a ``~GROUP=`` with no name after '='
    (told it "deletes the defaults list's entry defense="), of a packaged group. ``None``:
    a group of one's own, or the primary config places one of GROUP's entries at a package
    (Hydra's to word)."""
    import shlex

    from mia_defense.config_keys import packaged_configs

    group, _, package = key.partition("@")
    entry = primary[1].get(group)
    if not packaged_configs(group) or (entry is not None and entry[1] is not None):
        return None
    given = f"~{key}={name}" if name is not None else f"~{key}"
    lands = "defense.NAME, each defense its own" if group == "defense" else group
    if package:
        why = (f"'@{package}' names the package a config of {group} lands at, and "
               f"{_chosen_by(primary, group)}'s defaults list gives its {group} entry no "
               f"package (its "
               f"config{'s land' if group == 'defense' else ' lands'} at {lands}), so no "
               f"entry matches")
    else:
        why = (f"no name after '=' (a shell variable that was not set?): ~{group}=NAME "
               f"deletes the {group} entry only where it selects NAME, and none is named "
               f"''")  # fmt: skip
    start = f"{given}: {why}; nothing was run"
    if group != "defense":
        return HydraConfigError(f"{start}. Drop {shlex.quote(given)}; {group}=NAME selects "
                                f"the {group} wanted")  # fmt: skip
    selected, experiment = _selected_defenses(overrides, primary)
    if experiment is not None:
        advice = (f"~defense does not delete the defenses an experiment selects: to run "
                  f"{experiment} without them, write defense=[] instead")
    elif selected:
        advice = (f"To run without the defenses selected (defense=[{','.join(selected)}]), "
                  f"write defense=[] instead")
    else:
        advice = (f"Drop {shlex.quote(given)}: no defense is selected (defense=[], "
                  f"{_default_of(primary, 'defense', defense=True)}), and a run without a "
                  f"training-time "
                  f"defense needs "
                  f"none")  # fmt: skip
    return HydraConfigError(f"{start}. {advice}")


def added_group_problem(overrides: Sequence[str]) -> str | None:
    """What to say of a ``+GROUP=NAME`` beside another override selecting GROUP
    (``defense=dp +defense=label_smoothing``: stacking meant): Hydra refuses some such pairs
    and, after a list (``'defense=[dropout,label_smoothing]' +defense=mixup``,
    ``'release=[topk]' +release=noise``), composes the list alone, a run without the config
    added. The defenses are stacked as one list; another group takes one config. Beside a
    sweep of GROUP (``-m 'defense=[dropout],[label_smoothing]' +defense=mixup``, or of the
    '+' one: ``+defense=mixup,dp``), the same of each run of the sweep: it was told 'the
    sweep would run only +defense=mixup'. ``None``:
    no such pair."""
    import itertools
    import shlex

    from hydra.core.override_parser.types import ChoiceSweep

    from mia_defense.config_keys import packaged_configs

    given: dict[str, list[tuple[str, bool, list[Any]]]] = {}
    for text in map(str, overrides):
        override = parsed_override(text.strip())
        if (override is None or override.package is not None or override.is_delete()
                or override.is_force_add() or "." in override.key_or_group):  # (a key)
            continue
        if not override.is_sweep_override():
            points = [override.value()]
        elif isinstance(override.value(), ChoiceSweep):
            points = list(override.sweep_iterator())  # (each a run's selection)
        else:
            continue
        given.setdefault(override.key_or_group, []).append(
            (text.strip(), override.is_add(), points))
    for group, selections in given.items():
        if len(selections) < 2 or not any(add for _, add, _ in selections) or not (
                packaged_configs(group)):  # (a key such as seed: Hydra's words)
            continue
        swept = any(len(points) > 1 for _, _, points in selections)
        runs = [_selected_names(combination) for combination
                in itertools.product(*(points for _, _, points in selections))]  # fmt: skip
        said = (f"{' '.join(t for t, _, _ in selections)}: {group} is selected {len(selections)} "
                f"times on the command line, and '+' adds a second {group} entry to the "
                f"defaults list{' of each run' if swept else ''}, which takes one; nothing "
                "was run. ")
        if group == "defense":
            lists = ",".join(f"[{','.join(names)}]" for names in runs)
            whose = "each run's" if swept else "the"
            return said + f"Stack {whose} defenses as one list: {shlex.quote(f'defense={lists}')}"
        plus = "" if _primary_choice(group, _primary(Exception()))[0] else "+"
        names = _selected_names([p for _, _, points in selections for p in points])
        if swept:
            return said + ("Sweep them as one key: "
                           + shlex.quote(f"{plus}{group}={','.join(names)}"))
        return said + "Select one: " + " or ".join(shlex.quote(f"{plus}{group}={n}")
                                                   for n in names)
    return None


def _selected_names(values: Sequence[Any]) -> list[str]:
    """The configs that ``values`` (each a name or a list of names, as an override's value)
    select, in order, each once; ``none`` left out."""
    names: list[str] = []
    for value in values:
        for name in value if isinstance(value, list) else [value]:
            name = str(getattr(name, "text", name))
            if name != "none" and name not in names:
                names.append(name)
    return names


def _command_line_defenses(overrides: Sequence[str]) -> tuple[list[str], str | None]:
    """The defenses that ``overrides`` select outside a sweep (as a sweep's shared config has
    them; ``none`` left out), and their ``+experiment=NAME`` (whose defenses come later)."""
    selected: list[str] = []
    experiment = None
    for text in map(str, overrides):
        override = parsed_override(text.strip())
        if override is None or override.package is not None or override.is_sweep_override():
            continue
        if override.key_or_group == "defense" and not override.is_delete():
            value = override.value()
            chosen = value if isinstance(value, list) else [value]
            selected = [str(getattr(n, "text", n)) for n in chosen if str(n) != "none"]
        elif override.key_or_group == "experiment" and not override.is_delete():
            experiment = text.strip()
    return selected, experiment


def list_delete_refusal(exc: ValueError, overrides: Sequence[str]) -> Exception | None:
    """Hydra's raw ValueError "Config group override deletion value must be a string" for a
    ``~GROUP=[...]`` (``~defense=[dp]``: a traceback) reworded: '~' deletes a group's entry
    whole or by its one name, and the defenses to keep are selected instead. ``None``: any
    other ValueError."""
    import shlex

    if not str(exc).startswith("Config group override deletion value must be a string"):
        return None
    for text in map(str, overrides):
        override = parsed_override(text.strip())
        if override is None or not override.is_delete() or not isinstance(
                override.value(), list):  # fmt: skip
            continue
        group = override.key_or_group
        names = [str(getattr(n, "text", n)) for n in override.value()]
        start = (f"{text.strip()}: '~' deletes a config group's entry whole (~{group}) or by "
                 f"its one name (~{group}=NAME), not by a list; nothing was run")
        if group != "defense":
            return HydraConfigError(f"{start}. Select the {group} config wanted instead "
                                    f"({group}=NAME)")  # fmt: skip
        selected, _ = _command_line_defenses(overrides)
        rest = [n for n in selected if n not in names]
        if not selected or rest == selected:
            return HydraConfigError(
                f"{start}. The defenses are selected as one list, defense=[NAME,...], and "
                + (f"defense=[{','.join(selected)}] holds none of {', '.join(names)}"
                   if selected else "no defense is selected")
                + f", so there is nothing to delete: drop {shlex.quote(text.strip())}"
            )
        return HydraConfigError(
            f"{start}. The defenses are selected as one list, defense=[{','.join(selected)}]: "
            f"to leave {', '.join(n for n in names if n in selected)} out, select the others "
            f"instead: {shlex.quote(f'defense=[{chr(44).join(rest)}]')}"
        )
    return None

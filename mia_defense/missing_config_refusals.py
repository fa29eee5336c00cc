"""Hydra's refusals of a config, config group or option that is not there, reworded with the
closest names and what to write: a misspelt ``GROUP=NAME`` of a group the defaults list has
no entry of (`unlisted_group_refusal`), a name that is no option of its group
(`no_option_words`; said in the file whose entry chose it: `choice_made_in`,
`override_entry_edit`), a group, plain config or primary config not in the config search path
(`unknown_group_words`), and the options a group has there (`group_options`).
Split out of `mia_defense.defaults_list_refusals` (the command line's edits of the defaults
list, whose `_primary` names what the primary config selects) by job.
`mia_defense.composition_errors`, `mia_defense.cli.entry` (Hydra's missing config) and
`mia_defense.cli.search_space_checks` (a sweep's options) word theirs with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra.errors import ConfigCompositionException

from mia_defense.config_file_refusals import _frame_locals
from mia_defense.defaults_list_refusals import _chosen_by, _primary, _primary_choice
from mia_defense.hydra_failure import HydraConfigError

__all__ = ["no_option_words", "unlisted_group_refusal"]


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

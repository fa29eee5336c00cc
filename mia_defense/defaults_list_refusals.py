"""Hydra's refusals of the command line's edits of the defaults list, reworded with what to
write: a ``~GROUP``, ``~GROUP=NAME``, ``~GROUP@PACKAGE`` or ``~GROUP=`` with nothing to
delete (`group_delete_refusal`), a ``~GROUP=[...]`` (`list_delete_refusal`) and a
``+GROUP=NAME`` of a group already selected or a ``++GROUP=NAME`` (`added_group_refusal`),
each naming what the primary config (the packaged config.yaml, or one's own) selects
(`_primary`, `has_default_entry`).
Split by job: a config, config group or option that is not there (a misspelt ``GROUP=NAME``
of a group the defaults list has no entry of) is `mia_defense.missing_config_refusals`' to
word, a config file of one's own that Hydra cannot compose `mia_defense.config_file_refusals`'.
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

__all__ = ["added_group_problem", "added_group_refusal", "group_delete_refusal",
           "list_delete_refusal"]


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

"""Hydra's refusals of the command line's choices of config groups (its defaults list),
reworded with what to write: a ``~GROUP`` or ``~GROUP=NAME`` with nothing to delete
(`group_delete_refusal`), a ``~GROUP=[...]`` (`list_delete_refusal`) and a ``+GROUP=NAME``
of a group already selected or a ``++GROUP=NAME`` (`added_group_refusal`).
`mia_defense.composition_errors`' `composition_refusal` asks them in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra.errors import ConfigCompositionException

from mia_defense.hydra_failure import HydraConfigError, composed_when_failed, swept_groups
from mia_defense.override_checks import parsed_override

__all__ = ["added_group_refusal", "group_delete_refusal", "list_delete_refusal"]


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
    name = found.group(2)
    if found.group(1) != "defense":
        return _othergroup_delete_refusal(found.group(1), name, overrides, multirun=multirun)
    given = f"~defense={name}" if name is not None else "~defense"
    selected, experiment = _command_line_defenses(overrides)
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
           "no defense is selected (defense=[], the default)" if experiment is None else
           "config.yaml's defaults list selects no defense (defense=[])")  # fmt: skip
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
    group: str, name: str | None, overrides: Sequence[str], *, multirun: bool
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
    listed, default = _primary_choice(group)
    if chosen is not None:
        now = f"{chosen} is selected"
    elif default is not None:
        now = f"{group}={default} is selected (config.yaml's default)"
    else:
        now = f"no {group} is selected ({group}: null in config.yaml)" if listed else (
            f"no {group} is selected (config.yaml's defaults list has none)")
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
        listed = override is not None and _primary_choice(override.key_or_group)[0]
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
    listed, default = _primary_choice(group)
    now = f"{group}={default}, config.yaml's default" if listed and default is not None \
        else f"config.yaml's {group}"  # fmt: skip
    return HydraConfigError(
        f"{added}: '+' adds a second {group} entry to the defaults list, which selects one "
        f"already ({now}); nothing was run. Write {shlex.quote(added.removeprefix('+'))} "
        f"instead (no '+': it replaces the one selected)"
    )


def _primary_choice(group: str) -> tuple[bool, Any]:
    """Whether the packaged config.yaml's defaults list has an entry of ``group``, and its
    choice (``None``: none, or ``null``)."""
    from importlib.resources import files

    import yaml

    primary = yaml.safe_load(files("mia_defense.conf").joinpath("config.yaml").read_text())
    for entry in (primary or {}).get("defaults") or []:
        if isinstance(entry, dict) and group in entry:
            return True, entry[group]
    return False, None


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

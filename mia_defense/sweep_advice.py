"""How to write a sweep whose overrides set a key of a config that not all of its points
select (``-m 'defense=dp,none' defense.dp.target_epsilon=1``): Hydra composes the sweep's
shared config before the points, with the swept group at its default, and refuses the key
there. `sweep_of_unselected_points` words the advice for the guarded config loader's
refusals (`mia_defense.composition_errors`) and the sweep checks (`mia_defense.cli`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["selecting_example", "sweep_of_unselected_points", "sweep_points"]


def sweep_of_unselected_points(
    key: str, overrides: Sequence[str], *, loader: Any = None, plain: bool = False
) -> str | None:
    """How to write a sweep whose ``overrides`` set ``key``, a key of a config of a group
    they sweep (``-m 'defense=dp,none' defense.dp.target_epsilon=1``), or ``None`` where they
    sweep no such group, or every point selects the config and ``key`` is set with ``++``.

    ``plain``: ``key`` was given without ``+``/``++`` and not swept: Hydra composes a sweep's
    shared config
    before its points, with the group at its default, and refused it there (before any run;
    Hydra's issue 2888: expected). With ``++`` each point that does not select the config
    was refused as it came (after the others had trained); with ``+`` each point that does
    was refused by Hydra ("Could not append"). The advice: ``++KEY=V`` where every point
    selects the config; else two sweeps into one folder, the points that select it with
    the setting and the others without it. Never raises: advice only (an error of its own
    would replace Hydra's, or stop a sweep that runs)."""
    from mia_defense.constraints import keys_shown

    try:
        advice = _sweep_advice(key, overrides, loader=loader, plain=plain)
    except Exception:  # (a config file that cannot be read: Hydra names it)
        return None
    # (a long key or value in the sentences cut, the suggested commands whole: the sweep
    # checks print it as it is, and a 100,000-character value was echoed twice)
    return None if advice is None else keys_shown(advice)


def _sweep_advice(
    key: str, overrides: Sequence[str], *, loader: Any, plain: bool
) -> str | None:
    """`sweep_of_unselected_points`, which may raise."""
    import shlex

    from hydra.core.override_parser.overrides_parser import OverridesParser

    from mia_defense.config_keys import configs_holding, packaged_configs, point_selects

    bare = key.lstrip("+~")
    holding = configs_holding(bare)
    if holding is None:
        return None
    group, owners = holding
    parser = OverridesParser.create(config_loader=loader)
    parsed = []
    for text in overrides:
        try:
            parsed.append((str(text), parser.parse_overrides([str(text)])[0]))  # (globs too)
        except Exception:  # (Hydra names a text it cannot parse itself)
            continue
    sweep = next(((text, o) for text, o in parsed if o.key_or_group == group and
                  o.package is None and o.is_sweep_override()), None)  # fmt: skip
    if sweep is None:
        return None
    points = sweep_points(group, sweep[0], loader=loader)
    if points is None:
        return None
    if not all(point_selects(group, point, packaged_configs(group)) or point in ([], "[]")
               for point, _ in points):  # fmt: skip
        return None  # a config of the user's own (its keys are Hydra's to know)
    setting = next((text for text, o in parsed if o.key_or_group == bare and not o.is_delete()),
                   bare)  # fmt: skip
    misspelt = _misspelt_key(group, owners, bare)
    if misspelt is not None:  # (a split would be refused in turn: no config holds the key)
        return f"{setting}: {misspelt}; nothing was run"
    value = setting.partition("=")[2]
    which = f"the defense {next(iter(owners))!r}" if group == "defense" else \
        f"{group}={' or '.join(sorted(owners))}"  # fmt: skip
    selecting = [text for point, text in points if point_selects(group, point, owners)]
    others = [text for point, text in points if not point_selects(group, point, owners)]
    start = (f"{bare}={value} sets a key of {which}, which the sweep's shared config lacks: "
             f"Hydra composes it before the points of {sweep[0]}, with {group} at its "
             "default; nothing was run. ") if plain else ""  # fmt: skip
    if not selecting:  # (the split's first sweep would have no point: 'mia-train -m defense= ...')
        return (f"{start}{'No' if plain else setting + ': no'} point of {sweep[0]} selects "
                f"{which}, so the setting would set nothing{'' if plain else '; nothing was run'}"
                f". Drop it, or select {which} in the points it is for (e.g. "
                f"{selecting_example(group, sorted(owners)[0], [p for p, _ in points])})")
    if not others:
        if setting.startswith("++") or not (plain or setting.startswith("+")):
            return None  # (a swept key, KEY=A,B, is set in each point's config: it works)
        return (f"{start or setting + ': e'}{'E' if start else ''}very point of {sweep[0]} "
                f"selects {which}: write {shlex.quote(f'++{bare}={value}')} "
                "(Hydra's force-add: the key goes into the shared config and each point sets "
                "it)")  # fmt: skip

    long_keys: list[str] = []  # (said as KEY in the commands: `_long_key_said`)
    # (an Optuna search keeps one study a folder: the second search into the first's folder
    # was refused, so each goes into a folder of its own)
    folders = _search_folders(group, parsed) if _is_search(parsed) else None

    def command(points: list[str], *, keep_setting: bool) -> str:
        words = []
        for text, o in parsed:
            if text == sweep[0]:
                text = f"{group}={','.join(points)}"
            elif (holding_of := configs_holding(o.key_or_group)) and holding_of[0] == group:
                if not keep_setting:
                    continue  # a setting of a config these points do not select
                # one point: the shared config selects it; several: only ++ sets it there
                # (a swept key is set in each point's config alone)
                force = "++" if len(points) > 1 and not o.is_sweep_override() else ""
                text = f"{force}{o.key_or_group}={text.partition('=')[2]}"
            elif text.startswith("hydra.mode="):
                continue
            elif text.startswith("hydra.sweep.dir=") and folders is not None:
                continue  # (the search's own folder, added below)
            words.append(shlex.quote(_long_key_said(text, long_keys)))
        if folders is not None:
            words.append(shlex.quote(folders[0 if keep_setting else 1][0]))
        elif not any(text.startswith("hydra.sweep.dir=") for text, _ in parsed):
            words.append(f"hydra.sweep.dir=multirun/{group}")
        return "mia-train -m " + " ".join(words)

    refused = "" if plain else (
        "; nothing was run (those points would be refused as they came, after the "
        "others had trained)" if setting.startswith("++") else
        "; nothing was run")  # fmt: skip
    how = "two sweeps into one folder (mia-report of that folder compares them all)"
    report = ""
    if folders is not None:
        how = ("two searches, each into a folder of its own (a folder holds one Optuna study; "
               "mia-report of both folders compares them all)")  # fmt: skip
        paths = [path for _, path in folders]
        report = ", then mia-report " + " ".join(map(shlex.quote, paths)) if all(paths) else ""
    return (f"{start}{'The' if plain else setting + ': the'} points {group}="
            f"{','.join(others)} of {sweep[0]} do not select {which}, so it cannot be set "
            f"there{refused}. Run the points that select it and the others as {how}: "
            f"{command(selecting, keep_setting=True)}, then "
            f"{command(others, keep_setting=False)}{report}"
            f"{_long_keys_named(long_keys)}")  # fmt: skip


def _is_search(parsed: Sequence[tuple[str, Any]]) -> bool:
    """Whether the overrides ``parsed`` (text, Hydra's parse) start an Optuna search
    (``hparams_search=optuna_custom``, ``hydra/sweeper=optuna``)."""
    return any(o.key_or_group in ("hparams_search", "hydra/sweeper") and not o.is_delete()
               and "optuna" in str(o.value()) for _, o in parsed)  # fmt: skip


def _search_folders(group: str, parsed: Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
    """(the override, the folder's path; '' where it holds an interpolation) of the folder of
    each of the two searches a split runs: the given ``hydra.sweep.dir`` (else
    ``multirun/GROUP``) with ``_with`` (the points that select the config) and ``_without``;
    a folder in Hydra's quotes keeps them around it."""
    text, override = next(((t, o) for t, o in parsed if t.startswith("hydra.sweep.dir=")),
                          (f"hydra.sweep.dir=multirun/{group}", None))  # fmt: skip
    value = text.partition("=")[2]
    path = str(override.value()) if override is not None else value
    quote = value[-1] if len(value) > 1 and value[-1] in "'\"" and value[0] == value[-1] else ""
    folders = []
    for suffix in ("_with", "_without"):
        typed = f"{value[:-1]}{suffix}{quote}" if quote else f"{value}{suffix}"
        folders.append((f"hydra.sweep.dir={typed}", "" if "${" in path else path + suffix))
    return folders


def _misspelt_key(group: str, owners: frozenset[str], key: str) -> str | None:
    """Where ``key`` names a key below the config it selects that none of ``owners`` (the
    packaged configs of ``group`` holding its first name) has, the single run's words for
    it: ``defense.dp has no key 'nosie' (its keys: ...)``, with its 'did you mean'; else
    ``None``. ``-m defense=dp,none defense.dp.nosie=1`` was told to split the sweep, whose
    dp half Hydra then refused. A walk that meets a value, not a mapping (or a config's
    inherited keys, not read here), gives ``None``: Hydra's to judge."""
    from mia_defense.config_keys import packaged_setting
    from mia_defense.errors import closest_few

    parts = key.split(".")[1:]  # (defense.dp.x: dp's entry 'dp' holds x)
    missing = []
    for owner in sorted(owners):
        node: Any = packaged_setting(group, owner, [])
        for at, name in enumerate(parts):
            if not isinstance(node, Mapping):
                return None
            if name not in node:
                missing.append((".".join([group, *parts[:at]]), name, node))
                break
            node = node[name]
        else:
            return None  # (an owner has it)
    where, name, node = missing[0]
    keys = [str(k) for k in node if not str(k).startswith("_")]
    close = closest_few(name, keys, prefixes=True)
    meant = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    return f"{where} has no key {name!r}{meant} (its keys: {', '.join(keys)})"


def _long_key_said(text: str, long_keys: list[str]) -> str:
    """The override ``text`` for a suggested command, its key said as ``KEY`` (``KEY2``,
    ...) where longer than `constraints.KEY_LIMIT`, the key added to ``long_keys``: a
    refusal clips such a key (`constraints.keys_shown`), and the command printed with
    ``defense.dp.xxx… (111 characters)=1`` in it looked runnable but set another key."""
    from mia_defense.constraints import KEY_LIMIT

    key = text.partition("=")[0].lstrip("+~")
    if len(key) <= KEY_LIMIT:
        return text
    if key not in long_keys:
        long_keys.append(key)
    at = long_keys.index(key)
    return text.replace(key, f"KEY{at + 1 if at else ''}", 1)


def _long_keys_named(long_keys: list[str]) -> str:
    """What the suggested commands' ``KEY`` stands for (`_long_key_said`); ``''``: none."""
    if not long_keys:
        return ""
    named = "; ".join(f"for KEY{i + 1 if i else ''} the key you typed, {key}"
                      for i, key in enumerate(long_keys))
    return f" (write {named})"


def selecting_example(group: str, owner: str, points: Sequence[Any]) -> str:
    """The sweep of ``group`` whose points each select ``owner`` (a defense added to each
    point's list: ``'defense=[dp],[dp,label_smoothing]'``; another group: ``model=mlp``)."""
    import shlex

    if group != "defense":
        return f"{group}={owner}"
    lists = []
    for point in points:
        names = [str(n) for n in (point if isinstance(point, list) else [point])]
        lists.append(f"[{','.join([owner, *(n for n in names if n not in ('none', owner))])}]")
    return shlex.quote(f"defense={','.join(dict.fromkeys(lists))}")


def _packaged_glob(group: str, value: Any) -> list[tuple[str, str]] | None:
    """``(point, text)`` of each packaged config of ``group`` that the glob ``value``
    (``defense=glob(*)``) selects; ``None`` where ``value`` is no glob."""
    from hydra.core.override_parser.types import Glob

    from mia_defense.config_keys import packaged_configs

    if not isinstance(value, Glob):
        return None
    return [(name, name) for name in value.filter(sorted(packaged_configs(group)))]


def sweep_points(group: str, sweep: str, *, loader: Any = None) -> list[tuple[Any, str]] | None:
    """``(value, text)`` of each point of the sweep override ``sweep`` of ``group``
    (``defense=dp,none``: ``("dp", "dp"), ("none", "none")``; a glob over the packaged
    configs); ``None`` where they cannot be enumerated here (an interval)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        override = OverridesParser.create(config_loader=loader).parse_overrides([sweep])[0]
    except Exception:  # (Hydra names a text it cannot parse itself)
        return None
    try:
        return list(zip(override.sweep_iterator(), override.sweep_string_iterator(),
                        strict=True))  # fmt: skip
    except Exception:  # a glob without a loader: over the packaged configs; else (an
        return _packaged_glob(group, override.value())  # interval) not enumerable here

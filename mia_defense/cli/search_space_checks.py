"""Checks of a sweep's search space and swept values before Hydra starts it
(`mia_defense.cli.train.RunDirCheck`, as a multirun starts): the keys and config-group options
``hydra.sweeper.params`` and the command line's sweeps name, and what Hydra's sweep grammar
reads from them (an interval in a grid, a reversed or float range on an integer key, a search
space of one point). Hydra's sweepers find these only at the first trial, after the sweep made
its folder, or never. Split out of `mia_defense.cli.sweep_checks` (a module of one job each);
`mia_defense.cli.search_checks` builds on its reading of a sweep's values (`_sweep_values`).
Each refusal logs one line (as the sweep checks') and exits 2; nothing has run yet."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from omegaconf import DictConfig, OmegaConf

from mia_defense.cli.entry import end_refused
from mia_defense.cli.run_dirs import task_overrides
from mia_defense.cli.sweep_checks import override_keys, sweep_size
from mia_defense.constraints import key_shown as _key_shown
from mia_defense.constraints import keys_shown as _keys_shown
from mia_defense.errors import closest
from mia_defense.hydra_setup import plugin_is
from mia_defense.override_checks import parsed_override

__all__ = [
    "refuse_float_ranges_on_integer_keys",
    "refuse_interval_without_search",
    "refuse_reversed_search_ranges",
    "refuse_unknown_group_options",
    "refuse_unknown_search_keys",
    "refuse_unreadable_search_values",
    "require_search_space",
    "warn_inclusive_search_ranges",
    "warn_searched_seed",
]

log = logging.getLogger("mia_defense.cli.sweep_checks")  # (its lines read as the sweep checks')


def require_search_space(config: DictConfig) -> None:
    """An Optuna search needs something to search: without ``hydra.sweeper.params`` nor a
    range on the command line it would run the same run ``n_trials`` times."""
    if plugin_is(config.hydra.sweeper, "optuna") and not override_keys(config):
        end_refused(
            log, "hydra.sweeper.params is empty: the Optuna search has nothing to search; name "
            "the knobs, e.g. '+hydra.sweeper.params={train.lr: \"tag(log, interval(1e-4, "
            "1e-1))\"}', or start from hparams_search=optuna_tradeoff"
        )
    if plugin_is(config.hydra.sweeper, "optuna"):
        _refuse_space_fixed_on_the_command_line(config)


def _refuse_space_fixed_on_the_command_line(config: DictConfig) -> None:
    """A key of the search space also given one value on the command line (``train.epochs=1``
    beside ``hydra.sweeper.params={train.epochs: ...}``) is taken out of the search by the
    Optuna sweeper, unsaid: where that left no key, every trial ran the same run (the first
    trained, the rest skipped as finished) and optimization_results.yaml listed it n_trials
    times as the Pareto front. Refused where no key is left; warned where some are."""
    fixed: dict[str, str] = {}
    for text in task_overrides(config):
        override = parsed_override(str(text))
        if override is None:  # (Hydra's to say)
            continue
        if not override.is_sweep_override() and not override.is_delete():
            fixed.setdefault(override.key_or_group.lstrip("+"), text)
    params = [str(key).lstrip("+~") for key in config.hydra.sweeper.get("params") or {}]
    taken = [key for key in params if key in fixed]
    given = ", ".join(fixed[key] for key in taken)
    if taken and set(override_keys(config)) <= set(taken):
        end_refused(log, "hydra.sweeper.params: every key of the search space is given "
                    "one value on the command line (%s), which takes it out of the search: the "
                    "Optuna search would run the same run hydra.sweeper.n_trials times; nothing "
                    "was run. Drop %s from the command line, or search another key", given,
                    given)  # fmt: skip
    _refuse_one_point_space(config, fixed)
    if not taken:
        return
    log.warning("%s on the command line takes %s out of the Optuna search space "
                "(hydra.sweeper.params): it is not searched; drop it to search it", given,
                ", ".join(taken))  # fmt: skip


def _refuse_one_point_space(config: DictConfig, fixed: dict[str, str]) -> None:
    """A search space each of whose keys has one value (``train.lr: "0.01"`` in
    ``hydra.sweeper.params``, ``choice(3)``, ``range(0.01, 0.1)``: its step of 1 leaves 0.01
    alone): every trial ran the same run, as where the command line fixes every key. One
    trial (``hydra.sweeper.n_trials=1``) runs it once: left alone."""
    trials = config.hydra.sweeper.get("n_trials")
    if not (type(trials) is int and trials > 1):
        return
    params = config.hydra.sweeper.get("params") or {}
    texts = [(f"{key}: {value}", f"{key}={value}") for key, value in params.items()]
    texts += [(text, text) for text in task_overrides(config)]
    single: list[str] = []
    for said, text in texts:
        override = parsed_override(text)
        if override is None:
            return  # (Hydra's to say)
        try:
            key = override.key_or_group.lstrip("+~")
            if key in fixed:
                if text != fixed[key]:  # (a key of the space the command line fixes)
                    single.append(f"{fixed[key]} on the command line")
                continue
            size = _search_size(override) if override.is_sweep_override() else 1
        except Exception:
            return  # (Hydra's to say)
        if size != 1:
            return  # (an interval, a glob, or several values: something is searched)
        single.append(said)
    if single:
        end_refused(log, "hydra.sweeper.params: every key of the search space has one "
                    "value (%s): the Optuna search would run the same run "
                    "hydra.sweeper.n_trials times; nothing was run. Give a key values to search "
                    "(interval(0.01, 0.1), int(interval(1, 5)), choice(a, b)), or run it once "
                    "without -m", "; ".join(dict.fromkeys(single)))  # fmt: skip


def refuse_unknown_search_keys(config: DictConfig) -> None:
    """Refuse a key of ``hydra.sweeper.params`` that the config does not have
    (``'+hydra.sweeper.params={train.lrr: "interval(0.01, 0.1)"}'``): the Optuna search
    started, made its sweep folder and stopped at its first trial on Hydra's "Could not
    override 'train.lrr'", naming no search space and no key to use. Keys added (``+``),
    deleted (``~``), config groups, and keys under a group or key the sweep also sets
    (``defense: choice(dp)`` beside ``defense.dp.noise_multiplier``) are left to Hydra."""
    from mia_defense.config_keys import unselected_config_hint

    params = config.hydra.sweeper.get("params") or {}
    searched = {str(key).lstrip("+~") for key in params} | set(override_keys(config))
    groups = set(map(str, config.hydra.runtime.get("choices") or {}))
    for key in map(str, params):
        if key.startswith(("+", "~")) or "/" in key or key in groups:
            continue  # added, deleted, or a config group (defense: choice(none, dp))
        parts = key.split(".")
        if any(".".join(parts[:i]) in searched for i in range(1, len(parts))):
            continue  # under a group or key the sweep chooses: there in the trials
        unknown = _unknown_key(config, parts)
        unselected = unselected_config_hint(key) if unknown is not None else None
        shown = _key_shown(key)  # (a key of 300 characters was said twice whole)
        if unselected is not None:  # (defense.dp.* without defense=dp: no key to add)
            end_refused(log, "hydra.sweeper.params: %s is no key of the config: %s; "
                        "nothing was run", shown, _keys_shown(unselected))  # fmt: skip
        if unknown is not None:
            add = f"+{key} to add one" if shown == key else "a '+' before a key adds it"
            end_refused(log, "hydra.sweeper.params: %s is no key of the config (%s); "
                        "nothing was run. Name an existing key (mia-train --cfg job shows them), "
                        "or %s", shown, _keys_shown(unknown), add)  # fmt: skip


def refuse_unknown_group_options(config: DictConfig) -> None:
    """Refuse a sweep or search over a config group that names an option the group lacks
    (``'+hydra.sweeper.params={defense: "choice(none, dpp)"}'``, ``defense=choice(none,dpp)``,
    ``-m defense=none,dpp``): the sweep made its folder (the basic sweeper its
    multirun.yaml) and stopped at its first trial on Hydra's "Could not find 'defense/dpp'".
    Options are those Hydra's config search path holds (a ``--config-dir`` of one's own
    included); globs, ranges and options in a sub-folder are left to Hydra."""
    from hydra.core.override_parser.types import ChoiceSweep

    from mia_defense.missing_config_refusals import no_option_words

    for said, text in _sweep_texts(config):
        override = parsed_override(text)
        if override is None:  # (a text Hydra parses otherwise: Hydra's to say)
            continue
        try:
            group = override.key_or_group.lstrip("+")
            if "." in group or override.package is not None or override.is_delete():
                continue  # (a key, not a group; or a group put elsewhere)
            value = override.value()
        except Exception:  # (a text Hydra parses otherwise: Hydra's to say)
            continue
        # only a choice's points: listing a range's (seed=range(0,1000000000)) filled the
        # memory before the sweep's size was refused; globs and ranges are left to Hydra
        points = value.list if isinstance(value, ChoiceSweep) else [value]
        names = [n for p in points for n in (p if isinstance(p, list | tuple) else [p])]
        if not all(isinstance(name, str) for name in names):
            continue
        options = _group_options(config, group)  # (none: no group, e.g. seed=1,2)
        unknown = [n for n in dict.fromkeys(names) if "/" not in n and n not in options]
        if not options or not unknown:
            continue
        # '+' where the sweep wrote it, or the primary config's defaults list has no entry
        # of the group (experiment), as a single run's refusal says
        plus = "+" if override.key_or_group.startswith("+") or not (
            group.startswith("hydra") or _has_default_entry(config, group)) else ""  # fmt: skip
        end_refused(log, "%s: %s", said, no_option_words(group, unknown, sorted(options),
                                                         plus=plus))  # fmt: skip


def _sweep_texts(config: DictConfig) -> list[tuple[str, str]]:
    """(as said, as an override text) of each entry of ``hydra.sweeper.params`` given as
    text, then of each override of the command line."""
    params = config.hydra.sweeper.get("params") or {}
    texts = [(f"hydra.sweeper.params: {key}: {value}", f"{key}={value}")
             for key, value in params.items() if isinstance(value, str)]  # fmt: skip
    return texts + [(text, text) for text in task_overrides(config)]


def _sweep_values(config: DictConfig) -> Iterator[tuple[str, str, str, Any]]:
    """(as said, as text, key, parsed sweep) of each sweep of ``hydra.sweeper.params`` and
    of the command line, on a config key (not a group put elsewhere); what Hydra parses
    otherwise is left to it."""
    for said, text in _sweep_texts(config):
        override = parsed_override(text)
        if override is None:  # (a text Hydra parses otherwise: Hydra's to say)
            continue
        try:
            key = override.key_or_group.lstrip("+")
            value = override.value() if override.is_sweep_override() else None
        except Exception:  # (a text Hydra parses otherwise: Hydra's to say)
            continue
        if value is not None and override.package is None and "/" not in key:
            yield said, text, key, value


def refuse_float_ranges_on_integer_keys(config: DictConfig) -> None:
    """Refuse a search or sweep that draws floats for a key taking integers only
    (`mia_defense.config_tables.integer_key`): ``'+hydra.sweeper.params={train.epochs: "interval(1,
    3)"}'`` (Optuna draws a float from an interval of integers unless it is cast: 2.0976...),
    or ``range(1, 3, 0.5)``: every trial was refused (``train.epochs=2.0976270078546495: must
    be an integer >= 1``) after the sweep made its folder and one per trial. Keys Hydra
    cannot parse or that the config lacks are left to their own checks."""
    from hydra.core.override_parser.types import IntervalSweep, RangeSweep

    for said, text, key, value in _sweep_values(config):
        if isinstance(value, IntervalSweep):
            floats = not (isinstance(value.start, int) and isinstance(value.end, int))
            fix = re.sub(r"interval\(([^()]*)\)", r"int(interval(\1))",
                         text.split("=", 1)[1])
            draws = f"an interval draws floats unless cast; write {key}: {fix}"
        elif isinstance(value, RangeSweep):
            floats = any(isinstance(v, float) for v in (value.start, value.stop, value.step))
            draws = "a range with a float bound or step gives floats; give it integers"
        else:
            continue
        if not floats:
            continue
        from mia_defense.config_tables import integer_key  # (torch: only for a float range)

        if not integer_key(config, key):
            continue
        end_refused(log, "%s: %s takes integers only and every trial would be refused "
                    "(%s); nothing was run", said, key, draws)  # fmt: skip


def refuse_unreadable_search_values(config: DictConfig) -> None:
    """A value of ``hydra.sweeper.params`` Hydra cannot read (``choice()``, ``interval(0.1``)
    failed in the first check that parsed it, whose error was put on ``hydra.sweep.dir``
    ('hydra.sweep.dir=...: cannot be checked (HydraException: ...). Point hydra.sweep.dir at
    a new or empty directory'): it names the search-space entry now. (The command line's own
    sweeps Hydra reads, and refuses, before any check.)"""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    for key, value in (config.hydra.sweeper.get("params") or {}).items():
        try:
            override = parser.parse_override(f"{key}={value}")
            if override.is_sweep_override():
                override.value()
        except Exception as exc:
            said = " ".join(str(exc).split()) or type(exc).__name__
            end_refused(log, "hydra.sweeper.params: %s: %s: Hydra cannot read it (%s); "
                        "nothing was run. Write it in Hydra's sweep grammar, e.g. "
                        "interval(0.01, 0.1), int(interval(1, 5)), choice(a, b), range(1, 5)",
                        key, value, said)  # fmt: skip


def refuse_interval_without_search(config: DictConfig) -> None:
    """An interval in a grid sweep (``mia-train -m 'train.lr=interval(0.01,0.1)'``, or in
    ``hydra.sweeper.params`` without ``hparams_search``): Hydra's basic sweeper stopped with
    its traceback ('BasicSweeper does not support sweep type : INTERVAL_SWEEP'). Only a
    search draws from an interval."""
    from hydra.core.override_parser.types import IntervalSweep

    if not plugin_is(config.hydra.sweeper, "basic"):
        return
    for said, _, key, value in _sweep_values(config):
        if isinstance(value, IntervalSweep):
            end_refused(log, "%s: an interval is drawn from by a search, and this is a "
                        "grid sweep (Hydra's basic sweeper takes lists and ranges); nothing was "
                        "run. Search it with hparams_search=optuna_custom (or optuna_tradeoff), "
                        "or give the values to run (e.g. %s=%s,%s)", said, key, value.start,
                        value.end)  # fmt: skip


def warn_inclusive_search_ranges(config: DictConfig) -> None:
    """Warn of a ``range`` in an Optuna search that reaches its stop: the Optuna sweeper makes
    it an Optuna range, which includes its stop (``train.epochs: range(1, 3)`` draws 3),
    where the same range in a grid sweep, Hydra's, stops before it (1, 2)."""
    from hydra.core.override_parser.types import RangeSweep

    if not plugin_is(config.hydra.sweeper, "optuna"):
        return
    for said, _, key, value in _sweep_values(config):
        if not isinstance(value, RangeSweep) or value.shuffle:
            continue
        steps = _range_steps(value)
        if steps is not None and steps > 0 and steps.denominator == 1:
            log.warning("%s: an Optuna search draws %s=%s too (its ranges include their stop; "
                        "a grid sweep's range stops before it); end the range one step "
                        "earlier to leave it out", said, key, value.stop)  # fmt: skip


def refuse_reversed_search_ranges(config: DictConfig) -> None:
    """Refuse an Optuna interval or range whose ends are reversed (``interval(0.1, 0.01)``,
    ``range(5, 1)``, ``int(interval(5, 1))``) or a range whose step is not above 0
    (``range(5, 1, -1)``, which a grid sweep runs): Optuna has no values to draw there, and
    the search stopped with its traceback ('The `low` value must be smaller than or equal to
    the `high` value'), naming no key. So is an end that is no finite number
    (``interval(0.1, inf)``: numpy's 'OverflowError: Range exceeds valid bounds'; ``nan``
    was said to be above the other end)."""
    from hydra.core.override_parser.types import IntervalSweep, RangeSweep

    if not plugin_is(config.hydra.sweeper, "optuna"):
        return
    for said, _, key, value in _sweep_values(config):
        if isinstance(value, IntervalSweep):
            low, high, step, ends = value.start, value.end, 1, ("lower end", "upper end")
        elif isinstance(value, RangeSweep) and not value.shuffle:
            low, high, step, ends = value.start, value.stop, value.step, ("start", "stop")
        else:
            continue
        if not all(isinstance(v, int | float) for v in (low, high, step)):
            continue
        if not all(math.isfinite(v) for v in (low, high, step)):  # (inf: numpy's OverflowError)
            end_refused(log, "%s: its ends must be finite numbers: Optuna has no value of %s "
                        "to draw between %s and %s; nothing was run. Give two numbers, e.g. "
                        "interval(0.01, 0.1)", said, key, low, high)  # fmt: skip
        if low <= high and step > 0:
            continue
        first, last = min(low, high), max(low, high)
        if isinstance(value, IntervalSweep):
            fix = f"interval({first}, {last})"
        else:
            fix = f"range({first}, {last}{'' if abs(step) in (0, 1) else f', {abs(step)}'})"
        why = (f"its step ({step}) is not above 0 (an Optuna search draws a range upward)"
               if low <= high else f"its {ends[0]} ({low}) is above its {ends[1]} ({high})")
        end_refused(log, "%s: %s: Optuna has no value of %s to draw; nothing was run. "
                    "Give the lower end first (and a range a step above 0), e.g. %s",
                    said, why, key, fix)  # fmt: skip


def _range_steps(value: Any) -> Fraction | None:
    """``(stop - start) / step`` of a range sweep, exact; ``None`` for another sweep, a step
    of 0, or bounds a fraction cannot hold (inf, nan)."""
    from hydra.core.override_parser.types import RangeSweep

    if not isinstance(value, RangeSweep) or not value.step:
        return None
    try:
        return (Fraction(value.stop) - Fraction(value.start)) / Fraction(value.step)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None


def _search_size(override: Any) -> int | None:
    """`sweep_size` as an Optuna search draws: a range it makes an Optuna range (not
    shuffled) includes its stop (``range(0, 1)``: 0 and 1, where a grid sweep has 0 alone,
    and the search was refused as one point)."""
    value = override.value()
    steps = _range_steps(value)
    if steps is None or value.shuffle or steps < 0:
        return sweep_size(override)
    return math.floor(steps) + 1


def _group_options(config: DictConfig, group: str) -> set[str]:
    """The options of config group ``group`` on the run's config search path
    (``hydra.runtime.config_sources``: the packaged configs, a ``--config-dir`` and
    ``hydra.searchpath`` of one's own, plugins' configs); empty where none can be listed.
    (Hydra's global loader misses a ``hydra.searchpath`` given on the command line.)"""
    from mia_defense.missing_config_refusals import group_options

    try:
        return set(group_options(_repository(config), group))
    except Exception:  # (a source Hydra cannot read here: left to Hydra)
        return set()


def _has_default_entry(config: DictConfig, group: str) -> bool:
    """Whether the primary config (``hydra.job.config_name`` on the run's config search
    path) has an entry of ``group`` in its defaults list, so that ``group=NAME`` selects
    (``defense: []`` has, though no choice of it is in ``hydra.runtime.choices``); ``True``
    where it cannot be read (advice only)."""
    try:
        loaded = _repository(config).load_config(str(config.hydra.job.config_name))
        entries = loaded.defaults_list or []
    except Exception:  # (advice only)
        return True
    return any(getattr(entry, "group", None) == group and not entry.is_override()
               for entry in entries)  # fmt: skip


def _repository(config: DictConfig) -> Any:
    """Hydra's config repository of the run's config search path
    (``hydra.runtime.config_sources``)."""
    from hydra._internal.config_repository import ConfigRepository
    from hydra._internal.config_search_path_impl import ConfigSearchPathImpl

    search_path = ConfigSearchPathImpl()
    for source in config.hydra.runtime.config_sources:
        search_path.append(provider=str(source.provider),
                           path=f"{source.schema}://{source.path}")  # fmt: skip
    return ConfigRepository(config_search_path=search_path)


def _unknown_key(config: DictConfig, parts: list[str]) -> str | None:
    """Where the dotted key ``parts`` leaves ``config``: a hint naming the closest key (or
    the keys there), or ``None`` for a key it has or one Hydra would take (under a node that
    is not in struct mode, a list or a value: Hydra says what is wrong there)."""
    node: Any = config
    try:
        for depth, part in enumerate(parts):
            if not isinstance(node, DictConfig) or not OmegaConf.is_struct(node):
                return None
            keys = [str(k) for k in node.keys()]
            if part not in keys:
                close = closest(part, keys)
                if close:
                    return f"did you mean {'.'.join([*parts[:depth], close])}?"
                where = ".".join(parts[:depth]) or "the config"
                return f"{where} has {', '.join(keys) or 'no keys'}"
            node = node._get_node(part)
    except Exception:  # (a node that does not resolve here: left to Hydra)
        return None
    return None


def warn_searched_seed(config: DictConfig) -> None:
    """Warn of an Optuna search over a seed (``seed``, ``dataset.seed``, an attack's
    ``seed``): the search then ranks runs that differ only by chance, and its best trials
    (optimization_results.yaml) are the luckiest draws of the data, models or attack, not a
    better setting. Seeds are for repeating each point (a grid ``-m seed=0,1,2``, which
    mia-report averages in one row)."""
    if not plugin_is(config.hydra.sweeper, "optuna"):
        return
    seeds = [key for key in override_keys(config) if key.split(".")[-1] == "seed"]
    if seeds:
        log.warning("%s in the Optuna search space: trials that differ in a seed differ by "
                    "chance, so the search's best trials (optimization_results.yaml) are the "
                    "luckiest draws, not better settings; search the settings with one seed, "
                    "and repeat the points you keep over seeds with a grid (mia-train -m "
                    "seed=0,1,2 ...; mia-report averages them in one row)", ", ".join(seeds))

"""Checks of a sweep's settings before Hydra starts it (`mia_defense.cli.train.RunDirCheck`):
what the sweeper and launcher plugins check late or not at all, and single runs given a
sweep's settings. Each refusal logs one line and exits 2; nothing has run yet. The values an
Optuna search may draw are checked by `mia_defense.cli.search_checks`, built on this
module's reading of a sweep's values (`_sweep_values`)."""

from __future__ import annotations

import functools
import logging
import math
import os
import re
from collections.abc import Collection, Iterator
from fractions import Fraction
from typing import Any

import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from mia_defense.cli.entry import end_refused
from mia_defense.cli.run_dirs import SAFE_SUBDIR, task_overrides
from mia_defense.constraints import key_shown as _key_shown
from mia_defense.constraints import keys_shown as _keys_shown
from mia_defense.constraints import shown_path, typed_path
from mia_defense.errors import closest
from mia_defense.hydra_setup import plugin_is
from mia_defense.override_checks import parsed_override

__all__ = [
    "attack_settings",
    "check_objectives",
    "check_parallel_settings",
    "defense_targets",
    "dp_accountants",
    "job_trial",
    "major_minor",
    "override_keys",
    "refuse_empty_sweep",
    "refuse_float_ranges_on_integer_keys",
    "refuse_huge_sweep",
    "refuse_interval_without_search",
    "refuse_number_in_two_forms",
    "refuse_one_folder_for_all",
    "refuse_other_modes_folder",
    "refuse_repeated_defenses",
    "refuse_repeated_sweep_keys",
    "refuse_reversed_search_ranges",
    "refuse_shared_run_dirs",
    "refuse_stacked_release",
    "refuse_sweep_settings_in_a_run",
    "refuse_unknown_group_options",
    "refuse_unknown_plugin_keys",
    "refuse_unknown_search_keys",
    "refuse_unreadable_search_values",
    "refuse_unselected_settings",
    "release_randomized",
    "require_search_space",
    "require_slurm",
    "require_usable_storage",
    "sweep_size",
    "task_overrides",
    "warn_inclusive_search_ranges",
    "warn_searched_seed",
    "warn_unseeded_search",
]

log = logging.getLogger(__name__)


def override_keys(config: DictConfig, *, sweeps_only: bool = True) -> list[str]:
    """The config keys a multirun sweeps (``hydra.sweeper.params`` and the command line's
    sweep overrides such as ``defense=[],[dp]``), or with ``sweeps_only=False`` every key
    the command line sets (a single run)."""
    keys = [str(key).lstrip("+~") for key in config.hydra.sweeper.get("params") or {}]
    keys = keys if sweeps_only else []
    for text in task_overrides(config):
        override = parsed_override(str(text))
        if override is None:  # Hydra has parsed them before; nothing to add
            continue
        if not sweeps_only or override.is_sweep_override():
            keys.append(override.key_or_group)
    return list(dict.fromkeys(keys))


def job_trial(hydra: DictConfig, sweep: DictConfig | None) -> str:
    """What tells a job's run from the other runs of its sweep, where its Trial ID in
    TensorBoard begins (`mia_defense.tracking.hparams.trial_name`): the job's overrides
    (``hydra``: its Hydra config, ``HydraConfig.get()``) of the keys the sweep varies
    (`override_keys` of ``sweep``, the sweep's config; ``None`` where the job runs in a
    process of its own: the multirun.yaml mia-train writes as any sweep starts, an Optuna
    search's too, else the search space ``hydra.sweeper.params``, which lacks the ranges given
    on the command line), as ``train.lr=0.01,defense=[dp]``; of a single run, those it
    sets on the command line but of keys that change nothing it computes
    (``hydra.job.config.override_dirname.exclude_keys``: ``progress``...)."""
    from hydra.types import RunMode

    texts = OmegaConf.to_container(hydra.overrides.task, resolve=False)
    if not texts:
        return ""
    swept = hydra.mode == RunMode.MULTIRUN
    if swept:  # the swept keys are kept
        keys = set(override_keys(sweep if sweep is not None else _sweep_record(hydra)))
    else:  # the neutral keys are left out
        keys = set(OmegaConf.select(hydra, "job.config.override_dirname.exclude_keys") or [])
    items = []
    for text in map(str, texts):
        override = parsed_override(text)
        if override is None:  # (Hydra parsed them before: none)
            continue
        if (override.key_or_group in keys) == swept:
            items.append(text)
    return ",".join(items)


def _sweep_record(hydra: DictConfig) -> DictConfig:
    """The sweep's config as recorded in the sweep directory (multirun.yaml: mia-train writes
    it as any sweep starts, `keep_earlier_sweep_records`), or, where the job cannot read it
    (a folder not shared with the job's host), the job's own search space."""
    path = os.path.join(hydra.runtime.cwd, str(hydra.sweep.dir), "multirun.yaml")
    try:
        record = OmegaConf.load(path)
        if isinstance(record, DictConfig) and "hydra" in record:
            return record
    except (OSError, ValueError, OmegaConfBaseException, yaml.YAMLError) as exc:
        log.debug("%s: cannot be read (%s)", shown_path(path), exc)
    params = OmegaConf.to_container(hydra.sweeper.get("params") or {}, resolve=False)
    return OmegaConf.create({"hydra": {"sweeper": {"params": params},
                                       "overrides": {"task": []}}})  # fmt: skip


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

    from mia_defense.defaults_list_refusals import no_option_words

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
    (`mia_defense.config.integer_key`): ``'+hydra.sweeper.params={train.epochs: "interval(1,
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
        from mia_defense.config import integer_key  # (torch: only for a float range)

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
    from mia_defense.defaults_list_refusals import group_options

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


def refuse_unknown_plugin_keys(config: DictConfig) -> None:
    """Refuse a key of ``hydra.launcher`` or ``hydra.sweeper`` that the selected plugin's
    config does not have: ``+hydra.launcher.n_jobs=2`` without ``launcher=joblib`` (the
    basic launcher has no settings) was added and never read, and the runs ran one by one."""
    from hydra.core.config_store import ConfigStore

    choices = config.hydra.runtime.get("choices") or {}
    for part in ("launcher", "sweeper"):
        choice = choices.get(f"hydra/{part}")
        try:
            known = set(ConfigStore.instance().load(f"hydra/{part}/{choice}.yaml").node)
        except Exception:  # a plugin's config of another kind: left to the plugin
            continue
        for key in map(str, config.hydra[part]):
            if key in known:
                continue
            close = closest(key, sorted(known - {"_target_", "defaults"}))
            others = "launcher=joblib, launcher=submitit_local, ..." if part == "launcher" \
                else "hparams_search=optuna_tradeoff"  # fmt: skip
            hint = (f"Did you mean hydra.{part}.{close}?" if close else
                    f"Select the {part} that has it ({others}) or leave it out")  # fmt: skip
            end_refused(log, "hydra.%s.%s: the %s %s (hydra/%s=%s) has no such setting, "
                        "so it would never be read; nothing was run. %s", part, key, choice,
                        part, part, choice, hint)  # fmt: skip


_DIRECTIONS = ("maximize", "minimize")


def check_parallel_settings(config: DictConfig) -> None:
    """The Optuna sweeper's and the joblib launcher's counts and directions, which they
    check late or not at all: a direction per objective (one too few failed every trial,
    then the sweep with "No trials are completed yet"), ``n_trials`` and ``n_jobs`` >= 1
    (``n_jobs=0``: a ZeroDivisionError), joblib's ``n_jobs`` not 0 and no thread settings."""
    sweeper, launcher = config.hydra.sweeper, config.hydra.launcher
    problems = []
    if plugin_is(sweeper, "optuna"):
        for key in ("n_trials", "n_jobs"):
            value = sweeper.get(key)
            if not (type(value) is int and value >= 1):
                problems.append(f"hydra.sweeper.{key}={value!r}: must be a whole number >= 1")
        direction = sweeper.get("direction")
        if isinstance(direction, ListConfig):
            direction = OmegaConf.to_container(direction)
        directions = direction if isinstance(direction, list) else [direction]
        objectives = config.get("objectives") or ["the default objective"]
        # (a string, objectives=utility.test_accuracy, is no list: check_config names it;
        # counted, it was 21 objectives, one a letter)
        miscounted = isinstance(objectives, ListConfig | list) and len(directions) != len(
            objectives)  # fmt: skip
        if any(d not in _DIRECTIONS for d in directions) or miscounted:
            problems.append(
                f"hydra.sweeper.direction={direction!r}: one of {'/'.join(_DIRECTIONS)} per "
                f"objective ({len(objectives)}: {', '.join(map(str, objectives))})"
            )
        problems += _tpe_startup_problems(sweeper, len(directions))
    if plugin_is(launcher, "joblib"):
        n_jobs = launcher.get("n_jobs")
        if not (type(n_jobs) is int and n_jobs != 0):
            problems.append(f"hydra.launcher.n_jobs={n_jobs!r}: a number of processes, not 0 "
                            "(-1: one per core)")  # fmt: skip
        # the plugin sets backend=loky itself: threads were never run (require=sharedmem: a
        # traceback once the sweep had started)
        for key, kept in (("backend", (None, "loky")), ("prefer", ("processes",)),
                          ("require", (None,))):  # fmt: skip
            if launcher.get(key) not in kept:
                problems.append(f"hydra.launcher.{key}={launcher.get(key)!r}: the joblib "
                                "launcher runs each job in a process of its own (loky), never "
                                "in threads; leave it out")  # fmt: skip
    if problems:
        end_refused(log, "%s; nothing was run", "; ".join(problems))


# Objectives whose better side is plain: accuracy up, leakage, ε and the gap down.
_MAXIMIZED = frozenset(f"utility.{key}" for key in (
    "train_accuracy", "test_accuracy", "test_accuracy_median", "test_accuracy_before_release"))
_MINIMIZED_SECTIONS = ("max_attack.",)
_MINIMIZED = frozenset({"privacy.epsilon", "privacy.empirical_epsilon",
                        "utility.generalization_gap"})  # fmt: skip


def check_objectives(config: DictConfig) -> None:
    """The ``objectives`` a sweep returns, judged before it starts: a name results.json does
    not hold (``utility.test_acc``, ``max_attack.tpr@5%fpr`` with the default attack.fprs)
    was refused by every trial in turn, each in a folder of its own, and the search ended
    with no result (`mia_defense.report.objectives.check_objective_names`, the check each
    trial makes). And an Optuna direction against an objective's better side (``minimize``
    for utility.test_accuracy: the search's Pareto front, its optimization_results.yaml, is
    then that of the least accurate models) is warned of; maximising a leak can be meant (an
    attacker's search), so it is not refused. Skipped where the sweep varies objectives or
    attack.fprs."""
    names = config.get("objectives")
    swept = set(override_keys(config))
    if swept & {"objectives", "attack.fprs", "attack"}:
        return
    if names is not None and not isinstance(names, ListConfig):
        # (a string, objectives=utility.test_accuracy, was read letter by letter: each trial
        # was refused for its 'i' listed twice)
        from mia_defense.config import TOP  # (torch: only for this refusal)

        listed = f" (objectives=[{names}])" if isinstance(names, str) else ""
        end_refused(log, "%s%s; nothing was run", TOP["objectives"].problem("objectives", names),
                    listed)  # fmt: skip
    if names is None:  # (a search of the default objective, maximised, was not warned of)
        _warn_against_better_side(config, [_DEFAULT_OBJECTIVE])
    if not isinstance(names, ListConfig):
        return
    names = [str(name) for name in names]
    from mia_defense.errors import ConfigError
    from mia_defense.report.objectives import check_objective_names

    fprs = OmegaConf.select(config, "attack.fprs", default=None)
    privacy = any(n.startswith("privacy.") for n in names)
    try:
        check_objective_names(names, fprs=sorted(float(f) for f in fprs) if isinstance(
            fprs, ListConfig) else None, defenses=defense_targets(config, swept),
            dp_accountants=dp_accountants(config, swept) if privacy else None,
            randomized_release=release_randomized(config, swept) if privacy else None,
            bootstrap=None if "attack.bootstrap" in swept else OmegaConf.select(
                config, "attack.bootstrap", default=None, throw_on_resolution_failure=False),
            attack_settings=attack_settings(config, swept),
        )  # fmt: skip
    except ConfigError as exc:
        end_refused(log, "%s; nothing was run", exc)
    except (TypeError, ValueError):  # (attack.fprs of another kind: the run's check says it)
        return
    _refuse_epsilon_without_dp(config, names, swept)
    _warn_against_better_side(config, names)


def defense_targets(config: DictConfig, swept: Collection[str] = ()) -> list[str] | None:
    """The ``_target_`` of each of the run's defenses (`check_objective_names` refuses a
    ``privacy.KEY`` no defense of mia-defense's own writes), or ``None`` where they are not
    known: a sweep (``swept``: its keys) that varies which defenses run, or a defense
    without a ``_target_`` in text."""
    if any(k == "defense" or k.startswith("defense/") or (k.startswith("defense.") and (
            k.count(".") == 1 or k.endswith("._target_"))) for k in swept):  # fmt: skip
        return None
    try:  # (an interpolation that does not resolve: the config's check says it)
        node = OmegaConf.select(config, "defense", default=None, throw_on_missing=False)
        nodes = [node.get(key) for key in node] if isinstance(node, DictConfig) else None
        targets = [n.get("_target_") if isinstance(n, DictConfig) else None
                   for n in nodes or ()]  # fmt: skip
    except OmegaConfBaseException:
        return None
    if nodes is None or not all(isinstance(t, str) for t in targets):
        return None
    return targets


def dp_accountants(config: DictConfig, swept: Collection[str] = ()) -> dict[str, str | None] | None:
    """The accountant of each DP-SGD defense of the run, by its key under ``defense``
    (``{}``: none trains with DP-SGD; an accountant ``None`` where the sweep varies it or it is
    no text), or ``None`` where that is not known: the defenses are not (`defense_targets`),
    or one is not mia-defense's own or does not import (a defense of one's own may report
    what DP-SGD's accountant does). Imports the defenses' modules (torch)."""
    targets = defense_targets(config, swept)
    if targets is None or not all(target.startswith("mia_defense.") for target in targets):
        return None
    from hydra._internal.utils import _locate

    node = config.defense
    found: dict[str, str | None] = {}
    for key, target in zip(node, targets, strict=True):
        try:
            defense = _locate(target)
        except Exception:
            return None
        if not str(getattr(defense, "__module__", "")).startswith("mia_defense."):
            return None
        if getattr(defense, "name", None) == "dp":
            try:  # (an interpolation that does not resolve: the config's check says it)
                accountant = node[key].get("accountant")
            except OmegaConfBaseException:
                accountant = None
            known = isinstance(accountant, str) and f"defense.{key}.accountant" not in swept
            found[str(key)] = accountant if known else None
    return found


def attack_settings(
    config: DictConfig, swept: Collection[str] = ()
) -> dict[str, tuple[str, ...]] | None:
    """The settings each of the run's attacks may choose per target, by its name under
    ``attack.attacks`` (what the attack function declares, `mia_defense.attacks.base.chooses`:
    its entry of results.json holds them beside its figures; none where its ``chooses_unless``
    keyword is set true, online RMIA), or ``None`` where that is not
    known: the sweep (``swept``: its keys) varies the attacks, or one is not mia-defense's own,
    no text or does not import (a user's attack may choose settings of any name)."""
    if any(k == "attack" or k.startswith(("attack/", "attack.attacks")) for k in swept):
        return None
    try:
        node = OmegaConf.select(config, "attack.attacks", default=None)
        targets = {str(key): node[key].get("_target_") if isinstance(node[key], DictConfig)
                   else None for key in node} if isinstance(node, DictConfig) else None  # fmt: skip
    except OmegaConfBaseException:
        return None
    if targets is None or not all(isinstance(t, str) and t.startswith("mia_defense.")
                                  for t in targets.values()):  # fmt: skip
        return None
    from hydra._internal.utils import _locate

    found: dict[str, tuple[str, ...]] = {}
    for key, target in targets.items():
        try:
            attack = _locate(target)
        except Exception:
            return None
        if not str(getattr(attack, "__module__", "")).startswith("mia_defense."):
            return None
        unless = getattr(attack, "chooses_unless", None)
        try:  # (online RMIA chooses no a; a value not known yet: what it declares)
            off = isinstance(unless, str) and node[key].get(unless) is True
        except OmegaConfBaseException:
            off = False
        found[key] = () if off else tuple(map(str, getattr(attack, "chooses", ())))
    return found


def release_randomized(config: DictConfig, swept: Collection[str] = ()) -> bool | None:
    """Whether the run's release answers each query at random (its class's ``randomized``:
    only then does results.json hold ``privacy.randomized_release_repeats``), or ``None``
    where that is not known: the sweep (``swept``: its keys) varies the release, or its
    ``_target_`` is not mia-defense's own, not a text or does not import. Imports the
    release's module (torch)."""
    if any(k == "release" or k.startswith(("release/", "release._target_")) for k in swept):
        return None
    try:
        target = OmegaConf.select(config, "release._target_", default=None)
    except OmegaConfBaseException:
        return None
    if not isinstance(target, str) or not target.startswith("mia_defense."):
        return None
    from hydra._internal.utils import _locate

    try:
        randomized = getattr(_locate(target), "randomized", None)
    except Exception:
        return None
    return randomized if isinstance(randomized, bool) else None


# What a run returns to a sweeper without ``objectives`` (`cli.sweep_end.objective_names`).
_DEFAULT_OBJECTIVE = "max_attack.tpr at the lowest attack.fprs (the default objective)"


def _warn_against_better_side(config: DictConfig, names: list[str]) -> None:
    """Warn of an Optuna direction against the better side of one of ``names``."""
    direction = config.hydra.sweeper.get("direction") if plugin_is(
        config.hydra.sweeper, "optuna") else None  # fmt: skip
    directions = list(direction) if isinstance(direction, ListConfig) else [direction]
    for name, way in zip(names, directions, strict=False):
        better = ("maximize" if name in _MAXIMIZED else "minimize"
                  if name in _MINIMIZED or name.startswith(_MINIMIZED_SECTIONS) else None)
        if better is not None and way in _DIRECTIONS and way != better:
            fix = ("set hydra.sweeper.direction=minimize, or list objectives" if name ==
                   _DEFAULT_OBJECTIVE else "give the directions in the order of objectives "
                   f"({', '.join(names)})")  # fmt: skip
            log.warning("hydra.sweeper.direction: %s for %s, whose better side is to %s: the "
                        "search's best trials (optimization_results.yaml) are then the %s; "
                        "%s", way, name, better,
                        "least accurate" if better == "maximize" else "most exposed",
                        fix)  # fmt: skip


def _refuse_epsilon_without_dp(config: DictConfig, names: list[str], swept: set[str]) -> None:
    """``privacy.epsilon`` among several objectives of a TPE search none of whose trials
    trains with DP-SGD: each trial trained, then failed on its infinite ε (no guarantee to
    report), which multi-objective TPE cannot rank (mia-train's `_hydra_main` fails it), so
    the whole search trained for nothing. As its one objective (any sampler), every trial
    tied at infinity and the search ended 'Best value: inf', exit 0. Left alone where the
    sweep varies the defenses or a defense is not ours to judge (not importable, a class of
    one's own)."""
    sweeper = config.hydra.sweeper
    if "privacy.epsilon" not in names or not plugin_is(sweeper, "optuna"):
        return
    sampler = sweeper.get("sampler")
    sampler_target = str(sampler.get("_target_", "")) if isinstance(sampler, DictConfig) else ""
    tpe = sampler_target.rsplit(".", 1)[-1] == "TPESampler"
    alone = names == ["privacy.epsilon"]  # (every trial ties at infinity, whatever samples)
    varies_defenses = any(k.split(".")[0].split("/")[0] == "defense" for k in swept)
    if not (alone or (len(names) > 1 and tpe)) or varies_defenses:
        return
    if dp_accountants(config, swept) != {}:
        return  # (DP-SGD, or a defense of one's own that may be)
    why = ("its one objective: every trial would train and tie, its best trial none" if alone
           else "which Optuna's multi-objective TPE cannot rank: every trial would train, "
           "then fail")  # fmt: skip
    end_refused(log, "objectives: privacy.epsilon is infinite in every trial of this "
                "search (no DP-SGD among the defenses: no guarantee to report), %s; nothing "
                "was run. Train with defense=dp (its knobs in the search space), or choose "
                "other objectives (privacy.empirical_epsilon, a max_attack figure)", why)


def _tpe_startup_problems(sweeper: DictConfig, objectives: int) -> list[str]:
    """A multi-objective TPE search needs 2 random trials first: with one finished trial,
    optuna 2's TPE (``_split_observation_pairs``) loops forever choosing the next one's
    values; ``hydra.sweeper.sampler.n_startup_trials=1`` (or 0) hung the search at its second
    trial, one core busy, nothing logged."""
    sampler = sweeper.get("sampler")
    if objectives < 2 or not isinstance(sampler, DictConfig):
        return []
    if str(sampler.get("_target_", "")).rsplit(".", 1)[-1] != "TPESampler":
        return []  # (optuna 2's MOTPESampler, code of its own, did not hang with 1)
    startup = sampler.get("n_startup_trials")
    if type(startup) is int and startup < 2:
        return [f"hydra.sweeper.sampler.n_startup_trials={startup}: at least 2 for a search "
                f"of {objectives} objectives (optuna's multi-objective TPE hangs on its "
                "second trial otherwise)"]
    return []


def warn_unseeded_search(config: DictConfig) -> None:
    """Warn of an Optuna search whose sampler has no seed: a search started again resumes by
    drawing the same trials again (each finished one skipped as its run is found); unseeded,
    it draws others, so it skips none, and the trials of the earlier start are left out of
    its study and its optimization_results.yaml."""
    sampler = config.hydra.sweeper.get("sampler") if plugin_is(config.hydra.sweeper,
                                                                "optuna") else None
    if isinstance(sampler, DictConfig) and "seed" in sampler and sampler.get("seed") is None:
        log.warning("hydra.sweeper.sampler.seed=null: this search draws other trials each time "
                    "it starts, so started again with the same hydra.sweep.dir it skips none "
                    "of its finished trials (their runs stay for mia-report, but not in this "
                    "search's optimization_results.yaml); give it a seed to resume it")


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


def major_minor(text: str) -> tuple[int, ...]:
    """A version's first two numbers: ``(2, 10)`` for ``2.10.1``."""
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


def require_usable_storage(config: DictConfig) -> None:
    """An Optuna study kept in a database (``hydra.sweeper.storage``) needs an optuna whose
    database storage works with the SQLAlchemy installed: optuna before 3.1 reads its own
    schema version as none under SQLAlchemy 2 and stopped the search with Hydra's traceback
    ('assert version is not None') before its first trial, on every start."""
    storage = config.hydra.sweeper.get("storage") if plugin_is(config.hydra.sweeper,
                                                                "optuna") else None
    if storage is None:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        optuna, sqlalchemy = version("optuna"), version("sqlalchemy")
    except PackageNotFoundError:
        return  # (the sweeper names what it lacks)
    if major_minor(optuna) >= (3, 1) or major_minor(sqlalchemy) < (2, 0):
        return
    end_refused(log, "hydra.sweeper.storage=%r: optuna %s keeps no study in a database "
                "under SQLAlchemy %s (it needs SQLAlchemy < 2, or optuna >= 3.1, which "
                "hydra-optuna-sweeper does not take); nothing was run. Leave "
                "hydra.sweeper.storage null: the same command with the same hydra.sweep.dir "
                "resumes the search, skipping its finished trials", storage, optuna,
                sqlalchemy)  # fmt: skip


# What submitit's SLURM executor runs: srun (checked when it is made), sbatch (to submit).
_SLURM_COMMANDS = ("sbatch", "srun")
_NO_SLURM_FIX = (
    "run the sweep on a SLURM login node, start a one-node SLURM here (scripts/slurm_local.sh "
    "start, see the README's 'Scale out: SLURM'), or run it on this machine with "
    "launcher=submitit_local or without launcher="
)


def require_slurm(config: DictConfig) -> None:
    """The submitit SLURM launcher needs SLURM's commands: without them submitit stopped the
    sweep with a traceback ('Could not detect "srun"'). Where they are, an sbatch that
    refuses the jobs (no SLURM config, controller down) is one line too
    (`_refuse_failed_submission`)."""
    launcher = config.hydra.launcher
    if not (plugin_is(launcher, "submitit") and plugin_is(launcher, "slurm")):
        return
    import shutil

    missing = [name for name in _SLURM_COMMANDS if shutil.which(name) is None]
    if missing:
        fix = _NO_SLURM_FIX.replace("run the sweep", "submit it, run the sweep", 1)
        end_refused(log, "launcher=submitit_slurm (hydra.launcher._target_=%s): no SLURM "
                    "on this machine (%s not on PATH); nothing was run. To %s",
                    launcher.get("_target_"), " and ".join(map(repr, missing)), fix)  # fmt: skip
    _refuse_failed_submission()


def _refuse_failed_submission() -> None:
    """Make submitit's SLURM submission (its sbatch call) that fails raise a one-line
    `HydraConfigError` naming the launcher and sbatch's own words, not a traceback
    (idempotent; left alone where submitit has no such method)."""
    from submitit.core.utils import FailedJobError
    from submitit.slurm.slurm import SlurmExecutor

    from mia_defense.composition_errors import HydraConfigError

    submit = getattr(SlurmExecutor, "_submit_command", None)
    if submit is None or getattr(submit, "_mia_one_line", False):
        return

    @functools.wraps(submit)
    def submit_command(self: SlurmExecutor, *args: Any, **kwargs: Any) -> Any:
        try:
            return submit(self, *args, **kwargs)
        except (FailedJobError, OSError) as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            said = lines[-1] if lines else type(exc).__name__  # (sbatch printed them all)
            raise HydraConfigError(
                f"launcher=submitit_slurm: sbatch refused the sweep's jobs ({said}); no run "
                f"was submitted. Check that SLURM answers here (sinfo), or {_NO_SLURM_FIX}"
            ) from None

    submit_command._mia_one_line = True  # type: ignore[attr-defined]
    SlurmExecutor._submit_command = submit_command  # type: ignore[method-assign]


# The most runs one grid sweep may hold: Hydra's basic sweeper lists every run's overrides
# before the first starts (seed=range(0,1000000000) filled the memory; so did our checks).
MAX_SWEEP_RUNS = 100_000


def sweep_size(override: Any) -> int | None:
    """How many values a sweep override gives, counted without listing them (``range`` of
    any length); ``None`` where they are not counted here (an interval, a glob)."""
    from hydra.core.override_parser.types import ChoiceSweep, RangeSweep

    value = override.value()
    if isinstance(value, ChoiceSweep):
        return len(value.list)
    if isinstance(value, RangeSweep) and value.step:
        # exact (Fraction): a float quotient overflowed on range(0,10**400) and was inf on
        # range(0,1,1e-320); a bound of inf or nan raises (`refuse_huge_sweep` names it)
        start, stop, step = map(Fraction, (value.start, value.stop, value.step))
        return max(0, math.ceil((stop - start) / step))
    return None


def refuse_huge_sweep(config: DictConfig) -> None:
    """A grid sweep of more than `MAX_SWEEP_RUNS` runs, or over a ``range`` whose step is 0
    (it never ends), is refused before Hydra lists its runs: memory ran out, or the sweep
    hung, before any run or message."""
    from hydra.core.override_parser.types import RangeSweep

    if not plugin_is(config.hydra.sweeper, "basic"):
        return  # a search draws its trials one by one (hydra.sweeper.n_trials)
    runs, sizes = 1, []
    params = config.hydra.sweeper.get("params") or {}
    for text in [*task_overrides(config), *(f"{k}={v}" for k, v in params.items())]:
        override = parsed_override(str(text))
        if override is None:  # Hydra has parsed them before; nothing to add
            continue
        try:
            if not override.is_sweep_override():
                continue
            value = override.value()
        except Exception:  # Hydra has parsed them before; nothing to add
            continue
        if isinstance(value, RangeSweep) and not value.step:
            end_refused(log, "%s: a range with step 0 never ends; nothing was run. Give "
                        "a step that is not 0 (range(START,STOP,STEP))", text)  # fmt: skip
        if isinstance(value, RangeSweep) and not all(
            not isinstance(bound, float) or math.isfinite(bound)
            for bound in (value.start, value.stop, value.step)
        ):
            end_refused(log, "%s: a range's start, stop and step must be finite numbers "
                        "(not inf or nan: such a range never ends, or cannot be counted); "
                        "nothing was run. Give finite ones (range(START,STOP,STEP))", text)
        size = sweep_size(override)
        if size is not None:
            runs *= max(size, 1)
            sizes.append(f"{text}: {size} values")
    if runs > MAX_SWEEP_RUNS:
        end_refused(log, "the sweep holds %d runs (%s), more than the %d one sweep may "
                    "hold (Hydra lists every run before the first starts); nothing was run. Sweep "
                    "fewer values, or split it into sweeps of their own (each with its own "
                    "hydra.sweep.dir)", runs, "; ".join(sizes), MAX_SWEEP_RUNS)  # fmt: skip


def refuse_repeated_sweep_keys(config: DictConfig) -> None:
    """Refuse a key given again on the command line of a sweep after a sweep of it
    (``-m seed=1,2 seed=3``): Hydra's basic sweeper keeps the last, and the sweep ran only it,
    as if the swept values had never been given. (A value, then a sweep: the sweep overrides
    it, as meant.) Every time the key is given is named, and the last, which Hydra runs
    (``seed=1,2 seed=3 seed=4`` runs seed=4: seed=3 was said)."""
    seen: dict[tuple[str, str | None], list[tuple[str, bool]]] = {}
    for text in task_overrides(config):
        override = parsed_override(text)
        if override is None:  # Hydra has parsed them before; nothing to add
            continue
        if override.is_delete():
            continue
        given = seen.setdefault((override.key_or_group, override.package), [])
        given.append((text, override.is_sweep_override()))
    for (key, _), given in seen.items():
        if len(given) > 1 and any(sweeps for _, sweeps in given[:-1]):
            last = given[-1][0]
            end_refused(log, "%s: %s is given %d times on the command line (%s) and "
                        "Hydra keeps only the last, so the sweep would run only %s; nothing was "
                        "run. Give the key once, with every value (%s=A,B,C)",
                        last, key, len(given), " ".join(t for t, _ in given), last,
                        key)  # fmt: skip


def refuse_number_in_two_forms(config: DictConfig) -> None:
    """Refuse a sweep over a float setting of the config given one number in two forms
    (``train.lr=1,1.0``, ``train.weight_decay=0,0.0,-0.0``): each form got a folder of its
    own (named as typed), so one config was trained twice and shown as two rows of the
    report. Only a key whose value in the config is a float (one of the user's own may tell
    1 from 1.0); one form twice (``0.1,1e-1``) is `refuse_shared_run_dirs`'s."""
    for text in task_overrides(config):
        override = parsed_override(text)
        if override is None:  # (Hydra's to say)
            continue
        try:
            if not override.is_sweep_override() or not 0 < (sweep_size(override) or 0) \
                    <= MAX_SWEEP_RUNS:  # fmt: skip
                continue
            pairs = list(zip(override.sweep_iterator(), override.sweep_string_iterator(),
                             strict=True))  # fmt: skip
            now = OmegaConf.select(config, override.key_or_group, default=None)
        except Exception:  # not enumerable here, or a key that does not resolve: left alone
            continue
        if not isinstance(now, float):
            continue
        numbers = [(v, t) for v, t in pairs if isinstance(v, int | float)
                   and not isinstance(v, bool)]  # fmt: skip
        same = next(((t, u) for i, (v, t) in enumerate(numbers)
                     for w, u in numbers[i + 1:] if v == w and t != u), None)  # fmt: skip
        if same is not None:
            end_refused(log, "%s: gives %s and %s, one number for %s (a float setting), "
                        "so two of the sweep's runs would train one config twice, each in a "
                        "folder of its own; nothing was run. Give each value once", text,
                        *same, override.key_or_group)  # fmt: skip


def refuse_empty_sweep(config: DictConfig) -> None:
    """A sweep override with no value (``train.lr=range(0,0)``, ``range(5,1)``) makes a sweep
    of no runs: Hydra ran nothing and the sweep ended as if it had succeeded."""
    for text in task_overrides(config):
        override = parsed_override(str(text))
        if override is None:  # (Hydra's to say)
            continue
        try:
            size = sweep_size(override) if override.is_sweep_override() else None
            empty = size == 0 if size is not None else override.is_sweep_override() and not \
                next(iter(override.sweep_string_iterator()), None)  # fmt: skip
        except Exception:  # not enumerable here (interval, glob): the sweeper handles it
            continue
        if empty:
            end_refused(log, "%s: the sweep has no value for %s, so no run; nothing was "
                        "run. Give at least one value (range(START,STOP) stops before STOP)",
                        text, override.key_or_group)  # fmt: skip


def _overrides_and_sweep_params(config: DictConfig) -> list[str]:
    """The command line's overrides, then ``hydra.sweeper.params`` as the overrides they
    stand for: a sweep's points given there were checked for neither list."""
    from mia_defense.config_lists import sweep_param_overrides

    params = OmegaConf.select(config, "hydra.sweeper.params", default=None)
    params = OmegaConf.to_container(params, resolve=False) if params is not None else None
    return task_overrides(config) + sweep_param_overrides(params if isinstance(params, dict)
                                                          else None)  # fmt: skip


def refuse_stacked_release(config: DictConfig) -> None:
    """Refuse a list of releases (``release=[label_only,full]``): ``release`` takes one
    choice, and Hydra merged the list into one config whose last ``_target_`` won, so
    ``release=[label_only,full]`` ran the full release without a word (a list of releases
    with settings failed on the other's keys). The message: `stacked_release_problem`."""
    from mia_defense.config_lists import stacked_release_problem

    problem = stacked_release_problem(_overrides_and_sweep_params(config))
    if problem is not None:
        end_refused(log, "%s", problem)


def refuse_repeated_defenses(config: DictConfig) -> None:
    """Refuse a list of training defenses that names one twice (``defense=[dp,dp]``, in a
    sweep too, its ``hydra.sweeper.params`` included): each defense has one config node
    (``defense.dp``), so Hydra kept one and the run trained it once without a word
    (``'defense=[dp,dp]' defense.dp.target_epsilon=1``: one DP-SGD at ε=1, reported as
    ``dp``). ``none`` adds nothing, twice or not. The message: `repeated_defense_problem`."""
    from mia_defense.config_lists import repeated_defense_problem

    problem = repeated_defense_problem(_overrides_and_sweep_params(config))
    if problem is not None:
        end_refused(log, "%s", problem)


def refuse_sweep_settings_in_a_run(config: DictConfig) -> None:
    """Refuse a single run (no ``-m``) that selects a launcher, a sweeper or a search space
    (``launcher=submitit_slurm``, ``hparams_search=optuna_tradeoff``, ``+experiment=
    tradeoff_all``): Hydra uses them only in a multirun, so the run went ahead, here, as one
    run of the defaults, as if they had been left out."""
    choices = config.hydra.runtime.get("choices") or {}

    def chosen(group: str) -> str | None:
        choice = choices.get(group)
        return None if choice in (None, "basic") else f"{group}={choice}"

    # what the user selected, not what that selected in turn (launcher=x sets hydra/launcher)
    selected = [chosen("launcher") or chosen("hydra/launcher"),
                chosen("hparams_search") or chosen("hydra/sweeper")]  # fmt: skip
    if config.hydra.sweeper.get("params") and not selected[1]:
        experiment = choices.get("experiment")
        selected.append(f"+experiment={experiment} (its hydra.sweeper.params)" if experiment
                        else "hydra.sweeper.params")  # fmt: skip
    shown = [text for text in selected if text]
    if shown:
        end_refused(log, "%s: what a sweep runs with, unused by a single run: without -m "
                    "this would be one run, here in this process, with none of the sweep's "
                    "values; nothing was run. Add -m (mia-train -m ...) to run the sweep, or "
                    "leave %s out", "; ".join(shown),
                    "it" if len(shown) == 1 else "them")  # fmt: skip


def refuse_other_modes_folder(config: DictConfig) -> None:
    """Refuse a sweep given ``hydra.run.dir`` on the command line and no ``hydra.sweep.dir``,
    or a single run given ``hydra.sweep.dir`` (or ``hydra.sweep.subdir``) and no
    ``hydra.run.dir``: Hydra uses the other mode's folder, so ``mia-train -m ...
    hydra.run.dir=out`` (or ``hydra.mode=MULTIRUN``) wrote into multirun/DATE/TIME, and a
    run with ``hydra.sweep.dir=out`` into outputs/DATE/TIME, without a word. Both folders
    given (a script that passes both whatever the mode) pass."""
    texts = OmegaConf.to_container(config.hydra.overrides.hydra, resolve=False)
    given = {str(text).lstrip("+").partition("=")[0]: str(text) for text in texts or []}
    sweep = str(getattr(config.hydra.mode, "name", config.hydra.mode)) == "MULTIRUN"
    own, other = (("hydra.sweep.dir",), ("hydra.run.dir",)) if sweep else (
        ("hydra.run.dir",), ("hydra.sweep.dir", "hydra.sweep.subdir"))  # fmt: skip
    found = next((given[key] for key in other if key in given), None)
    if found is None or any(key in given for key in own):
        return
    value = found.partition("=")[2]
    if sweep:
        end_refused(log, "%s: the folder of a single run, unused by a sweep (-m, or "
                    "hydra.mode=MULTIRUN, which -m sets): its runs would go into "
                    "hydra.sweep.dir (multirun/DATE/TIME), not there; nothing was run. Write "
                    "hydra.sweep.dir=%s for the sweep's folder, or leave -m out for one run",
                    shown_path(found),
                    typed_path(value, instead="<that folder>", shell=False))  # fmt: skip
    else:
        end_refused(log, "%s: a sweep's folder, unused by a single run (no -m): the run would "
                    "go into hydra.run.dir (outputs/DATE/TIME), not there; nothing was run. "
                    "Write hydra.run.dir=%s for the run's folder, or add -m for a sweep",
                    shown_path(found), typed_path(value, instead="<that folder>", shell=False)
                    if found.partition("=")[0].endswith(".dir") else "...")  # fmt: skip


def refuse_shared_run_dirs(config: DictConfig) -> None:
    """Refuse a sweep over a key that the run folders' names leave out (``progress``,
    ``figures``, ``cache_dir``, ``train.device``, ``+experiment``, ...: ``hydra.job.config.
    override_dirname.exclude_keys``) under the packaged ``hydra.sweep.subdir``: its points
    would share one folder, and all but the first were skipped as that run or refused; so
    would the points of a value given twice (``seed=1,1``)."""
    if config.hydra.sweep._get_node("subdir")._value() != SAFE_SUBDIR:
        return  # a naming of the user's own (${hydra.job.num}): each point its own folder
    excluded = {str(k) for k in config.hydra.job.config.override_dirname.exclude_keys or []}
    params = config.hydra.sweeper.get("params") or {}
    texts = [*task_overrides(config), *(f"{k}={v}" for k, v in params.items())]
    for text in texts:
        override = parsed_override(text)
        if override is None:  # (Hydra's to say)
            continue
        try:
            sweep = override.is_sweep_override() and (sweep_size(override) or 0) <= MAX_SWEEP_RUNS
            values = list(override.sweep_string_iterator()) if sweep else []
        except Exception:  # not enumerable (an interval): not one of these keys' kind
            continue
        if len(set(values)) < len(values):
            twice = sorted({v for v in values if values.count(v) > 1})
            end_refused(log, "%s: gives %s more than once, so two of the sweep's runs would "
                        "share one folder (the second skipped as the first, or refused while the "
                        "first runs); nothing was run. Give each value once", text, twice[0])
        if override.key_or_group in excluded and len(set(values)) > 1:
            end_refused(log, "%s: the run folders' names leave %s out (hydra.job.config."
                        "override_dirname.exclude_keys), so the sweep's %d runs would share one "
                        "folder (the first would be kept, the others skipped or refused); "
                        "nothing was run. Start one sweep per value, each with its own "
                        "hydra.sweep.dir", text, override.key_or_group, len(values))  # fmt: skip


def refuse_unselected_settings(config: DictConfig) -> None:
    """Refuse, before any point runs, a key of a config of a group the sweep sweeps (added
    with ``+``/``++``, swept itself, or one the default config has too, as ``model.hidden``
    of mlp with ``model=mlp,logistic``), where not every point selects that config
    (``-m 'defense=dp,none' ++defense.dp.target_epsilon=1``): the points that do not were
    refused one by one as they came, after the others had trained, and 'run the same
    command again' refused them again (``defense.dp.target_epsilon=1,8``: Hydra stopped on
    the first such point with 'not selected: add it with defense=dp'); ``+KEY`` where every
    point selects it (Hydra: "Could not append"). The message
    (`mia_defense.composition_errors.sweep_of_unselected_points`) says how to write the sweep."""
    from mia_defense.composition_errors import sweep_of_unselected_points
    from mia_defense.hydra_setup import PACKAGED_SOURCES

    sources = OmegaConf.select(config, "hydra.runtime.config_sources", default=None) or []
    if not {(str(s.get("schema")), str(s.get("path"))) for s in sources} <= PACKAGED_SOURCES:
        return  # configs of the user's own (--config-dir, hydra.searchpath): Hydra's to judge
    hydra_overrides = OmegaConf.to_container(config.hydra.overrides.hydra, resolve=False)
    overrides = [*task_overrides(config), *map(str, hydra_overrides or [])]
    for text in task_overrides(config):
        if text.startswith("~"):
            continue
        said = sweep_of_unselected_points(text.partition("=")[0], overrides)
        if said is not None:
            end_refused(log, "%s", said)


# Resolvers whose value is the same for every job of a sweep (or only by chance not: the
# time): a hydra.sweep.subdir made of them alone gives every run one folder.
_SAME_FOR_EVERY_JOB = re.compile(r"\$\{(now|oc\.env|env):[^${}]*\}")


def refuse_one_folder_for_all(config: DictConfig) -> None:
    """Refuse a ``hydra.sweep.subdir`` that names one folder for every run of a sweep of
    several (``hydra.sweep.subdir=run``; ``${now:%H-%M}``, ``${oc.env:USER}``): the first
    run trained there and each later one was refused on it as a run of another config,
    after the first had trained (or skipped as it). Caught before anything runs."""
    raw = config.hydra.sweep._get_node("subdir")._value()
    if not isinstance(raw, str) or not raw.strip():
        return  # (blank: named by the Hydra config checks)
    rest = _SAME_FOR_EVERY_JOB.sub("", raw)
    left_out = _swept_keys_left_out(config, rest) if "${" in rest else []
    if left_out is None or ("${" in rest and not left_out):
        return  # per job (or not judged here)
    runs = _sweep_runs(config)
    if runs is not None and runs < 2:
        return
    if left_out and len(left_out) < len(override_keys(config)):
        end_refused(log, "hydra.sweep.subdir=%s leaves out %s, which this sweep varies: "
                    "its runs that differ only there would share one folder, and each after the "
                    "first would be refused on the first's results; nothing was run. Name every "
                    "swept key in it, or leave hydra.sweep.subdir at its default (a folder named "
                    "by each run's overrides), or choose another hydra.sweep.subdir that names a "
                    "folder per run, e.g. 'hydra.sweep.subdir=run_${hydra.job.num}'",
                    shown_path(raw), ", ".join(left_out))  # fmt: skip
    end_refused(log, "hydra.sweep.subdir=%s: one folder for every run of this sweep "
                "(%s runs; it names no value that differs between them), so each run after the "
                "first would be refused on the first's results; nothing was run. Leave "
                "hydra.sweep.subdir at its default (a folder named by each run's overrides), or "
                "choose another hydra.sweep.subdir that names a folder per run, e.g. "
                "'hydra.sweep.subdir=run_${hydra.job.num}'", shown_path(raw),
                runs if runs is not None else "several")  # fmt: skip


def _swept_keys_left_out(config: DictConfig, text: str) -> list[str] | None:
    """The keys the sweep varies that the interpolations of ``text`` (a subdir) do not name
    (``defense`` in ``x${seed}`` of ``-m seed=1,2 defense=[],[dropout]``; every one in
    ``x${train.lr}``), where they name settings of the run's config only: a swept key (or
    one above or below it), or a setting no sweep changes whose value is written out.
    ``None``: not judged here (Hydra's own values, a resolver, a setting that interpolates
    another, which may be swept)."""
    refs = re.findall(r"\$\{([^${}:]*)\}", text)
    if text.count("${") != len(refs):
        return None  # a resolver (hydra's own values, a user's), or nested
    swept = override_keys(config)
    named: set[str] = set()
    for ref in (r.strip() for r in refs):
        if not ref or ref.startswith(("hydra", ".")):
            return None
        hits = {key for key in swept if ref == key or ref.startswith(f"{key}.")
                or key.startswith(f"{ref}.")}  # fmt: skip
        if hits:
            named |= hits
            continue
        try:
            node = OmegaConf.select(config, ref, default=None, throw_on_missing=False)
            parent, _, leaf = ref.rpartition(".")
            holder = OmegaConf.select(config, parent) if parent else config
            raw = holder._get_node(leaf)._value() if isinstance(holder, DictConfig) else None
        except Exception:  # (Hydra names what does not resolve)
            return None
        if node is None or isinstance(node, DictConfig | ListConfig) or (
                isinstance(raw, str) and "${" in raw):  # fmt: skip
            return None
    return [key for key in swept if key not in named]


def _sweep_runs(config: DictConfig) -> int | None:
    """How many runs the sweep makes: a grid's product of its values, a search's
    ``n_trials``; ``None`` where not counted here (an interval, a glob)."""
    if not plugin_is(config.hydra.sweeper, "basic"):
        trials = config.hydra.sweeper.get("n_trials")
        return trials if isinstance(trials, int) else None
    runs = 1
    for text in task_overrides(config):
        override = parsed_override(text)
        if override is None:  # Hydra has parsed them before; nothing to add
            return None
        try:
            if not override.is_sweep_override():
                continue
            size = sweep_size(override)
        except Exception:  # Hydra has parsed them before; nothing to add
            return None
        if size is None:
            return None
        runs *= size
    return runs



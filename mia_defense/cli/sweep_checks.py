"""Checks of a sweep's settings before Hydra starts it (`mia_defense.cli.train.RunDirCheck`):
its size (a grid Hydra would list past memory, a range that never ends, a sweep of no
value), keys given twice or a number in two forms, lists of defenses or releases Hydra merges,
the run folders its points would share, and single runs given a sweep's settings; and which
keys a sweep varies (`override_keys`, `job_trial`), which the other sweep checks read. Hydra's
basic sweeper checks these late or not at all. Each refusal logs one line and exits 2; nothing
has run yet. The search space and swept values are `mia_defense.cli.search_space_checks`',
the plugins' settings `mia_defense.cli.plugin_checks`', the objectives
`mia_defense.cli.objective_checks`' (split out of this module, one job each, logging as it)."""

from __future__ import annotations

import logging
import math
import os
import re
from fractions import Fraction
from typing import Any

import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from mia_defense.cli.entry import end_refused
from mia_defense.cli.run_dirs import SAFE_SUBDIR, task_overrides
from mia_defense.constraints import shown_path, typed_path
from mia_defense.hydra_setup import plugin_is
from mia_defense.override_checks import parsed_override

__all__ = [
    "job_trial",
    "override_keys",
    "refuse_empty_sweep",
    "refuse_huge_sweep",
    "refuse_number_in_two_forms",
    "refuse_one_folder_for_all",
    "refuse_other_modes_folder",
    "refuse_repeated_defenses",
    "refuse_repeated_sweep_keys",
    "refuse_shared_run_dirs",
    "refuse_stacked_release",
    "refuse_sweep_settings_in_a_run",
    "refuse_unselected_settings",
    "sweep_size",
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
                    "values; nothing was run. Add -m to the same command to run the sweep "
                    "(mia-attack -m ... too), or leave %s out", "; ".join(shown),
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



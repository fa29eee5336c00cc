"""`mia-attack PATH`: the configured attack suite on models trained elsewhere.

PATH is an observations file (docs/observations.md: what your own models released) or a
finished mia-train run directory (its observations.npz). The ``attack`` config group is
mia-train's, with the same overrides; the results land in a new run directory
(``outputs/DATE/TIME``, or ``hydra.run.dir=...``) in mia-train's layout: results.json,
scores.npz, tb/ and a copy of the observations attacked. The source is only read. A run
directory that holds a finished run of the same attack (same source, content, config and
code: a sweep or run started again) is skipped, as mia-train skips its finished runs. What the
source is, and whether it can be attacked as the run it says it is, is
`mia_defense.attack_source`'s to answer (the facts of its results.json,
`mia_defense.attack_source_facts`'s); this module holds the command: its Hydra config and
callbacks, its refusals of the output folder, `run` and `main`.

On a mia-train run directory, with the run's attack settings and seed (the default: the
run's own seed), it reproduces the run's attack figures exactly: both call
`mia_defense.experiment.attack_observations` on the same observations.

Like `mia_defense.cli.train`, this module imports only Hydra: ``mia-attack --help`` stays
fast; the pipeline is imported when the task starts.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict

from mia_defense.attack_source import (
    Source,
    checked_extra,
    copy_groups,
    fixed_settings_problem,
    missing_source,
    own_settings,
    read_source,
    unreadable_source,
)
from mia_defense.attack_source_facts import MEASURED_PRIVACY, doubt_claim
from mia_defense.cli.arguments import (
    _INFO,
    _VALUED,
    refuse_bare_words,
    refuse_hydra_targets,
    refuse_missing_plugins,
    refuse_misspelt_keys,
    refuse_misused_flags,
    refuse_null_groups,
    refuse_shadowed_configs,
    refuse_unexpanded_home,
    refuse_unknown_hydra_keys,
    refuse_unquoted_non_ascii,
    warn_ineffective_overrides,
)
from mia_defense.cli.commands import shell_path, tool_command
from mia_defense.cli.entry import (
    EXIT_USER_ERROR,
    end_interrupted,
    end_refused,
    progress_lock_in_process,
    reader_gone,
    run_entry,
    take_interrupts_in_job,
)
from mia_defense.cli.held_log import (
    HeldLog,
    OutputRefused,
    guard_log_files,
    locked_by_another,
    log_files_failed,
)
from mia_defense.cli.run_dirs import job_log_files, task_overrides
from mia_defense.cli.sweep_refusals import (
    carry,
    gather_returned,
    print_points,
    print_refused,
    returned,
    say,
)
from mia_defense.config_keys import training_group
from mia_defense.constraints import hydra_quoted, shown_path
from mia_defense.errors import ConfigError, DataError, MiaDefenseError
from mia_defense.hydra_setup import hydra_config_of_the_job, setup_hydra

if TYPE_CHECKING:
    from collections.abc import Callable

    from mia_defense.experiment import RunFacts, RunResult

__all__ = ["OutputRefused", "SourceCheck", "main", "run"]

log = logging.getLogger(__name__)

CONFIG_NAME = "mia_attack"
# Its config's top-level keys and group: an override of a name close to one is named with it.
TOP_KEYS = ("source", "seed", "progress", "figures", "attack", "hydra")
USAGE = (
    "mia-attack PATH [OVERRIDES]: run the attack suite on the observations in PATH (an "
    "observations .npz, docs/observations.md, or a finished mia-train run directory) and "
    "write results.json, scores.npz and tb/ into a new run directory, as mia-train does. "
    "OVERRIDES: the attack group's, as for mia-train (attack.bootstrap=0, "
    "'~attack.attacks.shokri'), seed (default: the run's), hydra.run.dir."
)
_TASK_STARTED = False
# The points of this process's sweep refused with a user error (attack.num_targets=9 of a
# grid over 4 models): the others still run, and the sweep names them at its end, exit 2.
_SWEEP_FAILED: list[tuple[Path, str]] = []
# The source `SourceCheck` read (its resolved path and `Source`) before Hydra made the run
# directory, for the task to attack without reading it again; cleared when main() ends.
_CHECKED: dict[Path, Source] = {}
# The folder of this process's single attack once its results.json is complete: a Ctrl-C
# after that (its table, the held log's settling, Hydra's end) has lost nothing
# (`_interrupted_line`).
_FINISHED: list[Path] = []
# The log files (attack.log) that could not be written (`guard_log_files`): the tool then
# ends as failed.
_LOG_FAILED: list[str] = []
# --help: the usage and the config (the attack group); not mia-train's other groups.
_HELP = """${hydra.help.header}

== Config ==
The attack group of conf/attack/default.yaml, as mia-train composes it. Override any key
(attack.num_targets=4, 'attack.fprs=[0.01,0.001]', '~attack.attacks.shokri'):

$CONFIG
${hydra.help.footer}"""

setup_hydra()


def _store_config() -> None:
    """mia-attack's primary config: the ``attack`` group, ``seed``, ``source`` (PATH) and
    the run directory's settings of conf/hydra/default.yaml that apply without training."""
    hydra_node = {
        "run": {"dir": "outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}"},
        "sweep": {
            "dir": "multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}",
            "subdir": "${mia_safe_dirname:${hydra.job.override_dirname}}",
        },
        "output_subdir": None,
        "job": {"chdir": False, "config": {"override_dirname": {
            "kv_sep": "=", "item_sep": ",", "exclude_keys": ["progress", "figures"],
        }}},
        "callbacks": {
            "launch_dir_on_path": {"_target_": "mia_defense.cli.user_code.LaunchDirOnPath"},
            "source_check": {"_target_": "mia_defense.cli.attack.SourceCheck"},
            "run_dir_check": {"_target_": "mia_defense.cli.train.RunDirCheck"},
        },
        "help": {"header": USAGE, "template": _HELP},
    }
    ConfigStore.instance().store(name=CONFIG_NAME, node={
        # log lines on stderr as mia-train's (conf/hydra/*_logging/stderr.yaml)
        "defaults": ["_self_", {"attack": "default"},
                     {"override hydra/job_logging": "stderr"},
                     {"override hydra/hydra_logging": "stderr"}],
        # PATH: an observations .npz or a finished mia-train run directory.
        "source": "???",
        # The attacks' and the bootstrap's seed; null: the source run's (0 for a file).
        "seed": None,
        "progress": True,
        # TensorBoard's figures (ROC, score histograms, per-class heatmaps), as mia-train's.
        "figures": True,
        "hydra": hydra_node,
    })  # fmt: skip


_store_config()


def _resolved(path: Path) -> Path:
    """``path`` made absolute with its links followed; a symlink loop (which ``resolve``
    refuses with a RuntimeError) is taken as it is, for the write to name it."""
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(path))


def _source_dir(path: Path) -> Path:
    """The directory a source's results live in: the run directory, or the file's folder
    when it is a run's observations.npz."""
    path = _resolved(path)
    return path if path.is_dir() else path.parent


def _refuse_output(run_dir: Path, source: Path, *, key: str, rerun: bool = False) -> str | None:
    """Why ``run_dir`` cannot take mia-attack's results (inside the source run, or holding
    a run already), or ``None``. ``rerun``: a complete record of mia-attack on this same
    source there passes, for `_held_refusal` to judge once the source is read (the same
    attack again is skipped, any other refused in these words)."""
    named = _output_named(run_dir)
    run_dir = _resolved(run_dir)
    inside = _source_dir(source)
    if (_resolved(source).is_dir() or (inside / "results.json").exists()) and (
        run_dir == inside or inside in run_dir.parents
    ):
        return (f"{key}={named} lies in the run attacked ({shown_path(inside)}); "
                "mia-attack never writes "
                f"into it: choose another directory, e.g. {key}=outputs/attack")  # fmt: skip
    if (run_dir / "results.json").exists() and not (rerun and _attack_of(run_dir, source)):
        return (f"{key}={named} holds a run already (results.json); mia-attack "
                f"writes into a new directory: choose another {key}")  # fmt: skip
    from mia_defense.tracking.artifacts import DIGESTED_FOLDERS  # (mia-train's models)

    models = next((name for name in DIGESTED_FOLDERS if os.path.lexists(run_dir / name)), None)
    if models is not None:
        return (f"{key}={named} holds a mia-train run's models ({models}/): "
                "mia-attack trains none, and would write its observations.npz and results.json "
                "over that run's files and beside its models; choose another "
                f"{key} (mia-train resumes that run in its own directory)")  # fmt: skip
    return _training_leftovers(run_dir, key=key, named=named)


def _output_named(run_dir: Path) -> str:
    """``run_dir`` as `_refuse_output` names it: made absolute, and where a link on its way
    leads elsewhere, as typed with where it leads (named by the resolved path alone, the
    refusal named a folder the user never typed)."""
    resolved, absolute = _resolved(run_dir), Path(os.path.abspath(run_dir))
    if resolved == absolute:
        return shown_path(absolute)
    how = "a link to" if os.path.islink(run_dir) else "which leads to"
    return f"{shown_path(run_dir)} ({how} {shown_path(resolved)})"


# What a run folder holds besides results.json: a folder holding its observations.npz without
# mia-attack's attack.log (nor a results.json) is no earlier attempt of mia-attack's.
_RUN_ARRAYS = ("observations.npz", "scores.npz", "tb")


def _training_leftovers(run_dir: Path, *, key: str, named: str) -> str | None:
    """Why ``run_dir`` is what is left of another command's run (results.json and the
    checkpoints deleted), or ``None``: mia-train's log (train.log), or a run's arrays with
    no attack.log of mia-attack's. mia-attack wrote its observations.npz, scores.npz and
    results.json over that run's, beside its train.log: mia-train then refused the folder as
    mia-attack's ('no models were trained in that folder'), and mia-report read a record of
    the attack where a training run had been."""
    if os.path.lexists(run_dir / "train.log"):
        found = "train.log, mia-train's log"
    elif os.path.lexists(run_dir / "attack.log") or os.path.lexists(run_dir / "results.json"):
        return None  # mia-attack's own folder (an attempt that failed, or its finished run)
    else:
        held = [name for name in _RUN_ARRAYS if os.path.lexists(run_dir / name)]
        if "observations.npz" not in held:  # (written first by either command's run)
            return None
        found = f"{', '.join(held)}, with no attack.log of mia-attack's"
    return (f"{key}={named} holds what is left of another run ({found}): "
            "mia-attack would write its observations.npz, scores.npz and results.json over "
            "that run's files; nothing was changed. Choose a new directory for "
            f"{key} (to train that run again, run its mia-train command; to keep its files, "
            "leave them where they are)")  # fmt: skip


def _attack_of(run_dir: Path, source: Path) -> dict[str, Any] | None:
    """results.json of ``run_dir`` when it is mia-attack's complete record of the source at
    ``source`` (its ``source.path``), or ``None``: a candidate for `_held_refusal`."""
    from mia_defense.tracking import read_json

    try:
        payload = read_json(run_dir / "results.json")
    except (DataError, OSError):
        return None
    recorded = payload.get("source")
    path = recorded.get("path") if isinstance(recorded, dict) else None
    if payload.get("status") != "complete" or not isinstance(path, str):
        return None
    ours = path == str(_resolved(source)) or _moved_source(path, source)
    return payload if ours else None


def _moved_source(recorded: str, source: Path) -> bool:
    """Whether the source a record names at ``recorded`` may be ``source`` moved (``mv``,
    rsync) with the run attacking it: gone from there, of the same name (its sha256 and the
    attack's config are checked next, `_unlike`). A source still there is another's."""
    return not os.path.lexists(recorded) and Path(recorded).name == _resolved(source).name


def _held_refusal(held: str, run_dir: Path, source: Source, config: dict[str, Any]) -> str | None:
    """``held``, `_refuse_output`'s refusal of ``run_dir`` that holds a run, with how that
    run differs from this attack when it is mia-attack's of this source (`_unlike`), or
    ``None`` when it is a finished run of this same attack, which a re-run skips."""
    reason = _unlike(run_dir, source, config)
    if reason is None:
        return None
    return held if not reason else (
        f"{held}. It holds mia-attack's run of this source made {reason}: not a finished "
        "run of this same attack, which a re-run skips")


def _unlike(run_dir: Path, source: Source, config: dict[str, Any]) -> str | None:
    """How the run in ``run_dir`` differs from a finished run of this same attack (empty:
    it is no complete record of mia-attack on this source, its path), or ``None`` when it is
    one: its copy of the observations is these observations (the ``sha256`` recorded for it
    is that of the copy this run would write), made with this ``config`` (results.json's, as
    `_recorded_config` gives it; `config_differences`, its neutral keys aside) by this code
    (``versions.code``), with figures a sweep can read (`payload_problem`) and its folder's
    files those its results.json measured (`folder_problem`)."""
    from mia_defense.code_digest import code_digest
    from mia_defense.report.checks import payload_problem
    from mia_defense.report.runs import folder_problem
    from mia_defense.tracking.artifacts import recorded_sha256
    from mia_defense.tracking.run_dir import config_differences

    payload = _attack_of(run_dir, source.path)
    if payload is None:
        return ""
    said, versions = payload.get("config"), payload.get("versions")
    # ``source`` as given (a relative path, or the same file spelt otherwise) is left out:
    # `_attack_of` matched the resolved path, and the copy's sha256 is checked below
    differences = config_differences(
        {k: v for k, v in (said if isinstance(said, dict) else {}).items() if k != "source"},
        {k: v for k, v in config.items() if k != "source"},
    )
    if differences:
        return f"with another config ({'; '.join(differences[:8])})"
    made_by = versions.get("code") if isinstance(versions, dict) else None
    if made_by != code_digest(config):
        return ("by other code (mia-defense's sources or a _target_'s file changed since: "
                f"code digest {str(made_by)[:12]}, now {code_digest(config)[:12]})")
    problem = payload_problem(payload)
    if problem:
        return f"with figures that cannot be read ({problem})"
    try:
        copied = recorded_sha256(payload, "observations.npz")
    except ValueError as exc:
        return f"with a malformed record ({exc})"
    if copied is None:  # mia-attack always records it: a record edited by hand
        return "with no sha256 recorded (results.json's sha256 is gone: edited by hand)"
    if copied != source.observations.saved_sha256(**source.extras):
        return ("of other observations (the sha256 of its copy, observations.npz, is not "
                "that of these: the source changed since)")
    # its copy replaced since (the recorded sha256 was checked against the source only):
    # skipped without a word, while mia-report skipped the run saying 'rerun the run'
    replaced = folder_problem(run_dir, payload, name="")  # (the name: the user's own)
    if replaced:
        return f"with files that are not those it wrote ({replaced})"
    return None


class SourceCheck(Callback):
    """Hydra callback: refuse a missing source, and a run (or sweep) directory inside the
    source run or holding a run, before Hydra creates it and writes its log there (the
    source is never written to)."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        with hydra_config_of_the_job(config):  # hydra.run.dir=${hydra:runtime.cwd}/out
            self._check_run(config)

    def _check_run(self, config: DictConfig) -> None:
        source = OmegaConf.select(config, "source", throw_on_missing=False)
        if source is None or source == "???":
            return
        missing = _unnamable_source(str(source)) or missing_source(str(source)) or (
            unreadable_source(Path(str(source))))
        problem = missing or _refuse_output(
            Path(config.hydra.run.dir), Path(source), key="hydra.run.dir", rerun=True
        ) or _hydra_writes_in(config, Path(source), Path(config.hydra.run.dir)) or (
            _config_problem(config)
        )
        if not problem:  # its content too: a refused one left a folder holding attack.log,
            try:  # which the same command, once the source was fixed, refused as foreign
                checked = _CHECKED[_resolved(Path(source))] = read_source(Path(source))
            except DataError as exc:
                missing = problem = str(exc)
            else:
                problem = fixed_settings_problem(config, checked, task_overrides(config)) or (
                    _settings_problem(config, checked)
                ) or _rerun_problem(config, checked, Path(config.hydra.run.dir))
        if problem:
            problem = source_on_one_line(problem, source)
            log.error("%s: %s", "DataError" if missing else "ConfigError", problem)
            raise SystemExit(EXIT_USER_ERROR)

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        carry(job_return)  # a refusal, for the sweep's end where the job ran elsewhere

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        source = OmegaConf.select(config, "source", throw_on_missing=False)
        sources = [source] if source is not None else []
        sources += _swept_sources(task_overrides(config))
        for path in (Path(str(s)) for s in sources):
            if not _on_disk(str(path)):  # refused per job, in a folder of its own
                continue
            problem = _refuse_output(Path(config.hydra.sweep.dir), path, key="hydra.sweep.dir") or (
                # a job's folder: one level down, as hydra.sweep.subdir makes it
                _hydra_writes_in(config, path, Path(config.hydra.sweep.dir) / "job")
            )
            if problem:
                end_refused(log, "%s", problem)


def _defended(results: dict[str, Any] | None) -> bool:
    """Whether the source's models may carry a defense (a file's: unknown, so they may)."""
    defense = (results or {}).get("defense")
    return defense is None or defense.get("defense") != "none"


def _settings_problem(config: DictConfig, source: Source) -> str | None:
    """Why the attack settings cannot attack the source's observations (`attack_settings`:
    attack.num_targets above its models, LiRA online alone at K=2, ...) or its attacks' own
    memory and time cannot be met (`check_observed_budget`: mia-train's up-front check of
    Shokri's features and fit), asked before Hydra makes the run directory: the task asked
    it only once that held its attack.log."""
    from mia_defense.attack_setup import attack_settings, check_observed_budget, check_runnable

    obs = source.observations
    cfg = OmegaConf.masked_copy(config, [str(k) for k in config if k != "hydra"])
    with open_dict(cfg):  # (the seed the task takes: null is the source run's)
        cfg.seed = _attacked_config(config, source)["seed"]
    try:
        settings = attack_settings(cfg, num_models=obs.num_models, num_classes=obs.num_classes,
                                   defended=_defended(source.results))  # fmt: skip
        check_observed_budget(settings, obs)  # (as the task's audit asks it: run_audit's)
        check_runnable(settings, obs)  # (the attack stage's refusal, before the folder)
    except ConfigError as exc:
        return str(exc)
    return None


def _rerun_problem(config: DictConfig, source: Source, run_dir: Path) -> str | None:
    """The refusal of ``run_dir`` that holds a run (`_refuse_output`), once the source is
    read: ``None`` for a finished run of this same attack (`_held_refusal`), which the
    task skips, as mia-train skips a finished run of its config in its run directory."""
    held = _refuse_output(run_dir, source.path, key="hydra.run.dir")
    if held is None:
        return None
    attacked = _recorded_config(source, _attacked_config(config, source))
    return _held_refusal(held, run_dir, source, attacked)


def _hydra_writes_in(config: DictConfig, source: Path, run_dir: Path) -> str | None:
    """Why a file Hydra writes beside the run directory ``run_dir`` lies in the source run,
    or ``None``: its config copies (``hydra.output_subdir``, relative to the run directory)
    and the job's log files given as fixed paths (``hydra.job_logging.handlers.*.filename``).
    ``hydra.output_subdir=../run/x`` wrote config.yaml, hydra.yaml and overrides.yaml into
    the run attacked, a log file named there was appended to."""
    from omegaconf.errors import OmegaConfBaseException

    inside = _source_dir(source)
    if not (_resolved(source).is_dir() or (inside / "results.json").exists()):
        return None  # a file of no run: nothing of it is written to (RunDirCheck)
    chdir = OmegaConf.select(config, "hydra.job.chdir", default=False) is True
    written: list[tuple[str, str, Path]] = []
    try:
        subdir = OmegaConf.select(config, "hydra.output_subdir")
    except OmegaConfBaseException:
        subdir = None
    if isinstance(subdir, str):
        written.append(("hydra.output_subdir", subdir, run_dir / subdir))
    written += [(key, filename, (run_dir if chdir else Path.cwd()) / filename)
                for key, filename in job_log_files(config)]  # fmt: skip
    for key, value, path in written:
        where = _resolved(path)
        if where == inside or inside in where.parents:
            return (f"{key}={value} lies in the run attacked ({inside}); mia-attack never "
                    f"writes into it: point {key} outside that run, or leave it at its default")
    return None


def _swept_sources(overrides: list[str]) -> list[str]:
    """The values of a swept ``source=a,b`` among Hydra's task overrides: the sweep
    directory must lie in none of them (its first job was refused, but Hydra had made the
    sweep folder, multirun.yaml and every other job's run inside that source run)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException:
        return []
    values: list[str] = []
    for override in parsed:
        if override.key_or_group != "source" or not override.is_discrete_sweep():
            continue
        try:
            values += list(override.sweep_string_iterator())
        except HydraException:  # glob(): no choices of a config group to expand
            continue
    return values


def _config_problem(config: DictConfig) -> str | None:
    """Why the attack config is refused (every problem, as mia-train's check lists them),
    before Hydra creates the run directory; ``None`` when it passes."""
    from mia_defense.api import check_attack_config

    try:  # (a required key its overrides deleted: which, and what to do, as mia-train's)
        check_attack_config(config, task_overrides(config), named=False)
    except ConfigError as exc:
        return str(exc)
    return None


def _utility(utility: dict[str, Any] | None) -> dict[str, Any] | None:
    """A run's utility as it measured it: the figures results.json wrote as null were NaN
    (no test set), and the summary table formats each as a number (``None`` was a
    TypeError traceback once the results were written)."""
    if utility is None:
        return None
    return {k: float("nan") if v is None else v for k, v in utility.items()}


def _facts(source: Source, attacked: dict[str, Any], *, canaries: int) -> RunFacts:
    """results.json's facts about the data and the run: the source run's (its dataset,
    plan, hyperparameters, config with this attack config), or the file's."""
    from mia_defense.experiment import RunFacts

    obs, results = source.observations, source.results
    described = {"kind": source.kind, "path": str(source.path.resolve())}
    if results is not None:
        names = ("dataset", "data_fingerprint", "data_digest", "data_duplicates",
                 "data_label_copies", "class_labels", "input_shape", "test_size", "canaries",
                 "hparams")  # fmt: skip
        facts = {n: results.get(n) for n in names}
        facts["hparams"] = facts["hparams"] or {}  # (an older run may have none)
        # the observations' own counts (results.json's are checked against them where it
        # states them: `_not_the_runs`); one deleted there was recorded as null
        facts.update(num_models=obs.num_models, num_classes=obs.num_classes,
                     population_size=len(obs.labels))  # fmt: skip
        return RunFacts(**facts, seed=attacked["seed"], config=_recorded_config(source, attacked),
                        source=described)  # fmt: skip
    test = obs.test_labels
    return RunFacts(
        dataset=str(obs.metadata.get("dataset", source.path.stem)), data_fingerprint=None,
        data_digest=None, class_labels=None, input_shape=None, num_classes=obs.num_classes,
        seed=attacked["seed"], num_models=obs.num_models, population_size=len(obs.labels),
        test_size=0 if test is None else len(test),
        canaries=canaries, hparams={},
        config=attacked, source={**described, "metadata": dict(obs.metadata)},
    )  # fmt: skip


def _from_launch_dir(path: Path) -> Path:
    """A relative PATH as the launch directory's: with ``hydra.job.chdir=true`` the task
    runs in the run directory, where it named nothing (or another file)."""
    if path.is_absolute() or not HydraConfig.initialized():
        return path
    launched = HydraConfig.get().runtime.cwd
    return Path(launched) / path if launched else path


def _output_key() -> str:
    """The setting that placed the run directory: a sweep's job folder is named by
    ``hydra.sweep.subdir`` (a fixed one put every job into the first's folder)."""
    multirun = HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN
    return "hydra.sweep.subdir" if multirun else "hydra.run.dir"


def run(
    cfg: DictConfig, run_dir: Path, *, claimed: Callable[[], None] | None = None
) -> RunResult | None:
    """Attack the observations of ``cfg.source`` with ``cfg.attack`` and write the results
    into ``run_dir`` (testable without Hydra's command line); ``None``: ``run_dir`` holds a
    finished run of this same attack (`_held_refusal`: a sweep or run started again),
    skipped with nothing written, as mia-train skips its finished runs. ``claimed`` is called
    once ``run_dir`` is known to be this run's (locked, holding no other run); a refusal
    before then is an `OutputRefused`."""
    import time

    import numpy as np

    from mia_defense.api import audit_loaded, check_attack_config
    from mia_defense.experiment import record_run
    from mia_defense.metrics.roc import chance_level_headline
    from mia_defense.timing import Stopwatch
    from mia_defense.tracking.run_dir import claim_run_dir, warn_incomplete

    start, stopwatch = time.perf_counter(), Stopwatch()
    check_attack_config(cfg)  # a sweep's points (and callers without Hydra's callbacks)
    if chance := chance_level_headline(cfg.attack.fprs):  # (as mia-train's claimed_run warns)
        log.warning("%s", chance)
    path = _from_launch_dir(Path(str(cfg.source)))
    missing = _unnamable_source(str(cfg.source)) or missing_source(path if str(cfg.source) else "")
    if missing:
        raise DataError(source_on_one_line(missing, path))
    problem = _refuse_output(run_dir, path, key=_output_key(), rerun=True)
    if problem:
        raise OutputRefused(source_on_one_line(problem, path))
    with stopwatch.stage("data"):
        checked = _CHECKED.pop(_resolved(path), None)  # (read relative to the launch dir)
        try:
            source = read_source(path) if checked is None else replace(checked, path=path)
        except DataError as exc:
            raise DataError(source_on_one_line(str(exc), path)) from exc.__cause__
    obs, results = source.observations, source.results
    if HydraConfig.initialized():  # a sweep's points (a single run's: SourceCheck's)
        problem = fixed_settings_problem(cfg, source, list(HydraConfig.get().overrides.task))
        if problem:
            raise ConfigError(problem)
    attacked = _attacked_config(cfg, source)
    with open_dict(cfg):
        cfg.seed = attacked["seed"]
    _refuse_held(run_dir, source, attacked)  # (before the lock: its holder line is rewritten)
    with contextlib.ExitStack() as claim:
        try:
            claim.enter_context(claim_run_dir(run_dir))
        except ConfigError as exc:  # in use by another run
            raise OutputRefused(str(exc)) from None
        # under the lock: another mia-attack may have finished in this directory meanwhile
        held = _refuse_held(run_dir, source, attacked)
        if claimed is not None:
            claimed()  # the directory is this run's (or holds its finished run)
        if held is not None:
            warn_incomplete(run_dir)  # (scores.npz or the copy gone, results.json a link)
            _warn_other_scores(run_dir)
            log.info("skipping finished run %s (complete results.json of mia-attack on the "
                     "same source and config)", shown_path(run_dir))  # fmt: skip
            return None
        if results is not None and "sha256" not in results:  # (in the new run's attack.log)
            log.warning("%s records no sha256 of observations.npz (written before runs "
                        "recorded it): that the file is the run's own is checked only by its "
                        "shapes, canaries and members' accuracy", shown_path(path / "results.json"))
        _warn_naive_shadows(results, path)
        n = len(obs.labels)
        is_canary = checked_extra(source, "is_canary", np.zeros(n, dtype=bool))
        population_idx = checked_extra(source, "population_idx", np.arange(n))
        if is_canary.any():  # the file decides which records the headline leaves out: say so
            log.log(logging.INFO if results is not None else logging.WARNING,
                    "%s flags %d of its %d records as canaries (is_canary): they are left out "
                    "of the pooled figures and the verdict, and reported apart",
                    shell_path(path), int(is_canary.sum()), n)  # fmt: skip
        known = results or {}
        privacy = {k: v for k, v in (known.get("privacy") or {}).items()
                   if k not in MEASURED_PRIVACY}  # fmt: skip
        doubt_claim(privacy, known, path / "results.json")
        defense = known.get("defense")
        with stopwatch.stage("attacks and bootstrap"):
            audit = audit_loaded(  # (obs as Observations.load checked them: read_source)
                obs, cfg, defended=_defended(results),
                is_canary=is_canary, population_idx=population_idx,
                utility=_utility(known.get("utility")), privacy=privacy, defense=defense,
                training=known.get("training"), copy_groups=copy_groups(source),
                # (SourceCheck asked it of this source and config: `_settings_problem`)
                budget_checked=checked is not None,
            )  # fmt: skip
        # (the carried one-run audit's bounds, in privacy, are judged with the attacks':
        # the run's epsilon_refuted is measured again, not copied)
        with stopwatch.stage("observation"):
            obs.save(run_dir / "observations.npz", **source.extras)
        record_run(
            run_dir, audit.result, audit.vulnerability, obs,
            facts=_facts(source, attacked, canaries=int(is_canary.sum())),
            targets=audit.targets, is_canary=is_canary, histories=[], stopwatch=stopwatch,
            start=start, figures=bool(cfg.get("figures", True)),
        )  # fmt: skip
    return audit.result


def _warn_naive_shadows(results: dict[str, Any] | None, path: Path) -> None:
    """Say that a run attacked through undefended shadows is not reproduced: its
    observations.npz holds its own (defended) models only, which are the shadows here."""
    config = (results or {}).get("config")
    attack = config.get("attack") if isinstance(config, dict) else None
    if isinstance(attack, dict) and attack.get("shadow_recipe") == "undefended":
        log.warning("%s was attacked through undefended shadow models "
                    "(attack.shadow_recipe=undefended), which its observations.npz does not "
                    "hold: its own models are the shadows here (an adaptive attacker, "
                    "shadow_recipe=same), so these figures are not the run's",
                    shell_path(path))  # fmt: skip


def _warn_other_scores(run_dir: Path) -> None:
    """Warn when mia-attack's finished run, skipped, holds a scores.npz that is not the one
    its figures were measured on (`recorded_scores_problem`; another run's copied in, or
    edited): it was skipped without a word."""
    from mia_defense.report.scores import recorded_scores_problem
    from mia_defense.tracking import read_json

    try:
        problem = recorded_scores_problem(run_dir, read_json(run_dir / "results.json"))
    except MiaDefenseError:
        return  # (read as the run's just before: `_refuse_held`)
    if problem:
        log.warning("%s: a complete run, skipped as finished, but %s. Its figures (results.json) "
                    "stand; delete scores.npz and results.json alone, not the folder, and run "
                    "the same command again to write them anew from its observations.npz",
                    shown_path(run_dir), problem)  # fmt: skip


def _refuse_held(run_dir: Path, source: Source, attacked: dict[str, Any]) -> str | None:
    """`_refuse_output`'s refusal of ``run_dir`` that holds a run, raised as an
    `OutputRefused` unless it holds a finished run of this same attack (`_held_refusal`);
    ``None`` when it holds no run."""
    held = _refuse_output(run_dir, source.path, key=_output_key())
    if held is not None:
        problem = _held_refusal(held, run_dir, source, _recorded_config(source, attacked))
        if problem is not None:
            raise OutputRefused(problem)
    return held


def _attacked_config(cfg: DictConfig, source: Source) -> dict[str, Any]:
    """``cfg`` as the run attacks with it (Hydra's node left out): ``seed`` null is the
    source run's (0 for a file), and the settings the observations fix are their own
    (`record_settings`)."""
    from mia_defense.api import record_settings

    task = OmegaConf.masked_copy(cfg, [str(k) for k in cfg if k != "hydra"])
    if task.get("seed") is None:  # (before resolving: attacks take ${seed})
        with open_dict(task):
            task.seed = int((source.results or {}).get("seed", 0))
    attacked = OmegaConf.to_container(task, resolve=True)
    assert isinstance(attacked, dict)
    record_settings(attacked["attack"], own_settings(source))
    return attacked


def _recorded_config(source: Source, attacked: dict[str, Any]) -> dict[str, Any]:
    """results.json's ``config`` of an attack with ``attacked``: the source run's config
    with this attack config and seed, or ``attacked`` itself for a file."""
    if source.results is None:
        return attacked
    return {**(source.results.get("config") or {}), "attack": attacked["attack"],
            "seed": attacked["seed"]}  # fmt: skip


@hydra.main(version_base="1.3", config_path="pkg://mia_defense.conf", config_name=CONFIG_NAME)
def _hydra_main(cfg: DictConfig) -> float | None:
    """Hydra entry point; returns the strongest attack's TPR at the lowest FPR (the sweep
    objective, as mia-train's), ``None`` for a refused point of a sweep."""
    global _TASK_STARTED
    _TASK_STARTED = True
    guard_log_files(_LOG_FAILED)
    from mia_defense.allocator import keep_freed_memory
    from mia_defense.cli.build import format_table
    from mia_defense.collector import collect_from_here
    from mia_defense.files import RUN_FOLDER_SETTING
    from mia_defense.threads import one_thread

    one_thread()
    progress_lock_in_process()
    keep_freed_memory()
    collect_from_here()

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    held = HeldLog(run_dir)
    claimed: list[bool] = []
    # a write that fails names the setting that chooses this run's folder (a sweep's point's)
    setting = RUN_FOLDER_SETTING.set(
        "hydra.sweep.dir" if HydraConfig.get().mode == RunMode.MULTIRUN else "hydra.run.dir")

    def claim() -> None:
        held.release()
        claimed.append(True)

    try:
        take_interrupts_in_job()  # (in a pool's worker: its job takes Ctrl-C now)
        result = run(cfg, run_dir, claimed=claim)
        if HydraConfig.get().mode != RunMode.MULTIRUN:  # (complete, or skipped as finished)
            _FINISHED[:] = [run_dir]
        if result is None:  # skipped: a finished run of this same attack
            return _recorded_headline(run_dir, min(float(f) for f in cfg.attack.fprs))
    except MiaDefenseError as exc:
        name = ConfigError.__name__ if isinstance(exc, OutputRefused) else type(exc).__name__
        if isinstance(exc, OutputRefused):
            held.drop()  # another run's folder: its log stays as it was
        log.error("%s: %s", name, exc)
        if HydraConfig.get().mode == RunMode.MULTIRUN:  # one bad point of a grid: the
            said = " ".join(line.strip() for line in str(exc).splitlines())  # others run
            _SWEEP_FAILED.append((run_dir, f"{name}: {said}"))
            say(run_dir, f"{name}: {said}")  # (for a sweep whose jobs run elsewhere)
            return None
        raise SystemExit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        if claimed and HydraConfig.get().mode != RunMode.MULTIRUN:
            _say_what_was_lost(run_dir)
        end_interrupted(log, _interrupted_line())
    finally:  # ended before the claim (a refusal, Ctrl-C): in another run's folder nothing
        held.settle(lambda: _others(run_dir, cfg))  # is written; in a new one, why
        RUN_FOLDER_SETTING.reset(setting)
    fprs = sorted(float(f) for f in cfg.attack.fprs)  # checked by run
    from mia_defense.report.checks import run_end_lines
    from mia_defense.tracking import read_json

    caveats = "".join(f"{line}\n" for line in run_end_lines(read_json(run_dir / "results.json")))
    try:
        sys.stdout.write(  # one write: `| head` reads it whole (see train._print_summary)
            f"{format_table(result, fprs)}\n{caveats}"
            f"\nattacked:      {shell_path(_from_launch_dir(Path(str(cfg.source))))}\n"
            f"run directory: {shell_path(run_dir)}\n"
            f"look at it:    {tool_command('tensorboard')} --logdir {shell_path(run_dir)}\n")
        sys.stdout.flush()
    except BrokenPipeError:  # mia-attack ... | head: the run is written, the reader gone
        reader_gone()
    return result.headline(fprs[0])


def _interrupted_line() -> str:
    """The line of a Ctrl-C (SIGTERM) of mia-attack: where it landed once the attack's
    results.json was complete (as its table was printed, in the tool's end), that nothing is
    lost and the folder; it said only 'nothing was written to the source' there."""
    if _FINISHED and _attack_done(_FINISHED[0]):
        return ("interrupted after the attack finished: its results.json in "
                f"{shell_path(_FINISHED[0])} is complete, nothing is lost or left to resume, "
                "and nothing was written to the source")  # fmt: skip
    return "interrupted; nothing was written to the source"


def _attack_done(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds a complete results.json (an attack's record)."""
    from mia_defense.tracking import read_json

    try:
        return read_json(run_dir / "results.json").get("status") == "complete"
    except (MiaDefenseError, OSError):
        return False


def _say_what_was_lost(run_dir: Path) -> None:
    """Before the interrupted line of an attack that claimed its folder (no results.json
    there yet): what was lost and how to run it again; the line itself said only that the
    source is untouched. The attack keeps nothing to resume from."""
    if os.path.lexists(run_dir / "results.json"):
        return
    log.warning("lost: this attack's results (%s holds no results.json, and nothing to resume "
                "from); run the same command again to attack anew", shell_path(run_dir))


def _others(run_dir: Path, cfg: DictConfig) -> bool:
    """Whether ``run_dir``, not yet claimed by this run, is another run's: it holds a run or
    its files (`_refuse_output`), or another process holds its lock. A sweep's point refused
    before its claim (a bad value) wrote its refusal into that run's attack.log."""
    from mia_defense.files import path_text_problem

    text = str(cfg.get("source") or ".")
    source = _from_launch_dir(Path("." if path_text_problem(text) else text))
    if _refuse_output(run_dir, source, key=_output_key()) is not None:
        return True
    return locked_by_another(run_dir)


def _recorded_headline(run_dir: Path, fpr: float) -> float | None:
    """`RunResult.headline` as ``run_dir``'s results.json records it: a skipped run's
    sweep objective (null: a NaN, as results.json writes it)."""
    from mia_defense.experiment import fpr_key
    from mia_defense.tracking import read_json

    payload = read_json(run_dir / "results.json")
    strongest = payload.get("strongest_attack")
    return float("nan") if strongest is None else payload["attacks"][strongest][fpr_key(fpr)]


def split_path(args: list[str]) -> tuple[str | None, list[str]]:
    """PATH (the first argument that is neither an option, an option's value nor an
    override) and the other arguments. An argument naming an existing file or folder is
    PATH even with ``=`` in it (a sweep's run folders are named ``key=value,...``)."""
    previous = ""
    for i, arg in enumerate(args):
        value = _option_value(previous, arg)
        previous = "" if value else arg
        if value or arg.startswith("-"):
            continue
        if _on_disk(arg) or not ("=" in arg or arg[:1] in "+~"):
            return arg, args[:i] + args[i + 1 :]
    return None, args


def _option_value(previous: str, arg: str) -> bool:
    """Whether ``arg`` is the value of the option ``previous`` (``--cfg job``, ``--info
    defaults``: --info's value is optional, one of Hydra's), not PATH nor an override:
    ``mia-attack --info defaults`` ran as ``--info source='defaults'`` (argparse's usage and
    'invalid choice')."""
    return previous in _VALUED or (previous in ("--info", "-i") and arg in _INFO)


def source_on_one_line(message: str, source: Path | str) -> str:
    """``message`` about the source ``source`` with its name, where it holds a newline or
    another control character, in the shell's ``$'...'`` form (a run folder
    ``$'nl\\ndir'`` was "DataError: nl", then "dir: no observations.npz in it" on a line of
    its own), and one past `PATH_LIMIT` characters clipped: `shown_path`. The path enters
    `mia_defense.attack_source`'s messages as text."""
    text = str(source)
    return message.replace(text, shown_path(text)) if text else message


def _unnamable_source(source: str) -> str | None:
    """Why the text ``source`` (PATH, or source=PATH) can name no file or folder
    (`path_text_problem`), ``None`` where it can; the text as `shown_path` names a path (one
    holding a NUL as its repr, as `home_expanded`'s refusal: no shell word holds a NUL)."""
    from mia_defense.files import path_text_problem  # (numpy: not at start-up)

    problem = path_text_problem(source)
    if problem is None:
        return None
    shown = shown_path(source, quoted="\0" in source)
    return (f"source={shown}: {problem}; give the path of an "
            "observations .npz (docs/observations.md) or of a finished mia-train run directory")


def _on_disk(arg: str) -> bool:
    """Whether ``arg`` names an existing file or folder (a FIFO's name is stat-ed, never
    opened); a text no path can be (`path_text_problem`) is not looked up."""
    from mia_defense.files import path_text_problem

    return path_text_problem(arg) is None and os.path.exists(Path(arg))  # ("": the cwd, as ever)


def _options_first(args: list[str]) -> list[str]:
    """``args`` with the options (and their values) before the overrides: argparse takes
    the overrides as one run, so ``PATH --cfg job`` (``--cfg job source=PATH``) was refused
    as "unrecognized arguments"."""
    options: list[str] = []
    overrides: list[str] = []
    previous = ""
    for arg in args:
        value = _option_value(previous, arg)
        (options if value or arg.startswith("-") else overrides).append(arg)
        previous = "" if value else arg
    return [*options, *overrides]


def home_source(args: list[str]) -> list[str]:
    """``args`` with a ``source=~/PATH`` (``~user/PATH``) made the home folder's path, as
    mia-train's dataset.path and cache_dir, mia-report's --out and load_observations take
    one (`home_expanded`): the shell expands ``~`` only at the start of a word, so
    ``'source=~/obs.npz'`` reached mia-attack as given and was refused ('write
    source=$HOME/obs.npz'), and Hydra's quoted ``"source='~/obs.npz'"`` was 'no such file'.
    A sweep's list (``source=~/a,~/b``) is left as it is (refused: `refuse_unexpanded_home`).
    A PATH of ``~/...`` (quoted: ``OBS="~/obs.npz"; mia-attack "$OBS"``), which no override
    is, is the home folder's too: it was taken for Hydra's ``~KEY`` and answered with the
    usage line. Exit 2 with one line on a ``~user`` of no known home folder."""
    from mia_defense.override_checks import parsed_override

    expanded = []
    for arg in args:
        key, eq, value = arg.partition("=")
        if arg.startswith("~/"):
            arg = str(_home_path(arg))
        elif eq and key.lstrip("+") == "source" and "~" in value[:2]:
            override = parsed_override(arg)
            text = (value if "," not in value else None) if override is None else (
                None if override.is_sweep_override() else override.value())
            if isinstance(text, str) and text.startswith("~"):
                arg = f"{key}={hydra_quoted(str(_home_path(text)))}"
        expanded.append(arg)
    return expanded


def _home_path(text: str) -> Path:
    """``text`` with its leading ``~`` the home folder (`home_expanded`), or exit 2 with
    its one line."""
    from mia_defense.files import home_expanded

    try:
        return home_expanded(text, where="mia-attack source")
    except ConfigError as exc:
        print(f"ConfigError: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR) from None


def refuse_training_settings(args: list[str]) -> None:
    """Exit 2 on an override of a mia-train setting (``release=topk``): Hydra said "No match
    in the defaults list. To append ... use +release=topk", and that was refused as an
    unknown key: mia-attack cannot change what the models were trained on or released (a
    ``~defense.dp`` too, told to select it with defense=[NAME,...])."""
    for arg in args:
        if arg.startswith("-") or ("=" not in arg and not arg.startswith("~")):
            continue
        group = training_group(arg)
        if group is not None:
            fix = f"run mia-train with {shlex.quote(arg.lstrip('+'))} instead" if "=" in arg \
                else f"there is nothing of it to delete here: drop {shlex.quote(arg)}"
            print(f"ConfigError: {arg}: mia-attack attacks what the run's models already "
                  f"released (its observations); {group} is fixed when they are trained and "
                  f"queried: {fix} (the attack settings, attack.*, are mia-attack's)",
                  file=sys.stderr)  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR)


def main() -> None:
    """``mia-attack PATH [OVERRIDES]``: exit 0 with results written; 2 on a user error (a
    bad file or override, an output directory in the source run); 130 on Ctrl-C."""
    refuse_misused_flags(sys.argv[1:], tool="mia-attack")
    sys.argv = [sys.argv[0], *home_source(sys.argv[1:])]
    refuse_unexpanded_home(sys.argv[1:])
    refuse_unquoted_non_ascii(sys.argv[1:])
    warn_ineffective_overrides(sys.argv[1:])
    refuse_unknown_hydra_keys(sys.argv[1:])  # +hydra.run.dri=x: added and never read
    refuse_shadowed_configs(sys.argv[1:], config_name=CONFIG_NAME)
    refuse_missing_plugins(sys.argv[1:])
    path, rest = split_path(sys.argv[1:])
    given = [a for a in rest if a.lstrip("+~").startswith("source=")]
    if path is not None and given:
        print(f"ConfigError: PATH {shell_path(path)} and {given[0]}: two sources; give "
              "one, as PATH or as source=PATH", file=sys.stderr)  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR)
    other, _ = split_path(rest)  # (a shell glob, outputs/sweep/*: Hydra's "Error parsing")
    if path is not None and other is not None and _on_disk(other):
        print(f"ConfigError: two PATHs, {shell_path(path)} and {shell_path(other)}: "
              "mia-attack attacks one source per run; attack each in turn, or sweep them: "
              "mia-attack -m 'source=A,B'", file=sys.stderr)  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR)
    refuse_bare_words(rest, tool="mia-attack", known=TOP_KEYS)
    if path is not None:
        rest = [*_options_first(rest), f"source={hydra_quoted(path)}"]
    elif not any(a.startswith(("source=", "-")) for a in rest):
        print(f"usage: {USAGE}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)
    refuse_training_settings(rest)
    refuse_misspelt_keys(rest, tool="mia-attack", groups=("attack",), known=TOP_KEYS)
    refuse_null_groups(rest)
    refuse_hydra_targets(rest)
    sys.argv = [sys.argv[0], *rest]
    global _TASK_STARTED
    _TASK_STARTED = False  # (a previous call's task: its exit codes and words are not this one's)
    _SWEEP_FAILED.clear()
    _LOG_FAILED.clear()
    _FINISHED.clear()
    gather_returned()
    try:
        run_entry(_hydra_main, started=lambda: _TASK_STARTED, interrupted=_interrupted_line,
                  config_name=CONFIG_NAME)
    finally:
        _CHECKED.clear()
    if _LOG_FAILED:
        print(log_files_failed(_LOG_FAILED), file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)
    # refused in the jobs' own processes (joblib, submitit, Ray): said on their JobReturns
    _SWEEP_FAILED.extend(returned(_SWEEP_FAILED))
    if _SWEEP_FAILED:
        _print_failed_points(_SWEEP_FAILED)
        raise SystemExit(EXIT_USER_ERROR)


# What a point of mia-attack writes into its run directory before results.json, in order.
_POINT_OUTPUTS = ("observations.npz", "scores.npz", "tb")


def _print_failed_points(points: list[tuple[Path, str]]) -> None:
    """The sweep's end: its points refused before they attacked (nothing written), then
    those that failed after they began writing (a full disk: their files are kept without
    a results.json), as mia-train's sweep tells them apart; the latter were said to be
    refused with nothing attacked there. A folder holding a results.json (a finished run,
    which the point refused to write over) is no failed point."""
    failed = [(d, m) for d, m in points if not os.path.lexists(Path(d) / "results.json")
              and any(os.path.lexists(Path(d) / n) for n in _POINT_OUTPUTS)]  # fmt: skip
    refused = [point for point in points if point not in failed]
    if refused:
        print_refused(refused, nothing="nothing was attacked there",
                      fix="fix the value and run them again")
    if failed:
        print_points(f"{len(failed)} run(s) of this sweep failed after they began (they wrote "
                     "observations.npz or scores.npz there, but no results.json, so no result; "
                     "fix the cause, such as a full disk, and attack them again into the same "
                     "folders or a new hydra.sweep.dir)", failed)


if __name__ == "__main__":
    main()

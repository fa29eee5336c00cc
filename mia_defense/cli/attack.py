"""`mia-attack PATH`: the configured attack suite on models trained elsewhere.

PATH is an observations file (docs/observations.md: what your own models released) or a
finished mia-train run directory (its observations.npz). The ``attack`` config group is
mia-train's, with the same overrides; the results land in a new run directory
(``outputs/DATE/TIME``, or ``hydra.run.dir=...``) in mia-train's layout: results.json,
scores.npz, tb/ and a copy of the observations attacked. The source is only read. A run
directory that holds a finished run of the same attack (same source, content, config and
code: a sweep or run started again) is skipped, as mia-train skips its finished runs.

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
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict

from mia_defense.cli.arguments import (
    refuse_hydra_targets,
    refuse_missing_plugins,
    refuse_misspelt_keys,
    refuse_misused_flags,
    refuse_null_groups,
    refuse_unexpanded_home,
    refuse_unknown_hydra_keys,
    refuse_unquoted_non_ascii,
    warn_ineffective_overrides,
)
from mia_defense.cli.commands import shell_path, tool_command
from mia_defense.cli.entry import EXIT_INTERRUPTED, EXIT_USER_ERROR, reader_gone, run_entry
from mia_defense.cli.held_log import HeldLog, OutputRefused, locked_by_another
from mia_defense.cli.run_dirs import job_log_files
from mia_defense.cli.sweep_checks import task_overrides
from mia_defense.config_keys import training_group
from mia_defense.errors import ConfigError, DataError, MiaDefenseError
from mia_defense.hydra_setup import hydra_config_of_the_job, setup_hydra

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from mia_defense.experiment import RunFacts, RunResult
    from mia_defense.observations import Observations

__all__ = ["OutputRefused", "Source", "SourceCheck", "main", "read_source", "run"]

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
# Options of Hydra's command line that take a value (the value is not PATH).
_VALUED = frozenset({"--cfg", "-c", "--package", "-p", "--config-path", "-cp",
                     "--config-name", "-cn", "--config-dir", "-cd", "--experimental-rerun"})
_TASK_STARTED = False
# The points of this process's sweep refused with a user error (attack.num_targets=9 of a
# grid over 4 models): the others still run, and the sweep names them at its end, exit 2.
_SWEEP_FAILED: list[tuple[Path, str]] = []
# The source `SourceCheck` read (its resolved path and `Source`) before Hydra made the run
# directory, for the task to attack without reading it again; cleared when main() ends.
_CHECKED: dict[Path, Source] = {}
# --help: the usage and the config (the attack group); not mia-train's other groups.
_HELP = """${hydra.help.header}

== Config ==
The attack group of conf/attack/default.yaml, as mia-train composes it. Override any key
(attack.num_targets=4, attack.fprs=[0.01,0.001], '~attack.attacks.shokri'):

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


@dataclass(frozen=True)
class Source:
    """What mia-attack attacks, read from PATH.

    Attributes:
        path: the file or run directory given.
        observations: the file's observations.
        extras: its other arrays (mia-train's ``is_canary``, ``population_idx``, ``test_idx``,
            ``copy_groups``).
        results: results.json of a mia-train run directory (``None`` for a file).
    """

    path: Path
    observations: Observations
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    results: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        return "observations" if self.results is None else "run_directory"

    @property
    def file(self) -> Path:
        return self.path / "observations.npz" if self.path.is_dir() else self.path


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
    run_dir = _resolved(run_dir)
    inside = _source_dir(source)
    if (_resolved(source).is_dir() or (inside / "results.json").exists()) and (
        run_dir == inside or inside in run_dir.parents
    ):
        return (f"{key}={run_dir} lies in the run attacked ({inside}); mia-attack never writes "
                f"into it: choose another directory, e.g. {key}=outputs/attack")  # fmt: skip
    if (run_dir / "results.json").exists() and not (rerun and _attack_of(run_dir, source)):
        return (f"{key}={run_dir} holds a run already (results.json); mia-attack writes "
                f"into a new directory: choose another {key}")  # fmt: skip
    from mia_defense.tracking.artifacts import DIGESTED_FOLDERS  # (mia-train's models)

    models = next((name for name in DIGESTED_FOLDERS if os.path.lexists(run_dir / name)), None)
    if models is not None:
        return (f"{key}={run_dir} holds a mia-train run's models ({models}/): mia-attack "
                "trains none, and would write its observations.npz and results.json over "
                "that run's files and beside its models; choose another "
                f"{key} (mia-train resumes that run in its own directory)")  # fmt: skip
    return _training_leftovers(run_dir, key=key)


# What a run folder holds besides results.json: a folder holding its observations.npz without
# mia-attack's attack.log (nor a results.json) is no earlier attempt of mia-attack's.
_RUN_ARRAYS = ("observations.npz", "scores.npz", "tb")


def _training_leftovers(run_dir: Path, *, key: str) -> str | None:
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
    return (f"{key}={run_dir} holds what is left of another run ({found}): mia-attack would "
            "write its observations.npz, scores.npz and results.json over that run's files; "
            "nothing was changed. Choose a new directory for "
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
    return payload if payload.get("status") == "complete" and isinstance(recorded, dict) and (
        recorded.get("path") == str(_resolved(source))) else None


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
        missing = _missing(str(source)) or _unreadable(Path(str(source)))
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
                problem = _fixed_problem(config, checked, task_overrides(config)) or (
                    _rerun_problem(config, checked, Path(config.hydra.run.dir))
                )
        if problem:
            log.error("%s: %s", "DataError" if missing else "ConfigError", problem)
            raise SystemExit(EXIT_USER_ERROR)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        source = OmegaConf.select(config, "source", throw_on_missing=False)
        sources = [source] if source is not None else []
        sources += _swept_sources(task_overrides(config))
        for path in (Path(str(s)) for s in sources):
            if not path.exists():  # refused per job, in a folder of its own
                continue
            problem = _refuse_output(Path(config.hydra.sweep.dir), path, key="hydra.sweep.dir") or (
                # a job's folder: one level down, as hydra.sweep.subdir makes it
                _hydra_writes_in(config, path, Path(config.hydra.sweep.dir) / "job")
            )
            if problem:
                log.error("ConfigError: %s", problem)
                raise SystemExit(EXIT_USER_ERROR)


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

    try:
        check_attack_config(config)
    except ConfigError as exc:
        return str(exc)
    return None


def _missing(path: Path | str) -> str | None:
    """Why PATH names nothing to attack: no such file, or an empty PATH (which ``Path``
    would read as the working directory), or ``None``."""
    if str(path) == "" or (not str(path).strip() and not Path(path).exists()):
        return (f"source={str(path)!r}: an empty PATH; give an observations .npz "
                "(docs/observations.md) or a finished mia-train run directory")  # fmt: skip
    if Path(path).exists():
        return None
    return (f"{path}: no such file or directory; give an observations .npz "
            "(docs/observations.md) or a finished mia-train run directory")  # fmt: skip


def _no_observations(path: Path) -> str:
    return (f"{path}: no observations.npz in it; give a finished mia-train run directory "
            "(for a sweep, one of its run folders) or an observations .npz")  # fmt: skip


def _unreadable(path: Path) -> str | None:
    """Why PATH, which exists, holds nothing to read (a folder without observations.npz, a
    FIFO or a device, never opened: it would block), or ``None``; asked before Hydra makes
    the run directory, so that such a PATH leaves no empty run folder behind."""
    from mia_defense.files import require_regular_file

    if path.is_dir():
        if not (path / "observations.npz").exists():
            return _no_observations(path)
        path = path / "observations.npz"
    try:
        require_regular_file(path)
    except DataError as exc:
        return str(exc)
    return None


def read_source(path: Path) -> Source:
    """The observations (and results.json) of PATH; a `DataError` names what is missing."""
    from mia_defense.observations import load_file
    from mia_defense.tracking import read_json

    path = Path(path)
    missing = _missing(path)
    if missing:
        raise DataError(missing)
    if path.is_dir():
        if not (path / "observations.npz").exists():
            raise DataError(_no_observations(path))
        results = read_json(path / "results.json") if (path / "results.json").exists() else None
        if results is not None and results.get("status") != "complete":
            raise DataError(
                f"{path / 'results.json'}: status {results.get('status')!r}, not complete; "
                "finish the run first (run the same mia-train command again)"
            )
        problem = None if results is None else _results_problem(results)
        if problem:
            raise DataError(_unusable_facts(path, problem))
        before = _identity(path / "observations.npz")
        recorded = _sha256_matches(path, results)  # (hashed first: as the run wrote it)
        _refuse_other_models(path, results)
        _refuse_edited_config(path, results)
        obs, extras = load_file(path / "observations.npz")
        _refuse_changed(path / "observations.npz", before)  # (the file hashed is the one read)
        mismatch = None if results is None else (_not_the_runs(obs, results)
                                                 or _canaries_unflagged(extras, results))
        if mismatch and recorded:
            raise DataError(
                f"{path / 'results.json'}: {mismatch}, yet observations.npz is the file the run "
                "wrote (its sha256 is the one recorded): results.json was edited after the run; "
                "put the run's own results.json back, or attack the observations alone "
                f"(mia-attack {path / 'observations.npz'})"
            )
        if mismatch or recorded is False:
            found = mismatch or (
                "its sha256 differs from the one results.json records (sha256[\"observations."
                "npz\"]): replaced or edited after the run (another run's, an edited copy, one "
                "of another mia-defense version)")  # fmt: skip
            raise DataError(
                f"{path / 'observations.npz'}: {found}: they are not this run's (replaced, or "
                f"copied from another run), and its facts would be recorded beside another "
                f"run's figures; attack the file alone (mia-attack {path / 'observations.npz'}) "
                "or put the run's own observations back"
            )
        # (after the observations' checks, which say more of the same edits)
        edited = None if results is None else _edited_problem(results, extras)
        if edited:
            raise DataError(_unusable_facts(path, edited))
        return _checked_extras(Source(path, obs, extras, results))
    before = _identity(path)
    obs, extras = load_file(path)
    _refuse_changed(path, before)
    return _checked_extras(Source(path, obs, extras))


def _identity(file: Path) -> tuple[int, ...] | None:
    """What tells a file's content apart without reading it: its inode, size and change
    times (``None`` where it cannot be read: the reader names that)."""
    try:
        info = os.stat(file)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _refuse_changed(file: Path, before: tuple[int, ...] | None) -> None:
    """A `DataError` when ``file`` was replaced or written to while mia-attack read it (a
    run writing it again, a copy still under way): the sha256 checked was that of the file
    before, the arrays attacked another's."""
    if before is not None and _identity(file) != before:
        raise DataError(
            f"{file}: changed while mia-attack read it (replaced or written to: a run or a "
            "copy still writing it); nothing was attacked. Attack it again once nothing "
            "writes to it"
        )


def _unusable_facts(run: Path, problem: str) -> str:
    """The refusal of a run folder whose results.json has ``problem``."""
    return (f"{run / 'results.json'}: {problem}; mia-attack reads the run's facts from it: "
            f"attack the observations alone instead (mia-attack {run / 'observations.npz'})")


def _refuse_other_models(run: Path, results: dict[str, Any] | None) -> None:
    """A `DataError` when the run folder's checkpoints are not the models its results.json
    measured (`checkpoint_mismatch`: another run's results.json and observations.npz copied
    into the folder), whose facts mia-attack would carry as the folder's run's."""
    from mia_defense.tracking.artifacts import checkpoint_mismatch

    found = None if results is None else checkpoint_mismatch(run, results)
    if found is not None:
        raise DataError(f"{run / 'results.json'}: {found}; put the run's own results.json and "
                        "observations.npz back, or attack the observations alone (mia-attack "
                        f"{run / 'observations.npz'})")  # fmt: skip


def _refuse_edited_config(run: Path, results: dict[str, Any] | None) -> None:
    """A `DataError` when results.json's config is not the one that trained the run's models
    (`config_mismatch`: the fingerprint its config, ``data_fingerprint`` and
    ``versions.training_code`` give differs from the one mia-train stamped on
    ``checkpoints/model_0000.pt``, a file `_refuse_other_models` found to be the one
    results.json records). A results.json edited after the run (``train.lr``,
    ``model.hidden``, a defense added with its name) was carried into mia-attack's record, and
    its figures were reported as those of a config that never trained these models. Not
    checked without that checkpoint or its recorded sha256, or where it cannot be read
    without torch."""
    from mia_defense.tracking.artifacts import FIRST_CHECKPOINT, config_mismatch

    mismatch = None if results is None else config_mismatch(run, results)
    if mismatch is None:
        return
    found, expected = mismatch
    raise DataError(
        f"{run / 'results.json'}: its config (with data_fingerprint and versions.training_code) "
        f"is not the one that trained the run's models: {FIRST_CHECKPOINT}, the file the run "
        f"wrote, was trained under fingerprint {found}, and results.json's config gives "
        f"{expected}: results.json was edited after the run (config.train, config.model, "
        "config.defense, seed...), and mia-attack would record these figures as that config's; "
        "put the run's own results.json back, or attack the observations alone (mia-attack "
        f"{run / 'observations.npz'})"
    )


def _sha256_matches(run: Path, results: dict[str, Any] | None) -> bool | None:
    """Whether the run's observations.npz has the sha256 its results.json records (written
    by every run since they record it); ``None`` when it records none (an older run, or no
    results.json). A malformed record is a `DataError` naming the key."""
    from mia_defense.files import require_readable
    from mia_defense.tracking.artifacts import matches_recorded_sha256

    if results is None:
        return None
    # (chmod 000: a PermissionError, exit 1, as the file was hashed)
    require_readable(run / "observations.npz")
    try:
        return matches_recorded_sha256(run, results, "observations.npz")
    except ValueError as exc:
        raise DataError(f"{run / 'results.json'}: {exc}; mia-attack checks the run's "
                        "observations.npz against it: put the run's own results.json back, or "
                        f"attack the observations alone (mia-attack {run / 'observations.npz'})"
                        ) from None


def _checked_extras(source: Source) -> Source:
    """``source`` once its ``is_canary`` and ``population_idx`` pass `_extra` (asked here,
    before Hydra makes the run directory, as well as by `run`, which reads their values)."""
    import numpy as np

    n = len(source.observations.labels)
    _extra(source, "is_canary", np.zeros(n, dtype=bool))
    _extra(source, "population_idx", np.arange(n))
    _copy_groups(source)
    return source


def _copy_groups(source: Source) -> np.ndarray | None:
    """The file's ``copy_groups`` (mia-train's, where the population holds exact copies),
    checked; ``None`` for a file without them (no copies, or written before runs saved
    them)."""
    import numpy as np

    from mia_defense.observations import COPY_GROUPS, copy_group_problem

    if COPY_GROUPS not in source.extras:
        return None
    groups = np.asarray(source.extras[COPY_GROUPS])
    problem = copy_group_problem(groups, source.observations.masks)
    if problem:
        raise DataError(f"{source.file}: {COPY_GROUPS}: {problem}")
    return groups


# Sections of a run's results.json that mia-attack carries into its own: JSON objects (null
# reads as empty), ``utility`` and ``defense`` required; and the utility figures it reads.
_SECTIONS = ("utility", "defense", "config", "hparams", "privacy", "training")
_UTILITY = ("test_accuracy", "train_accuracy", "generalization_gap", "chance_accuracy")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _results_problem(results: dict[str, Any]) -> str | None:
    """Why a run's results.json cannot give mia-attack the run's facts (a section of the
    wrong type, a utility figure that is not a number, a seed that is not one), or ``None``."""
    from mia_defense.tracking import schema_problem

    problem = schema_problem(results)
    if problem:
        return problem
    for key in _SECTIONS:
        value = results.get(key)
        if value is None and key not in ("utility", "defense"):
            continue
        if not isinstance(value, dict):
            return f"{key} is {_kind(value)}, not an object"
    utility = results["utility"]
    for key in _UTILITY:
        if key not in utility:
            return f"utility.{key} is missing"
        value = utility[key]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not (number or (value is None and key != "chance_accuracy")):
            return f"utility.{key} is {_kind(value)} {value!r}, not a number"
        low = -1.0 if key == "generalization_gap" else 0.0
        if number and not low <= value <= 1.0:  # NaN and Infinity too (json reads them)
            return f"utility.{key} is {value!r}, outside [{low:g}, 1]"
    std = utility.get("test_accuracy_std")  # optional: mia-report reads it when given
    if std is not None and (isinstance(std, bool) or not isinstance(std, int | float)
                            or not 0 <= std <= 1):  # fmt: skip
        return f"utility.test_accuracy_std is {_kind(std)} {std!r:.60}, not a number in [0, 1]"
    problem = _gap_problem(utility)
    if problem:
        return problem
    seed = results.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        return f"seed is {_kind(seed)} {seed!r}, not an integer >= 0"
    return (_facts_problem(results) or _audit_ran_problem(results) or _settings_problem(results)
            or _defense_problem(results))


def _edited_problem(results: dict[str, Any], extras: dict[str, np.ndarray]) -> str | None:
    """mia-report's checks of a file edited after the run (`edited_problem`: test_size,
    test_accuracy_std, chance_accuracy, the headline; `test_records_problem`: test_size
    against the observations' ``test_idx``), in its words: passed here, the run was
    attacked again and only its new record skipped."""
    from mia_defense.report.checks import edited_problem, test_records_problem

    held = extras.get("test_idx")
    count = len(held) if held is not None and held.ndim == 1 else None
    return edited_problem(results) or test_records_problem(results, count)


def _defense_problem(results: dict[str, Any]) -> str | None:
    """How the run's defense or release name contradicts its config (`mia-report`'s rule,
    `defense_problem`: an undefended run renamed ``dp``), or ``None``: mia-attack carries
    the name into its record, which mia-report then groups as a defended run."""
    from mia_defense.report.checks import defense_problem

    return defense_problem(results)


def _gap_problem(utility: dict[str, Any]) -> str | None:
    """Why ``generalization_gap`` is not ``train_accuracy - test_accuracy``, as every run
    writes it (null with a null test accuracy), or ``None``: a test accuracy changed by hand
    was carried into the new record (mia-report ranks runs by it)."""
    train, test, gap = (utility[k] for k in ("train_accuracy", "test_accuracy",
                                             "generalization_gap"))
    if train is None or (test is None and gap is None):
        return None
    if test is None or gap is None or abs(gap - (train - test)) > 1e-6:
        return (f"utility.generalization_gap is {gap!r}, but train_accuracy - test_accuracy "
                f"is {train!r} - {test!r}: a figure was changed after the run; put the "
                "run's own results.json back")  # fmt: skip
    return None


def _settings_problem(results: dict[str, Any]) -> str | None:
    """Why a `FIXED_SETTINGS` value of the run's config is none mia-train takes (a repeats
    of text, a white_box of 1), or ``None``: mia-attack states them as the observations'
    own in its record and names them in its refusals, where mia-report reads them."""
    from mia_defense.api import FIXED_SETTINGS
    from mia_defense.config import ATTACK, Group, Param

    for key in FIXED_SETTINGS:
        value = _setting(results, key)
        spec: Any = Group(ATTACK)
        for part in key.split("."):
            spec = spec.keys[part] if isinstance(spec, Group) else None
        line = spec.problem(f"config.attack.{key}", value) if (
            isinstance(spec, Param) and value is not _UNKNOWN
        ) else None  # fmt: skip
        if line:
            return line
    return None


def _audit_ran_problem(results: dict[str, Any]) -> str | None:
    """Why ``privacy.audit`` cannot be carried: the run's config says it ran no one-run audit
    (the figures were added or copied from another run), or ``None``. mia-attack cannot run
    the audit (its canaries are part of training): it carries the run's, which the new
    record must not show beside ``attack.audit: none``."""
    if (results.get("privacy") or {}).get("audit") is None:
        return None
    said = _setting(results, "audit")
    if said == "one_run":
        return None
    shown = "missing" if said is _UNKNOWN else repr(said)
    return (f"privacy.audit holds a one-run audit's figures, but config.attack.audit is "
            f"{shown}: the run ran no audit (its figures were added or copied from another "
            "run); drop privacy.audit")  # fmt: skip


# Facts of a run's results.json that mia-attack copies into its own: the keys of each type
# (null allowed: an older run may not state them), as mia-report reads them.
_COUNTS = ("num_models", "num_classes", "population_size", "test_size", "canaries")
_TEXTS = ("dataset", "data_fingerprint", "data_digest")


def _facts_problem(results: dict[str, Any]) -> str | None:
    """Why a fact mia-attack copies is of the wrong type (a dataset that is no name, a
    count that is no integer, an input shape that is no list of sizes), or ``None``: the
    run written with it was complete, yet mia-report skipped it ("not a name")."""
    from mia_defense.report.checks import count_too_large

    for key in _TEXTS:
        value = results.get(key)
        if value is not None and not isinstance(value, str):
            return f"{key} is {_kind(value)} {value!r:.60}, not a string"
    for key in _COUNTS:
        value = results.get(key)
        low = 1 if key in ("num_models", "num_classes") else 0
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < low):  # fmt: skip
            return f"{key} is {_kind(value)} {value!r:.60}, not an integer >= {low}"
        if count_too_large(key, value):  # (mia-report's refusal: 2**53 hid the caveats)
            return count_too_large(key, value)
    shape = results.get("input_shape")
    if shape is not None and not (isinstance(shape, list) and all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape)):
        return f"input_shape is {_kind(shape)} {shape!r:.60}, not a list of sizes >= 1"
    labels = results.get("class_labels")
    if labels is not None and not isinstance(labels, list):
        return f"class_labels is {_kind(labels)} {labels!r:.60}, not a list"
    classes = results.get("num_classes")
    if labels is not None and isinstance(classes, int) and len(labels) != classes:
        return (f"class_labels names {len(labels)} classes, num_classes is {classes}: one "
                "label per class index")  # fmt: skip
    config = results.get("config") or {}
    plan = config.get("plan")
    planned, count = plan.get("num_models") if isinstance(plan, dict) else None, results.get(
        "num_models")  # fmt: skip
    if isinstance(planned, int) and not isinstance(planned, bool) and isinstance(count, int) \
            and planned != count:  # (mia-report skips the new record for it, as edited)
        return (f"num_models is {count}, but config.plan.num_models, which trained them, is "
                f"{planned}: a figure was changed after the run")
    return _privacy_problem(results.get("privacy") or {}, results.get("num_models"),
                            config.get("defense"))


# What the attack stage measures into ``privacy``: the source run's attacks' findings, never
# carried (a leak at chance utility, an undefined verdict or a refuted DP claim the new
# attacks do not find stayed in the new results.json; the stage only ever sets them).
_MEASURED_PRIVACY = frozenset({
    "empirical_epsilon", "empirical_epsilon_delta", "leak_without_utility",
    "leak_without_utility_reason", "no_verdict_reason", "epsilon_refuted",
    "epsilon_refuted_by", "epsilon_refuted_reason",
    # the checks of the masks against the outputs (`mia_defense.api.run_audit`)
    "masks_suspect", "masks_out_vs_test_auc", "masks_unbalanced",
    "attacks_inverted",  # `mia_defense.pipeline.evaluate.inverted_attacks`
    "white_box_attacks_inverted",
})  # fmt: skip


def _privacy_problem(
    privacy: dict[str, Any], num_models: Any = None, defenses: Any = None
) -> str | None:
    """Why the accountant's figures mia-attack carries cannot be used: a δ outside (0, 1)
    (the empirical ε bound is computed at it: 'abc' was a TypeError traceback, 5 a bound
    at δ=5) or an ε that is no number >= 0 (infinite: no noise), or ``None``."""
    import math

    from mia_defense.report.checks import flag_problem

    # (mia-report's refusal: "false" read as a valid ε; epsilon_refuted is measured again)
    flags = flag_problem(privacy, flags=("epsilon_valid",))
    if flags is not None:
        return flags
    delta, epsilon = privacy.get("delta"), privacy.get("epsilon")
    number = (int, float)
    if delta is not None and (isinstance(delta, bool) or not isinstance(delta, number)
                              or not 0 < delta < 1):  # fmt: skip
        return f"privacy.delta is {_kind(delta)} {delta!r:.60}, not a number in (0, 1)"
    if epsilon is not None and (isinstance(epsilon, bool) or not isinstance(epsilon, number)
                                or math.isnan(epsilon) or epsilon < 0):  # fmt: skip
        return f"privacy.epsilon is {_kind(epsilon)} {epsilon!r:.60}, not a number >= 0"
    return _claim_problem(privacy, num_models, defenses) or _audit_problem(privacy)


def _claim_problem(privacy: dict[str, Any], num_models: Any, defenses: Any) -> str | None:
    """How the DP claim mia-attack would carry contradicts its own fields (`mia-report`'s
    rule, `dp_claim_problem`: an ε below a model's own in ``per_model``, a refutation's
    reason beside ``epsilon_refuted`` false...), or ``None``: the run's ε was carried and
    stated as a guarantee."""
    from mia_defense.report.checks import dp_claim_problem

    problem = dp_claim_problem(privacy, num_models=num_models, defenses=defenses)
    return None if problem is None else f"{problem}: a figure was changed after the run"


def _audit_problem(privacy: dict[str, Any]) -> str | None:
    """Why the one-run audit's block mia-attack carries (its white-box half cannot be
    measured again without training) cannot be summarised, or ``None``: a malformed one was
    a traceback from the summary table once results.json was written."""
    from mia_defense.audit import audit_lines

    try:
        audit_lines(privacy)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        # (OverflowError: an integer too large for a float, formatted as one)
        return (f"privacy.audit is not a one-run audit's figures ({type(exc).__name__}: "
                f"{str(exc)[:80]})")  # fmt: skip
    return None


def _not_the_runs(obs: Observations, results: dict[str, Any]) -> str | None:
    """How the observations differ from the run results.json describes (its models,
    records and classes, and the members' accuracy on its outputs), or ``None``; a figure
    results.json does not hold is not compared, nor the accuracy where it does not state
    the observations' records (every mia-train and mia-attack results.json does)."""
    held = {"num_models": obs.num_models, "population_size": len(obs.labels),
            "num_classes": obs.num_classes}  # fmt: skip
    for key, value in held.items():
        said = results.get(key)
        if isinstance(said, int) and not isinstance(said, bool) and said != value:
            return f"{key} is {value} in them, {said} in results.json"
    if "population_size" not in results:  # not a run's record of these observations
        return None
    if _one_answer_accuracy(results):
        return None
    return _accuracy_differs(obs, results["utility"].get("train_accuracy"))


# The built-in releases that answer a query the same every time (`Release.randomized`),
# by name: mia-attack on a run imports no torch, which the classes would bring (1.4 s);
# tests/test_red_verdict_h72_attack_noise_run.py checks the list against the classes.
_DETERMINISTIC_RELEASES = frozenset(
    f"mia_defense.defenses.{name}"
    for name in ("FullRelease", "TopKRelease", "RoundingRelease", "LabelOnlyRelease",
                 "TemperatureRelease")
)  # fmt: skip


def _one_answer_accuracy(results: dict[str, Any]) -> bool:
    """Whether the run's ``utility.train_accuracy`` is of one answer per member, not of the
    observations' averaged answers: a release other than a deterministic built-in one
    (release=noise) asked ``attack.queries.repeats`` > 1 times
    (`mia_defense.pipeline.release.release_members_once`). Compared with the observations'
    averages it differed (0.790 against 0.795), and every release=noise run was refused as
    'their masks, labels or outputs were changed'."""
    config = results.get("config")
    release = config.get("release") if isinstance(config, dict) else None
    attack = config.get("attack") if isinstance(config, dict) else None
    queries = attack.get("queries") if isinstance(attack, dict) else None
    repeats = queries.get("repeats") if isinstance(queries, dict) else None
    target = release.get("_target_") if isinstance(release, dict) else None
    return (isinstance(repeats, int) and not isinstance(repeats, bool) and repeats > 1
            and isinstance(target, str) and target not in _DETERMINISTIC_RELEASES)


def _canaries_unflagged(extras: dict[str, np.ndarray], results: dict[str, Any]) -> str | None:
    """How ``is_canary`` differs from the canaries results.json says the run inserted, or
    ``None``. Unflagged canaries (the array dropped or cleared) were pooled with the records;
    records flagged beyond them (the run's canaries and the one-run audit's, appended last by
    mia-train) were left out of the pooled figures and the verdict, a leaky record hidden."""
    import numpy as np

    said = results.get("canaries")
    if isinstance(said, bool) or not isinstance(said, int) or said < 0:
        return None
    flags = np.asarray(extras.get("is_canary", np.zeros(0, dtype=bool)))
    flagged = int(flags.astype(bool).sum()) if flags.dtype.kind in "biu" else 0
    audit, audited = _setting(results, "audit"), _setting(results, "audit_canaries")
    if audit is _UNKNOWN or (audit == "one_run" and not isinstance(audited, int)):
        # an older run: the audit's canaries are flagged as well, in a number not stated
        fewer = f"is_canary flags {flagged} records, results.json {said} canaries"
        return None if flagged >= said else fewer
    expected = said + (audited if audit == "one_run" else 0)
    what = f"{said} canaries" + (f" and {audited} audit canaries (attack.audit_canaries)"
                                 if audit == "one_run" else "")  # fmt: skip
    if flagged != expected:
        return f"is_canary flags {flagged} records, results.json {what}"
    engine = (results.get("training") or {}).get("engine")
    last = np.zeros(len(flags), dtype=bool)
    last[len(flags) - expected:] = True
    if expected and engine not in (None, "external") and flags.ndim == 1 and not (
        np.array_equal(flags.astype(bool), last)
    ):
        return (f"is_canary flags other records than the last {expected} (mia-train appends "
                f"its {what} after the records)")  # fmt: skip
    return None


def _accuracy_differs(obs: Observations, said: float | None) -> str | None:
    """How the members' accuracy on the observations differs from the run's
    ``utility.train_accuracy``, or ``None``. Both mia-train and mia-attack compute it from
    the observations they write (`released_accuracy`), so masks, labels or outputs edited in
    place (same shapes) show here: one record's answer changed moves it by 1/(K·N/2)."""
    import math

    from mia_defense.pipeline.evaluate import released_accuracy

    if said is None or not math.isfinite(said):
        return None
    found = released_accuracy(obs, None, None)["train_accuracy"]
    if math.isclose(found, said, rel_tol=1e-9, abs_tol=1e-12):
        return None
    return (f"the members' accuracy on them is {found:.6g}, {said:.6g} in results.json "
            "(utility.train_accuracy): their masks, labels or outputs were changed")  # fmt: skip


def _utility(utility: dict[str, Any] | None) -> dict[str, Any] | None:
    """A run's utility as it measured it: the figures results.json wrote as null were NaN
    (no test set), and the summary table formats each as a number (``None`` was a
    TypeError traceback once the results were written)."""
    if utility is None:
        return None
    return {k: float("nan") if v is None else v for k, v in utility.items()}


def _extra(source: Source, name: str, default: np.ndarray) -> np.ndarray:
    """An extra array of [N] records (``is_canary``, ``population_idx``), checked."""
    import numpy as np

    value = source.extras.get(name)
    if value is None:
        return default
    if value.shape != default.shape or value.dtype.kind != default.dtype.kind:
        raise DataError(
            f"{source.file}: {name} has shape {value.shape} and dtype {value.dtype}, "
            f"expected {list(default.shape)} {default.dtype} (one per record of labels)"
        )
    problem = _extra_problem(name, np.asarray(value))
    if problem:
        raise DataError(f"{source.file}: {name}: {problem}")
    return np.asarray(value)


def _extra_problem(name: str, value: np.ndarray) -> str | None:
    """Values an extra array cannot hold: rows of the dataset that are negative or repeated
    (``population_idx``: results.json names them as dataset rows), or every record a canary
    (``is_canary``: nothing left to pool)."""
    import numpy as np

    if name == "population_idx" and len(value):
        rows, counts = np.unique(value, return_counts=True)
        if rows[0] < 0 or counts.max() > 1:
            found = f"{rows[0]}" if rows[0] < 0 else f"{rows[counts > 1][0]} twice"
            return (f"values must be distinct rows >= 0 of the dataset, found {found}; drop "
                    "population_idx or write each record's own row")  # fmt: skip
    if name == "is_canary" and value.all():
        return ("every record is a canary, so no record is left for the pooled metrics; flag "
                "only the canaries")  # fmt: skip
    return None


# A setting a run's results.json does not state (an older run's, or null: mia-attack's record
# of a file that did not say it).
_UNKNOWN: Any = object()


def _setting(results: dict[str, Any], key: str) -> Any:
    """``config.attack.KEY`` of a run's results.json, `_UNKNOWN` where it does not say."""
    node: Any = (results.get("config") or {}).get("attack")
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _UNKNOWN
        node = node[part]
    return _UNKNOWN if node is None else node


def _own_settings(source: Source) -> dict[str, Any]:
    """The `FIXED_SETTINGS` the source's observations were made with: a file's as
    `observed_settings` reads them (its augmented queries, gradient norms and flagged
    canaries, no audit), a run's from its config, its augmented queries and gradient norms
    as its observations hold them; the others are not known."""
    import numpy as np

    from mia_defense.api import FIXED_SETTINGS, observed_settings

    obs = source.observations
    flags = _extra(source, "is_canary", np.zeros(len(obs.labels), dtype=bool))
    observed = observed_settings(obs, flags)
    if source.results is None:
        return observed
    own = {key: _setting(source.results, key) for key in FIXED_SETTINGS}
    for key in ("queries.num_augmented", "white_box"):
        own[key] = observed[key]
    return {key: value for key, value in own.items() if value is not _UNKNOWN}


def _fixed_problem(cfg: DictConfig, source: Source, overrides: list[str]) -> str | None:
    """Why the overrides of `FIXED_SETTINGS` cannot take effect on the source (`api`'s rule,
    as `audit` applies it), or ``None``."""
    from mia_defense.api import fixed_problem

    return fixed_problem(cfg, _own_settings(source), overrides,
                         whose=f"the observations of {source.path}", reader="mia-attack")


def _doubt_claim(
    privacy: dict[str, Any], results: dict[str, Any], path: Path | None = None
) -> None:
    """Carry an ε the source run's own config makes no guarantee (`epsilon_doubt`: shuffled
    batches, gdp, standardised features, a defense of the user's own) as none
    (``epsilon_valid`` false, with the reason), though its results.json says valid (a run of
    before mia-train flagged it, or edited): mia-attack restated it as a guarantee."""
    from mia_defense.report.checks import epsilon_doubt

    doubt = epsilon_doubt({**results, "privacy": privacy})
    if doubt is not None:
        privacy["epsilon_valid"] = False
        privacy["epsilon_invalid_reason"] = (
            f"{doubt} (the run attacked recorded it as valid: written before mia-defense "
            "checked this, or edited)"
        )
        where = "" if path is None else f"{path}: "  # (the source's results.json)
        log.warning("%sthe run's ε is not a guarantee (privacy.epsilon_valid: false): %s",
                    where, doubt)


def _judge_claim_with_audit(result: RunResult, *, confidence: float) -> None:
    """Judge the DP claim on the carried one-run audit's bounds as well as on the attacks':
    the run's ``epsilon_refuted`` is measured again, not copied, and the attacks alone
    cleared a claim the run's audit had refuted."""
    from mia_defense.pipeline.claim import audit_evidence, check_claim

    evidence = audit_evidence(result.privacy, confidence=confidence)
    if evidence:
        check_claim(result.privacy, [*result.epsilon_evidence, *evidence])


def _facts(source: Source, attacked: dict[str, Any], *, canaries: int) -> RunFacts:
    """results.json's facts about the data and the run: the source run's (its dataset,
    plan, hyperparameters, config with this attack config), or the file's."""
    from mia_defense.experiment import RunFacts

    obs, results = source.observations, source.results
    described = {"kind": source.kind, "path": str(source.path.resolve())}
    if results is not None:
        names = ("dataset", "data_fingerprint", "data_digest", "data_duplicates", "class_labels",
                 "input_shape", "num_classes", "num_models", "population_size", "test_size",
                 "canaries", "hparams")
        facts = {n: results.get(n) for n in names}
        facts["hparams"] = facts["hparams"] or {}  # (an older run may have none)
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

    from mia_defense.api import check_attack_config, run_audit
    from mia_defense.experiment import record_run
    from mia_defense.timing import Stopwatch
    from mia_defense.tracking.run_dir import claim_run_dir, warn_incomplete

    start, stopwatch = time.perf_counter(), Stopwatch()
    check_attack_config(cfg)  # a sweep's points (and callers without Hydra's callbacks)
    path = _from_launch_dir(Path(str(cfg.source)))
    missing = _missing(path if str(cfg.source) else "")
    if missing:
        raise DataError(missing)
    problem = _refuse_output(run_dir, path, key=_output_key(), rerun=True)
    if problem:
        raise OutputRefused(problem)
    with stopwatch.stage("data"):
        checked = _CHECKED.pop(_resolved(path), None)  # (read relative to the launch dir)
        source = read_source(path) if checked is None else replace(checked, path=path)
    obs, results = source.observations, source.results
    if HydraConfig.initialized():  # a sweep's points (a single run's: SourceCheck's)
        problem = _fixed_problem(cfg, source, list(HydraConfig.get().overrides.task))
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
            log.info("skipping finished run %s (complete results.json of mia-attack on the "
                     "same source and config)", run_dir)  # fmt: skip
            return None
        if results is not None and "sha256" not in results:  # (in the new run's attack.log)
            log.warning("%s records no sha256 of observations.npz (written before runs "
                        "recorded it): that the file is the run's own is checked only by its "
                        "shapes, canaries and members' accuracy", path / "results.json")
        n = len(obs.labels)
        is_canary = _extra(source, "is_canary", np.zeros(n, dtype=bool))
        population_idx = _extra(source, "population_idx", np.arange(n))
        if is_canary.any():  # the file decides which records the headline leaves out: say so
            log.log(logging.INFO if results is not None else logging.WARNING,
                    "%s flags %d of its %d records as canaries (is_canary): they are left out "
                    "of the pooled figures and the verdict, and reported apart",
                    shell_path(path), int(is_canary.sum()), n)  # fmt: skip
        known = results or {}
        privacy = {k: v for k, v in (known.get("privacy") or {}).items()
                   if k not in _MEASURED_PRIVACY}  # fmt: skip
        _doubt_claim(privacy, known, path / "results.json")
        defense = known.get("defense")
        with stopwatch.stage("attacks and bootstrap"):
            audit = run_audit(
                obs, cfg, defended=defense is None or defense.get("defense") != "none",
                is_canary=is_canary, population_idx=population_idx,
                utility=_utility(known.get("utility")), privacy=privacy, defense=defense,
                training=known.get("training"), copy_groups=_copy_groups(source),
            )  # fmt: skip
        _judge_claim_with_audit(audit.result, confidence=float(cfg.attack.confidence))
        with stopwatch.stage("observation"):
            obs.save(run_dir / "observations.npz", **source.extras)
        record_run(
            run_dir, audit.result, audit.vulnerability, obs,
            facts=_facts(source, attacked, canaries=int(is_canary.sum())),
            targets=audit.targets, is_canary=is_canary, histories=[], stopwatch=stopwatch,
            start=start, figures=bool(cfg.get("figures", True)),
        )  # fmt: skip
    return audit.result


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
    record_settings(attacked["attack"], _own_settings(source))
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
    from mia_defense.allocator import keep_freed_memory
    from mia_defense.cli.build import format_table
    from mia_defense.collector import collect_from_here
    from mia_defense.threads import one_thread

    one_thread()
    keep_freed_memory()
    collect_from_here()

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    held = HeldLog(run_dir)
    try:
        result = run(cfg, run_dir, claimed=held.release)
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
            return None
        raise SystemExit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        log.error("interrupted; nothing was written to the source")
        raise SystemExit(EXIT_INTERRUPTED) from None
    finally:  # ended before the claim (a refusal, Ctrl-C): in another run's folder nothing
        if not held.settled and _others(run_dir, cfg):  # is written; in a new one, why
            held.drop()
        held.release()
    fprs = sorted(float(f) for f in cfg.attack.fprs)  # checked by run
    try:
        print(format_table(result, fprs))
        print(f"\nattacked:      {shell_path(_from_launch_dir(Path(str(cfg.source))))}")
        print(f"run directory: {shell_path(run_dir)}")
        print(f"look at it:    {tool_command('tensorboard')} --logdir {shell_path(run_dir)}")
        sys.stdout.flush()
    except BrokenPipeError:  # mia-attack ... | head: the run is written, the reader gone
        reader_gone()
    return result.headline(fprs[0])


def _others(run_dir: Path, cfg: DictConfig) -> bool:
    """Whether ``run_dir``, not yet claimed by this run, is another run's: it holds a run or
    its files (`_refuse_output`), or another process holds its lock. A sweep's point refused
    before its claim (a bad value) wrote its refusal into that run's attack.log."""
    source = _from_launch_dir(Path(str(cfg.get("source") or ".")))
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


def _quote(path: str) -> str:
    """``path`` as a quoted Hydra override value (commas, ``=`` and spaces kept) that
    resolves to ``path`` itself: a quote and a ``${`` escaped, and the backslashes before
    them or at the end doubled (Hydra's and OmegaConf's rule; others stay as they are). A
    file named ``o${oc.env:HOME}.npz`` was resolved (another file attacked), ``a\\b``
    read as ``a\\\\b`` (no such file)."""
    def escape(match: re.Match[str]) -> str:
        slashes, after = match.groups()
        return slashes * 2 + ("\\" + after if after else "")

    return "'" + re.sub(r"(\\*)('|\$\{|$)", escape, path) + "'"


def split_path(args: list[str]) -> tuple[str | None, list[str]]:
    """PATH (the first argument that is neither an option, an option's value nor an
    override) and the other arguments. An argument naming an existing file or folder is
    PATH even with ``=`` in it (a sweep's run folders are named ``key=value,...``)."""
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg in _VALUED:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        if Path(arg).exists() or not ("=" in arg or arg[:1] in "+~"):
            return arg, args[:i] + args[i + 1 :]
    return None, args


def _options_first(args: list[str]) -> list[str]:
    """``args`` with the options (and their values) before the overrides: argparse takes
    the overrides as one run, so ``PATH --cfg job`` (``--cfg job source=PATH``) was refused
    as "unrecognized arguments"."""
    options: list[str] = []
    overrides: list[str] = []
    valued = False
    for arg in args:
        if valued or arg.startswith("-"):
            options.append(arg)
            valued = not valued and arg in _VALUED
        else:
            overrides.append(arg)
    return [*options, *overrides]


def refuse_training_settings(args: list[str]) -> None:
    """Exit 2 on an override of a mia-train setting (``release=topk``): Hydra said "No match
    in the defaults list. To append ... use +release=topk", and that was refused as an
    unknown key: mia-attack cannot change what the models were trained on or released."""
    for arg in args:
        if arg.startswith("-") or "=" not in arg:
            continue
        group = training_group(arg)
        if group is not None:
            print(f"ConfigError: {arg}: mia-attack attacks what the run's models already "
                  f"released (its observations); {group} is fixed when they are trained and "
                  f"queried: run mia-train with {arg.lstrip('+')} instead (the attack "
                  "settings, attack.*, are mia-attack's)", file=sys.stderr)  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR)


def main() -> None:
    """``mia-attack PATH [OVERRIDES]``: exit 0 with results written; 2 on a user error (a
    bad file or override, an output directory in the source run); 130 on Ctrl-C."""
    refuse_misused_flags(sys.argv[1:], tool="mia-attack")
    refuse_unexpanded_home(sys.argv[1:])
    refuse_unquoted_non_ascii(sys.argv[1:])
    warn_ineffective_overrides(sys.argv[1:])
    refuse_unknown_hydra_keys(sys.argv[1:])  # +hydra.run.dri=x: added and never read
    refuse_missing_plugins(sys.argv[1:])
    path, rest = split_path(sys.argv[1:])
    given = [a for a in rest if a.lstrip("+~").startswith("source=")]
    if path is not None and given:
        print(f"ConfigError: PATH {shell_path(path)} and {given[0]}: two sources; give "
              "one, as PATH or as source=PATH", file=sys.stderr)  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR)
    other, _ = split_path(rest)  # (a shell glob, outputs/sweep/*: Hydra's "Error parsing")
    if path is not None and other is not None and Path(other).exists():
        print(f"ConfigError: two PATHs, {shell_path(path)} and {shell_path(other)}: "
              "mia-attack attacks one source per run; attack each in turn, or sweep them: "
              "mia-attack -m 'source=A,B'", file=sys.stderr)  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR)
    if path is not None:
        rest = [*_options_first(rest), f"source={_quote(path)}"]
    elif not any(a.startswith(("source=", "-")) for a in rest):
        print(f"usage: {USAGE}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)
    refuse_training_settings(rest)
    refuse_misspelt_keys(rest, tool="mia-attack", groups=("attack",), known=TOP_KEYS)
    refuse_null_groups(rest)
    refuse_hydra_targets(rest)
    sys.argv = [sys.argv[0], *rest]
    _SWEEP_FAILED.clear()
    try:
        run_entry(_hydra_main, started=lambda: _TASK_STARTED,
                  interrupted="interrupted; nothing was written to the source")  # fmt: skip
    finally:
        _CHECKED.clear()
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
        print(f"\n{len(refused)} run(s) of this sweep were refused (nothing was "
              "attacked there; fix the value and run them again):")  # fmt: skip
        for run_dir, message in refused:
            print(f"  {shell_path(run_dir)}: {message}")
    if failed:
        print(f"\n{len(failed)} run(s) of this sweep failed after they began (they wrote "
              "observations.npz or scores.npz there, but no results.json, so no result; fix "
              "the cause, such as a full disk, and attack them again into the same folders "
              "or a new hydra.sweep.dir):")
        for run_dir, message in failed:
            print(f"  {shell_path(run_dir)}: {message}")


if __name__ == "__main__":
    main()

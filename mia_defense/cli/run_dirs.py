"""Where a run or a sweep may write, checked before Hydra makes its folder
(`mia_defense.cli.train.RunDirCheck`): never among a user's own files, inside another run or
over another config's run, never outside the sweep directory, always somewhere writable;
and what an earlier sweep recorded there is kept. Each refusal logs one line and exits 2."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict, read_write
from omegaconf.errors import OmegaConfBaseException

from mia_defense.cli.entry import EXIT_USER_ERROR, end_refused
from mia_defense.cli.held_log import GONE_WRITERS_RUN, held_by_a_gone_writer, lock_holder
from mia_defense.constraints import shown_path, typed_path
from mia_defense.errors import first_few
from mia_defense.hydra_setup import plugin_is

__all__ = [
    "SAFE_SUBDIR",
    "check_run_folders_per_job",
    "check_subdir_per_job",
    "claim_timestamped_dir",
    "folder_chain",
    "is_run_dir",
    "is_sweep_dir",
    "job_log_files",
    "keep_earlier_sweep_records",
    "refuse_blocked_run_folder",
    "refuse_escaping_output_subdir",
    "refuse_escaping_subdir",
    "refuse_foreign_dir",
    "refuse_in_use",
    "refuse_inside_a_run",
    "refuse_odd_log_files",
    "refuse_other_kind",
    "refuse_other_search",
    "refuse_parent_of_unmade",
    "refuse_run_of_another_config",
    "refuse_unencodable_name",
    "require_writable_dir",
    "require_writable_log_files",
    "task_overrides",
]

log = logging.getLogger(__name__)


# A ${now:...} that names each second apart (%S, %T, %X, %c; %f and %s finer still).
_EACH_SECOND = re.compile(r"\$\{now:[^}]*%[STXcfs]")


def folder_chain(path: str) -> list[str]:
    """``path`` made absolute, then each folder above it, deepest first."""
    absolute = os.path.abspath(path)
    return [absolute, *map(str, Path(absolute).parents)]


@contextlib.contextmanager
def claim_timestamped_dir(config: DictConfig, key: str) -> Iterator[bool]:
    """Make the run (``key`` hydra.run.dir) or sweep (hydra.sweep.dir) directory this
    process's own when its name comes from the clock (``${now:...}``: the default
    outputs/<date>/<time>): two mia-train started in the same second got one folder, and the
    second was refused as 'in use' (or as another config's run, or skipped the first's
    finished run as its own) after appending its log to the first run's train.log. The name
    is claimed with an atomic mkdir; a taken one becomes ``<name>-2``, ``-3``, ... A name
    the user wrote (a resume names its folder), or one of the clock that changes more slowly
    than each second (``${now:%Y-%m-%d}``: a folder shared on purpose), is left as it is.

    Yields whether a new directory was made; a refusal in the block removes the folders
    made here (empty) again."""
    parent, name = key.rsplit(".", 1)
    raw = OmegaConf.select(config, parent)._get_node(name)._value()
    if not isinstance(raw, str) or not _EACH_SECOND.search(raw):
        yield False
        return
    path = os.path.abspath(str(OmegaConf.select(config, key)))
    made = [folder for folder in folder_chain(path) if not os.path.lexists(folder)]
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        candidate = _fresh_folder(path)
    except OSError:
        candidate = None  # require_writable_dir names it
    if candidate is None:
        yield False
        return
    if candidate != path:
        made[:1] = [candidate]
        shown = str(OmegaConf.select(config, key))
        with read_write(config), open_dict(config):
            OmegaConf.update(config, key, f"{shown}-{candidate.rsplit('-', 1)[1]}")
            if key == "hydra.sweep.dir":  # each job composes its config from the overrides
                config.hydra.overrides.hydra.append(f"{key}={_quoted(config.hydra.sweep.dir)}")
        log.info("%s=%s already exists (a run started at the same time): this one writes to "
                 "%s", key, shown_path(shown),
                 shown_path(OmegaConf.select(config, key)))  # fmt: skip
    try:
        yield True
    except BaseException:
        for folder in made:  # (deepest first; a folder something else wrote into stays)
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        raise
    _say_how_to_resume(key, str(OmegaConf.select(config, key)))


def _say_how_to_resume(key: str, path: str) -> None:
    """Say, as the run (sweep) begins in the folder ``path`` named from the clock, how to
    resume it: killed (SIGKILL, the OOM killer, the machine down) it says nothing more, and
    the same command again named a new folder and trained everything anew, the finished runs
    and their model store beside it unused (Ctrl-C's end says it: `stopped.say_where_to_resume`)."""
    from mia_defense.cli.commands import shell_path

    what = "run" if key == "hydra.run.dir" else "sweep"
    log.info("%s=%s (named from the clock): should this %s stop before its end (killed, a "
             "crash), add %s=%s to the same command to resume it; the same command alone "
             "starts it anew in a new folder", key, shown_path(path), what, key,
             shell_path(path))  # fmt: skip


def _fresh_folder(path: str) -> str | None:
    """``path``, or ``path-2``, ``-3``, ...: the first that this process made (mkdir)."""
    for number in range(1, 1000):
        candidate = path if number == 1 else f"{path}-{number}"
        try:
            os.mkdir(candidate)
        except FileExistsError:
            continue
        return candidate
    return None


def refuse_other_kind(path: str, *, key: str, held: str, what: str, fix: str) -> None:
    """Refuse a sweep directory that is a single run's (it holds results.json) and a run
    directory that is a sweep's (multirun.yaml): the sweep's files and runs would be mixed
    into the other's folder, and mia-report would read them as one."""
    if (Path(path) / held).is_file():
        end_refused(log, "%s=%s is %s (it holds %s); %s: choose another %s", key, shown_path(path),
                    what, held, fix, key)  # fmt: skip


def refuse_parent_of_unmade(path: str, *, key: str) -> None:
    """Refuse a directory ``path`` with a ``..`` after a folder that does not exist yet
    (``hydra.run.dir=SWEEP/new/..``): every check here reads the path as the system does
    and found nothing there, then Hydra made ``new`` and the run wrote into its parent, a
    sweep's directory (or another run's) that the checks would have refused."""
    parts = Path(path).parts
    for index, part in enumerate(parts[1:], start=1):
        before = os.path.join(*parts[:index])
        if part == ".." and parts[index - 1] != ".." and not os.path.lexists(before):
            meant = os.path.normpath(os.path.join(before, ".."))
            end_refused(log, "%s=%s: '..' after %s, a folder that does not exist yet, "
                        "so the run would be written to %s itself, unchecked; nothing was "
                        "changed. Write %s without '..' (the folder you mean)", key,
                        shown_path(path), shown_path(before), shown_path(meant),
                        key)  # fmt: skip


# What only a run directory of mia-train holds, and what a run refused before it claimed its
# directory leaves there (Hydra's job log, mia-train's or mia-attack's) or a run whose
# results.json was deleted: a directory with anything else is no run's. (A folder named
# checkpoints is no mark: a user's project holds one, and the run's files were strewn among
# that project's.)
_RUN_MARKS = ("results.json", ".lock")
_RUN_LEFTOVERS = frozenset({"train.log", "attack.log", ".hydra", "tb", "checkpoints",
                            "checkpoints_undefended", "observations.npz", "scores.npz"})
# What an Optuna search into a sweep directory searched (`refuse_other_search`).
SEARCH_RECORD = "optuna_search.json"
# The sweep directories (real paths) this process's search holds locked (`_hold_search`),
# with the fd of each.
_HELD_SEARCHES: dict[str, int] = {}
# What only a sweep directory holds, besides its runs' folders and TensorBoard files.
_SWEEP_MARKS = ("multirun.yaml", "optimization_results.yaml", SEARCH_RECORD, ".model_store")


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` is empty or a mia-train run's directory (finished or not)."""
    if any((path / mark).exists() for mark in _RUN_MARKS):
        return True
    return all(entry.name in _RUN_LEFTOVERS for entry in path.iterdir())


def is_sweep_dir(path: Path) -> bool:
    """Whether ``path`` is empty or a sweep's directory: its own files, or only run folders,
    links to run folders too (a run kept elsewhere or on another disk: Hydra writes the
    sweep's run through the link, as `run_files` reads it; such a folder alone was refused
    as holding 'files that are not mia-train's')."""
    if any((path / mark).exists() for mark in _SWEEP_MARKS):
        return True
    return all(
        entry.name.startswith("events.out.tfevents.") or (entry.is_dir() and is_run_dir(entry))
        for entry in path.iterdir()
    )


def refuse_foreign_dir(path: str, *, key: str, ours: Callable[[Path], bool]) -> None:
    """Refuse an existing directory that holds files no run or sweep wrote (``/``, ``$HOME``,
    a data folder): results, checkpoints and logs would be strewn among them. Refuse a path
    starting with ``~`` too: Hydra does not expand it and would make a folder named ``~``."""
    if path.startswith("~"):
        end_refused(log, "%s=%s starts with '~', which the shell did not expand (it was "
                    "quoted): Hydra would make a folder named '~' in %s; write $HOME/... or an "
                    "absolute path", key, shown_path(path), shown_path(os.getcwd()))  # fmt: skip
    folder = Path(path)
    try:
        if not folder.is_dir() or ours(folder):
            return
        shown = sorted(entry.name for entry in folder.iterdir())
    except OSError:
        return  # unreadable: require_writable_dir names the problem
    if key == "hydra.sweep.dir":
        _refuse_single_run(path, shown)
    end_refused(log, "%s=%s holds files that are not mia-train's (%s); nothing was "
                "changed. Choose a new or empty directory for %s", key, shown_path(path),
                first_few(shown, 5), key)


def _refuse_single_run(path: str, names: list[str]) -> None:
    """Refuse as a sweep's folder one that holds ``names``, a single run's files before its
    results.json (its .lock and what a run writes first): a run in progress there, or one
    killed before it finished, to resume with hydra.run.dir (`refuse_other_kind` names one
    that finished). Said as 'files that are not mia-train's', they were mia-train's."""
    if ".lock" not in names or not set(names) <= _RUN_LEFTOVERS | {".lock"}:
        return
    held = f"a single run's folder ({', '.join(names)}; no results.json yet)"
    holder = lock_holder(Path(path))
    if holder is not None:
        end_refused(log, "hydra.sweep.dir=%s is %s, in use by %s (a run going there now); "
                    "nothing was changed. Choose another hydra.sweep.dir for the sweep",
                    shown_path(path), held, holder)  # fmt: skip
    end_refused(log, "hydra.sweep.dir=%s is %s, killed before it finished; nothing was "
                "changed. Resume that run with the same command without -m and "
                "hydra.run.dir=%s in place of hydra.sweep.dir, or choose another "
                "hydra.sweep.dir for the sweep", shown_path(path), held,
                typed_path(path, instead="<that folder>"))  # fmt: skip


def refuse_inside_a_run(path: str, *, key: str) -> None:
    """Refuse a run or sweep directory inside another run's (``<run>/tb/inner``): its files
    would be taken for that run's (TensorBoard showed the inner run's events as the outer
    run's, a report read both); or in a sweep's HParams folder (`_SWEEP_HPARAMS`): a sweep
    there deleted the outer sweep's experiment config as it ended (its own went one level
    down), and the outer sweep's end then listed the inner runs as its own."""
    try:
        inside = Path(path).resolve()
        outer = next((parent for parent in inside.parents if _holds_a_run(parent)), None)
        hparams = next((folder for folder in (inside, *inside.parents)
                        if _is_sweep_hparams(folder)), None)  # fmt: skip
        sweep = next((parent for parent in inside.parents if _holds_a_sweep(parent)), None)
    except (OSError, RuntimeError):  # (RuntimeError: a symlink loop, Python 3.11's resolve)
        return  # unreadable: require_writable_dir names the problem
    if outer is not None:
        end_refused(log, "%s=%s lies inside the run directory %s; nothing was changed. "
                    "Choose a directory outside every run, e.g. beside it", key, shown_path(path),
                    shown_path(outer))  # fmt: skip
    if hparams is not None:
        end_refused(log, "%s=%s is or lies in %s, the folder of the HParams experiment config "
                    "that the sweep in %s writes anew as it ends; nothing was changed. Choose a "
                    "directory outside it", key, shown_path(path), shown_path(hparams),
                    shown_path(hparams.parent))  # fmt: skip
    if sweep is not None:
        end_refused(log, "%s=%s lies inside the sweep directory %s: mia-report of that sweep "
                    "would rank its runs as the sweep's, and TensorBoard over it would show one "
                    "of their two HParams experiment configs (the other's columns and values "
                    "lost); nothing was changed. Choose a directory outside it, e.g. beside it; "
                    "to add runs to that sweep, sweep into it (mia-train -m ... "
                    "hydra.sweep.dir=%s)", key, shown_path(path), shown_path(sweep),
                    typed_path(sweep, instead="<that folder>"))  # fmt: skip


def _holds_a_sweep(folder: Path) -> bool:
    """Whether ``folder`` is a sweep's directory, by a record only a sweep writes there
    (`_SWEEP_MARKS` but the model store, which a user's cache_dir may name)."""
    return any((folder / mark).is_file() for mark in _SWEEP_MARKS if mark != ".model_store")


# The folder of a sweep's HParams experiment config in its directory
# (`mia_defense.tracking.hparams.SWEEP_EXPERIMENT_DIR`, named here without TensorBoard).
_SWEEP_HPARAMS = "sweep_hparams"


def _is_sweep_hparams(folder: Path) -> bool:
    """Whether ``folder`` is a sweep's HParams folder (`_SWEEP_HPARAMS`, in a folder holding
    a sweep's records)."""
    return folder.name == _SWEEP_HPARAMS and any(
        (folder.parent / mark).exists() for mark in _SWEEP_MARKS)


def _holds_a_run(folder: Path) -> bool:
    """Whether ``folder`` is a run's, by names together that only a run's folder holds
    (a ``results.json`` or a ``.lock`` alone are other tools' too: pytest's temp roots)."""
    beside = ("train.log", "tb", "observations.npz", "scores.npz", "checkpoints")
    if (folder / "results.json").is_file():
        return any((folder / name).exists() for name in beside)
    return (folder / ".lock").is_file() and (folder / "train.log").is_file()


def refuse_in_use(path: str) -> None:
    """Refuse a run directory that another mia-train holds (its ``.lock`` locked) before
    Hydra appends this process's log to that run's train.log (the task refuses it too, as it
    claims the directory; a lock taken between the two is found there). Where the lock's
    line names a gone process of this host (killed, the lock kept by a process it forked),
    that process is named to end, not a run to wait for (`held_by_a_gone_writer`)."""
    holder = lock_holder(Path(path))
    if holder is None:
        return  # none (or no lock of ours: the task names it)
    stuck = held_by_a_gone_writer(Path(path), then=GONE_WRITERS_RUN)
    if stuck:
        end_refused(log, "%s", stuck)
    end_refused(log, "%s is in use by %s; wait for that run to end or choose another "
                "directory (hydra.run.dir=...)", shown_path(path), holder)  # fmt: skip


def refuse_run_of_another_config(config: DictConfig) -> None:
    """Refuse ``hydra.run.dir`` holding a run of another config before Hydra appends its log
    to that run's train.log (the task refuses it too, with the data and code checked)."""
    from mia_defense.errors import ConfigError
    from mia_defense.tracking.run_dir import (
        RESULTS,
        another_config,
        attack_record,
        config_differences,
        resume_differences,
    )

    path = Path(config.hydra.run.dir) / RESULTS
    if "train" not in config or not path.is_file():
        return  # (mia-attack's runs are another tool's, with their own check)
    try:
        from mia_defense.tracking import read_json

        payload = read_json(path)
        attacked = attack_record(path, payload)
        stored, status = payload.get("config"), payload.get("status")
        status = status if isinstance(status, str) and status else "unknown"
        task = OmegaConf.masked_copy(config, [str(k) for k in config if k != "hydra"])
        resolved = OmegaConf.to_container(task, resolve=True)
        differences = config_differences(stored, resolved)
        refused = "" if differences or status == "complete" else resume_differences(
            Path(config.hydra.run.dir), stored, resolved)  # fmt: skip
    except Exception:  # unreadable, no run's, or resolved only in the task: the task says so
        return
    if attacked or refused:
        end_refused(log, "%s", attacked or refused)
    if differences:
        end_refused(log, "%s", ConfigError(another_config(
            Path(config.hydra.run.dir), status, differences, new_dir="hydra.run.dir=...")))


def refuse_escaping_subdir(sweep_dir: str, subdir: str, *, resolved: bool = True) -> None:
    """Each run of a sweep must get a folder strictly inside the sweep directory: a
    ``hydra.sweep.subdir`` that is absolute, climbs out with ``..`` or is empty would put it
    (and its results) over other runs or anywhere on the disk. One naming a file there (the
    sweep's multirun.yaml, or its copy of an earlier sweep's) ended the sweep on Hydra's
    mkdir, told to free disk space. A ``..`` that stays inside is refused too where
    ``subdir`` is a job's own value (``resolved``; not the sweep's start's reading of an
    interpolation of the job's overrides, ``a=1,2``)."""
    root = os.path.abspath(sweep_dir)
    target = os.path.abspath(os.path.join(root, subdir))
    if os.path.commonpath([root, target]) != root or target == root:
        end_refused(log, "hydra.sweep.subdir=%s puts a run at %s, outside the sweep "
                    "directory %s (or onto it); nothing was run. Leave hydra.sweep.subdir at "
                    "its default, or give a relative name without '..'", shown_path(subdir),
                    shown_path(target), shown_path(root))  # fmt: skip
    # a '..' that stays inside drops the name before it, and with it what tells the runs
    # apart ('a${hydra.job.num}/../b': every run in b, each after the first refused on the
    # first's results, and the sweep's end said 'nothing was trained')
    if resolved and ".." in re.split(r"[/\\]", subdir):
        end_refused(log, "hydra.sweep.subdir=%s climbs back with '..' (to %s), dropping the "
                    "name before it, so runs of other values may share that folder, each "
                    "after the first refused on the first's results; nothing was run. Leave "
                    "hydra.sweep.subdir at its default, or give a relative name without '..'",
                    shown_path(subdir), shown_path(target))  # fmt: skip
    if os.path.dirname(target) == root and os.path.basename(target) == _SWEEP_HPARAMS:
        end_refused(log, "hydra.sweep.subdir=%s puts a run in %s, the folder of the HParams "
                    "experiment config the sweep writes as it ends; nothing was run. Leave "
                    "hydra.sweep.subdir at its default, or name another folder", shown_path(subdir),
                    shown_path(target))  # fmt: skip
    if os.path.lexists(target) and not os.path.isdir(target):  # (a record of the sweep's)
        what = "a link to no folder" if os.path.islink(target) else "a file"
        end_refused(log, "hydra.sweep.subdir=%s puts a run at %s, which is %s, not a run's "
                    "folder; nothing was run, and it is left as it is. Leave "
                    "hydra.sweep.subdir at its default, or name a folder", shown_path(subdir),
                    shown_path(target), what)  # fmt: skip


def refuse_escaping_output_subdir(config: DictConfig, run_dir: str) -> None:
    """Hydra's copies of the config (``hydra.output_subdir``: config.yaml, hydra.yaml,
    overrides.yaml) must land inside the run's own folder ``run_dir``: ``..`` or an
    absolute path wrote them over the user's own files (a config.yaml beside the run) or
    into another run. ``null`` (the default) writes none."""
    try:
        subdir = OmegaConf.select(config, "hydra.output_subdir", default=None)
    except OmegaConfBaseException as exc:
        subdir = exc  # an interpolation that does not resolve: named below
    if subdir is None:
        return
    root = os.path.abspath(run_dir)
    if isinstance(subdir, str):
        target = os.path.abspath(os.path.join(root, subdir))
        if os.path.commonpath([root, target]) == root:
            return
        where = (f"puts Hydra's config.yaml, hydra.yaml and overrides.yaml at "
                 f"{shown_path(target)}, outside")
    else:
        where = "is no folder name: Hydra writes its config copies into a folder of"
    end_refused(log, "hydra.output_subdir=%s %s the run directory %s; nothing was run. "
                "Leave it at null (results.json holds the config), or give a relative name "
                "without '..' such as .hydra", shown_path(subdir), where, shown_path(root))


# The packaged hydra.sweep.subdir: one escaped name per run, inside the sweep directory.
SAFE_SUBDIR = "${mia_safe_dirname:${hydra.job.override_dirname}}"


def check_subdir_per_job(config: DictConfig) -> None:
    """Refuse, before Hydra makes a job's folder and its train.log, a ``hydra.sweep.subdir``
    of the user's own that puts that job outside the sweep directory through its values
    (``${hydra.job.override_dirname}`` with ``+z=../../..``). Hydra resolves the subdir of
    each job just before it makes the folder, with no callback in between: the sweep's
    jobs get the subdir wrapped in ``${mia_subdir_inside:SWEEP_DIR,'SUBDIR'}``, which
    refuses it there as `refuse_escaping_subdir` does (the job callback was too late)."""
    from omegaconf import read_write

    raw = config.hydra.sweep._get_node("subdir")._value()
    if not isinstance(raw, str) or "${" not in raw or raw == SAFE_SUBDIR or '"' in raw:
        return  # a fixed subdir was checked as the sweep started; '"': on_job_start checks
    # (a list item of OmegaConf's too: the ${...} must parse there; Hydra's "..." holds it)
    wrapped = "${mia_subdir_inside:${hydra.sweep.dir}," + _quoted(raw) + "}"
    with read_write(config.hydra.overrides):
        config.hydra.overrides.hydra.append(f'hydra.sweep.subdir="{wrapped}"')


def check_run_folders_per_job() -> None:
    """Refuse, as Hydra names each job's folder (``${mia_safe_dirname:...}``, the packaged
    ``hydra.sweep.subdir``) and before it makes it, a file or a link to no folder in its
    place (a run folder replaced by a file, moved away and left as a dangling link): Hydra's
    mkdir stopped the sweep there with a FileExistsError traceback, exit 1. The resolver of
    this process is replaced by one that checks the folder (`refuse_blocked_run_folder`)."""
    OmegaConf.register_new_resolver("mia_safe_dirname", _checked_dirname, replace=True)


def _checked_dirname(overrides: str, _root_: DictConfig) -> str:
    """Resolver ``mia_safe_dirname`` of a sweep: `safe_dirname`, with the folder checked."""
    from mia_defense.tracking.run_dir import safe_dirname

    name = safe_dirname(overrides)
    sweep_dir = OmegaConf.select(_root_, "hydra.sweep.dir", default=None)
    if isinstance(sweep_dir, str):
        refuse_blocked_run_folder(os.path.join(sweep_dir, name))
    return name


def refuse_blocked_run_folder(path: str) -> None:
    """Exit 2 where a sweep's run folder ``path`` is a file or a link to no folder."""
    if not os.path.lexists(path) or os.path.isdir(path):
        return
    what = "a link to no folder" if os.path.islink(path) else "a file, not a folder"
    log.error("DataError: %s is %s, where this sweep writes one of its runs; nothing more was "
              "run (the runs before it are kept). Move it away, then run the same command "
              "again", shown_path(path), what)  # fmt: skip
    raise SystemExit(EXIT_USER_ERROR)


def _quoted(text: str) -> str:
    """``text`` as a quoted resolver argument of OmegaConf: quotes and the backslashes
    before a quote or the end escaped."""
    escaped = re.sub(r"(\\*)('|$)",
                     lambda m: m.group(1) * 2 + ("\\'" if m.group(2) else ""), text)
    return f"'{escaped}'"


def _subdir_inside(sweep_dir: str, subdir: str) -> str:
    """Resolver ``mia_subdir_inside``: ``subdir`` when it names a folder inside
    ``sweep_dir``; else the process exits 2 with `refuse_escaping_subdir`'s line."""
    refuse_escaping_subdir(str(sweep_dir), str(subdir))
    return str(subdir)


OmegaConf.register_new_resolver("mia_subdir_inside", _subdir_inside, replace=True)


# The records a sweep leaves in its directory, written anew by each sweep started there.
_SWEEP_RECORDS = ("multirun.yaml", "optimization_results.yaml")


def task_overrides(config: DictConfig) -> list[str]:
    """The command line's overrides as given (``hydra.overrides.task``), their ``${...}``
    left as text: read resolved, ``dataset.path=${hydra:runtime.cwd}/x.csv`` was resolved
    before Hydra had set its config and refused ('HydraConfig was not set'), and
    ``train=${plan}`` became a dict no parser reads."""
    texts = OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
    return [str(text) for text in texts] if isinstance(texts, list) else []


def _search(config: DictConfig) -> dict[str, Any] | None:
    """What makes an Optuna search ``config`` the one it is: its space (``hydra.sweeper.params``
    and the command line's sweeps, spaces left out of each range), objectives and
    directions, and the command line's fixed settings but `NEUTRAL_KEYS`' and the
    launcher's (where the trials run); ``None`` for another sweeper. ``hydra.sweeper.n_trials``
    and the sampler are left out: more trials, or others drawn, are points of the same
    search."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from mia_defense.tracking.run_dir import NEUTRAL_KEYS

    if not plugin_is(config.hydra.sweeper, "optuna"):
        return None
    params = config.hydra.sweeper.get("params")  # (an empty node is falsy: not `or {}`)
    params = {} if params is None else OmegaConf.to_container(params, resolve=False)
    space = {str(key).lstrip("+~"): str(value) for key, value in params.items()}
    fixed = []
    parser = OverridesParser.create()
    for text in task_overrides(config):
        key, _, value = text.partition("=")
        try:
            sweep = parser.parse_override(text).is_sweep_override()
        except Exception:  # (Hydra parsed it before: not reached)
            sweep = False
        if sweep:
            space[key.lstrip("+~")] = value
        elif not any(key.lstrip("+~") == n or key.lstrip("+~").startswith(f"{n}.")
                     for n in (*NEUTRAL_KEYS, "launcher")):  # fmt: skip
            fixed.append(text)
    objectives = OmegaConf.to_container(config, resolve=False).get("objectives")
    direction = OmegaConf.to_container(config.hydra.sweeper, resolve=False).get("direction")
    return {"space": {key: re.sub(r"\s+", "", value) for key, value in sorted(space.items())},
            "objectives": objectives, "direction": direction, "settings": sorted(fixed)}


def refuse_other_search(config: DictConfig) -> None:
    """Refuse an Optuna search into a ``hydra.sweep.dir`` that holds one over another space,
    objectives or fixed settings (its `SEARCH_RECORD`, written by the first): the search
    would start a new study there (its sampler draws other trials, none of the earlier
    study's skipped), and mia-report would rank both studies' trials on one Pareto front.
    The same search started again (a resume, more ``n_trials``) goes on; a search into a
    folder where none began a trial (none there, or each refused before its run began: a
    setting fixed since) records itself, and its ``hydra.sweeper.n_jobs``: another on resume
    is warned of (a search that asks trials in other batches draws others)."""
    from mia_defense.files import run_files
    from mia_defense.tracking import read_json

    search = _search(config)
    if search is None:
        return
    sweep_dir = Path(config.hydra.sweep.dir)
    path = sweep_dir / SEARCH_RECORD
    n_jobs = config.hydra.sweeper.get("n_jobs")
    _hold_search(sweep_dir)
    # (a trial's folder at any depth: hydra.sweep.subdir=${hydra.job.num}/run left a search
    # of another space recorded over the first and run beside its trials; and through a
    # link, as mia-report ranks it: a trial kept elsewhere, linked in)
    if not os.path.lexists(path) or not run_files(sweep_dir):
        record = {**search, "n_jobs": n_jobs}  # (not compared as the search: warned of below)
        _write_sweep_record(path, (json.dumps(record, indent=1) + "\n").encode())
        return
    try:
        earlier = read_json(path)
    except Exception as exc:
        end_refused(log, "%s; nothing was run. Delete it to search here anew (the trials "
                    "there would then be ranked with this search's), or choose a new "
                    "hydra.sweep.dir", exc)  # fmt: skip
    changed = []
    for what, key in (("search space", "space"), ("objectives", "objectives"),
                      ("direction", "direction"), ("fixed settings", "settings")):
        before, now = earlier.get(key), search[key]
        if key == "space" and isinstance(before, dict):
            changed += [f"{name}: {before.get(name, '(unset)')} -> {now.get(name, '(unset)')}"
                        for name in sorted(set(before) | set(now))
                        if before.get(name) != now.get(name)]  # fmt: skip
        elif before != now:
            changed.append(f"{what}: {json.dumps(before)} -> {json.dumps(now)}")
    if changed:
        end_refused(log, "hydra.sweep.dir=%s holds an Optuna search of other settings (%s): "
                    "this one would start a new study there, whose trials mia-report ranks "
                    "with the earlier study's on one Pareto front; nothing was run. Start it "
                    "as a separate search in a new folder (hydra.sweep.dir=...), or resume the "
                    "earlier one with its own settings (those left of each '->')",
                    shown_path(config.hydra.sweep.dir), "; ".join(changed))  # fmt: skip
    before = earlier.get("n_jobs")
    if type(before) is int and type(n_jobs) is int and before != n_jobs:
        # the sweeper asks n_jobs trials at once, each drawn from the trials told before it
        log.warning("hydra.sweeper.n_jobs=%d: the search in hydra.sweep.dir=%s began with "
                    "n_jobs=%d (its %s): past its first random trials its sampler draws "
                    "others than that search did, which are trained anew rather than "
                    "skipped as finished (the earlier ones stay there, ranked by mia-report "
                    "beside them); resume it with hydra.sweeper.n_jobs=%d", n_jobs,
                    shown_path(config.hydra.sweep.dir), before, SEARCH_RECORD,
                    before)  # fmt: skip


def _hold_search(sweep_dir: Path) -> None:
    """Lock ``sweep_dir`` (flock on the folder itself: nothing written there) for this
    process's life (released as it ends, killed too), or refuse the search: another search is
    running there. Two searches started into one folder at once both found no trial run and
    each recorded its own space: two studies' trials mixed in the folder, ranked by
    mia-report on one front, neither refused. A file system without locks goes on unlocked."""
    key = os.path.realpath(sweep_dir)
    if key in _HELD_SEARCHES:
        return
    try:
        sweep_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(sweep_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return  # (an unwritable or unreadable folder: the record's write names it)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        end_refused(log, "hydra.sweep.dir=%s: another Optuna search is running in it: two "
                    "searches in one folder mix their trials, which mia-report ranks on one "
                    "front; nothing was run. Wait for it to end (then the same command resumes "
                    "this search there if it is that one), or choose a new hydra.sweep.dir",
                    shown_path(sweep_dir))  # fmt: skip
    except OSError:
        os.close(fd)
        return
    _HELD_SEARCHES[key] = fd


def keep_earlier_sweep_records(sweep_dir: Path, upcoming: str) -> None:
    """Keep what an earlier sweep into ``sweep_dir`` recorded: Hydra writes multirun.yaml
    (Optuna optimization_results.yaml) over it. A record that differs from the ``upcoming``
    multirun.yaml and has no copy yet is copied to ``multirun.1.yaml``, ``.2``, ...; a sweep
    started again unchanged (a resume) adds nothing. Then ``upcoming`` is written there (a
    full disk: one line and exit 2, the earlier file whole)."""
    for name in _SWEEP_RECORDS:
        path = sweep_dir / name
        try:
            info = path.lstat()
        except OSError:
            continue  # none yet
        mode = info.st_mode
        if stat.S_ISREG(mode) and info.st_nlink > 1:  # Hydra writes it in place (cp -al)
            log.error("DataError: %s is a hard link (%d names for one file): the sweep would "
                      "write its %s over the other file too; nothing was run. Make it a file "
                      "of its own (cp it to a new name and move that back), delete it, or "
                      "choose a new hydra.sweep.dir", shown_path(path), info.st_nlink,
                      name)  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR)
        if not stat.S_ISREG(mode):  # Hydra writes it through a link, waits on a FIFO
            what = "a link" if stat.S_ISLNK(mode) else "a FIFO" if stat.S_ISFIFO(mode) \
                else "a folder" if stat.S_ISDIR(mode) else "no regular file"  # fmt: skip
            log.error("DataError: %s is %s, not a record of an earlier sweep: the sweep would "
                      "write its %s into what it names; nothing was run. Delete it, or choose "
                      "a new hydra.sweep.dir", shown_path(path), what, name)  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR)
        old = path.read_bytes()
        stem, suffix = name.rsplit(".", 1)
        kept = sorted(sweep_dir.glob(f"{stem}.*.{suffix}"))
        # (empty: one Hydra began in place on a full disk, nothing of an earlier sweep)
        if not old or (name == "multirun.yaml" and _same_sweep(old, upcoming)) or any(
            copy.is_file() and copy.read_bytes() == old for copy in kept
        ):
            continue
        number = 1
        while (sweep_dir / f"{stem}.{number}.{suffix}").exists():
            number += 1
        copy = sweep_dir / f"{stem}.{number}.{suffix}"
        _write_sweep_record(copy, old, kept=path)
        log.info("kept the earlier sweep's %s as %s", name, copy.name)
    # Hydra writes multirun.yaml in place (truncated, then written): a disk full at the
    # sweep's start ended it in an OSError traceback and left the file empty. Written whole
    # first, here, Hydra's write of the same text then has its room.
    _write_sweep_record(sweep_dir / "multirun.yaml", upcoming.encode(errors="surrogateescape"))


def _write_sweep_record(path: Path, data: bytes, *, kept: Path | None = None) -> None:
    """Write ``data`` whole to ``path``, a record of the sweep in its hydra.sweep.dir (with
    ``kept``: the copy of that earlier record). A write that fails (a full disk) ends the
    process before any run: one line naming the file, its cause and what to do with the
    sweep's folder, exit 2 (`atomic_write`'s own words name a single run's hydra.run.dir)."""
    from mia_defense.errors import DataError
    from mia_defense.files import atomic_write, write_advice

    try:
        atomic_write(path, lambda handle: handle.write(data))
    except DataError as exc:
        advice = write_advice(exc, fix="choose a writable hydra.sweep.dir",
                              where="hydra.sweep.dir=...")  # fmt: skip
        lost = f" (else the earlier sweep's {kept.name} would be lost)" if kept else ""
        log.error("DataError: %s: cannot write it (%s); nothing was run%s. %s", shown_path(path),
                  exc.reason, lost, advice[:1].upper() + advice[1:])  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR) from None


def _without_checkout(text: str) -> str:
    """A multirun.yaml's text with its checkout's path (``hydra.runtime.cwd``, where the
    sweep was started) as ``${CWD}``: the same sweep started again after the checkout moved
    names the new path there and in every path under it (a study's cache_dir)."""
    found = re.search(r"^  runtime:\n(?:    .*\n)*?    cwd: (.+)$", text, re.MULTILINE)
    if found is None or not found.group(1).startswith("/"):
        return text
    return re.sub(re.escape(found.group(1)) + r"(?=/|'|\"|,|\]|\s|$)", "${CWD}", text)


def _same_sweep(old: bytes, upcoming: str) -> bool:
    """Whether an earlier sweep's multirun.yaml (``old``) records the ``upcoming`` sweep,
    its checkout's path aside (`_without_checkout`): a study resumed after the checkout
    moved was kept as an earlier sweep's record, and the study refused to record its tables
    as 'beside runs of an earlier sweep of other settings'."""
    if old == upcoming.encode():
        return True
    try:
        text = old.decode()
    except UnicodeDecodeError:
        return False
    return _without_checkout(text) == _without_checkout(_clock_name_put_back(text, upcoming))


_SWEEP_DIR_LINE = re.compile(r"^  sweep:\n    dir: (.+)$", re.MULTILINE)


def _clock_name_put_back(old: str, upcoming: str) -> str:
    """The ``upcoming`` multirun.yaml of a sweep started again with ``hydra.sweep.dir=X``
    naming the folder that the ``old`` one's ``${now:...}`` named (as an interrupted sweep's
    last line says to resume it), written as the old one was: its ``dir: X`` as the old
    ``dir: ...${now:...}``, its ``hydra.sweep.dir=X`` override left out. That resume kept
    the sweep's own record as an earlier sweep's multirun.1.yaml. Anything else: as given."""
    before, now = _SWEEP_DIR_LINE.search(old), _SWEEP_DIR_LINE.search(upcoming)
    if before is None or now is None or "${now:" not in before.group(1):
        return upcoming
    named = f"\n    - hydra.sweep.dir={now.group(1)}\n"
    if named not in upcoming[now.end():]:
        return upcoming
    rest = upcoming[now.end():].replace(named, "\n", 1)
    return upcoming[:now.start(1)] + before.group(1) + rest


def refuse_unencodable_name(path: str, *, key: str) -> None:
    """Refuse, before Hydra makes it and its train.log, a run or sweep directory whose name
    the locale's file-system encoding writes as other bytes than UTF-8 (the task's own check,
    `mia_defense.tracking.run_dir.refuse_unwritable_name`): under LC_ALL=C in a folder named
    ``é``, each mia-train said 'nothing was run' and left outputs/DATE/TIME/train.log."""
    from mia_defense.errors import DataError
    from mia_defense.files import RUN_FOLDER_SETTING
    from mia_defense.tracking.run_dir import refuse_unwritable_name

    said = RUN_FOLDER_SETTING.set(key)
    try:
        refuse_unwritable_name(Path(os.path.abspath(path)))
    except DataError as exc:
        end_refused(log, "%s", str(exc), error="DataError")
    finally:
        RUN_FOLDER_SETTING.reset(said)


def require_writable_dir(path: str, *, key: str) -> None:
    if os.path.lexists(path) and not os.path.isdir(path):  # mkdir's 'File exists' named none
        what = "a link to no folder" if os.path.islink(path) else "a file, not a folder"
        log.error("DataError: %s=%s is %s; nothing was changed. Point %s at a new or empty "
                  "directory", key, shown_path(path), what, key)  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR)
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        # (a full disk, a quota: the folder is writable, the disk has no room for it)
        full = "free disk space or " if exc.errno in (errno.ENOSPC, errno.EDQUOT) else ""
        runs = _runs_in(path) if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else 0
        if runs:  # (a finished sweep kept read-only: said as such, with how to read it)
            log.error(
                "DataError: %s=%s: cannot write there (%s); it holds %s, and mia-train "
                "writes in a run's folder even to skip it as finished (its lock, its log), so "
                "nothing was run. Read %s as %s with mia-report %s --out DIR (the report "
                "written elsewhere), or make it writable (chmod -R u+w %s, or a copy of it) "
                "to run the same command again there", key, shown_path(path), exc.strerror or exc,
                "a run" if runs == 1 else f"{runs} runs", "it" if runs == 1 else "them",
                "it is" if runs == 1 else "they are",
                typed_path(path, instead="<that folder>"),
                typed_path(path, instead="<that folder>"),
            )  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR) from None
        log.error(
            "DataError: %s=%s: cannot write there (%s); %spoint %s at a writable directory",
            key, shown_path(path), exc.strerror or exc, full, key,
        )
        raise SystemExit(EXIT_USER_ERROR) from None


def _runs_in(path: str) -> int:
    """How many run folders (a results.json in it) ``path`` holds, itself included, read as
    mia-report reads a sweep (`walk_run_folders`, 1,000 folders at most)."""
    from mia_defense.files import walk_run_folders

    def is_run(names: set[str], hydra: bool) -> bool:
        return "results.json" in names

    found = 0
    with contextlib.suppress(OSError, RuntimeError):
        for _, names, folders in walk_run_folders(Path(path), is_run=is_run, max_folders=1000,
                                                   too_many=lambda folder: OSError()):
            found += "results.json" in names - folders
    return found


def require_writable_log_files(config: DictConfig, *, made: Path | None) -> None:
    """Each log file of the job's logging config given as a fixed path (not the run
    directory's train.log, which is made with it) must be one this user can append to:
    Hydra opens it after making the run directory and stopped with a traceback ("Unable to
    configure handler 'file'") for a missing folder, a directory or a read-only file. On a
    refusal the directory ``made`` for it just now is removed again (when still empty). (A
    file of other text than a log is refused as the config is composed:
    `mia_defense.hydra_node_checks`.)"""
    for key, filename in job_log_files(config):
        try:
            # without waiting: a FIFO nothing reads blocked the open (and the run) forever
            os.close(os.open(filename, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK,
                             0o666))  # fmt: skip
        except OSError as exc:
            if made is not None:
                with contextlib.suppress(OSError):
                    made.rmdir()
            reason = exc.strerror or exc
            if exc.errno == errno.ENXIO and stat.S_ISFIFO(os.stat(filename).st_mode):
                reason = "a FIFO that nothing reads: the run would wait on it forever"
            log.error("DataError: %s=%s: cannot write a log file there (%s); nothing was run. "
                      "Point it at a writable file, or leave it at its default (train.log in "
                      "the run directory; hydra/job_logging=disabled: no log file)", key,
                      shown_path(filename), reason)  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR) from None


def job_log_files(config: DictConfig) -> list[tuple[str, str]]:
    """``(key, filename)`` of each log file of the job's logging config given as a fixed path
    (``hydra.job_logging.handlers.NAME.filename``); one under the run directory
    (``${hydra.runtime.output_dir}/...``, resolved only as the job starts) is left out."""
    handlers = OmegaConf.select(config, "hydra.job_logging.handlers", default=None)
    found = []
    for name in handlers if isinstance(handlers, DictConfig) else ():
        try:
            handler = handlers[name]
            filename = handler.get("filename") if isinstance(handler, DictConfig) else None
        except OmegaConfBaseException:  # ${hydra.runtime.output_dir}: set as the job starts
            continue
        if isinstance(filename, str) and filename:
            found.append((f"hydra.job_logging.handlers.{name}.filename", filename))
    return found


def refuse_odd_log_files(config: DictConfig, run_dirs: list[Path], *, key: str) -> None:
    """Refuse a log file of the job (``train.log``) that already lies in one of ``run_dirs``
    as a link, a FIFO or a folder: Hydra appends the run's log through a link (a user's file
    named by a copied run's ``train.log`` got the log lines) and waited forever on a FIFO."""
    for run_dir in run_dirs:
        root = os.path.abspath(run_dir)
        for log_key, filename in run_log_files(config, run_dir):
            if os.path.commonpath([root, os.path.abspath(filename)]) != root:
                continue  # a file of the user's choosing: require_writable_log_files
            try:
                info = os.lstat(filename)
            except OSError:
                continue  # none yet (or unreadable: Hydra names it)
            mode = info.st_mode
            if stat.S_ISREG(mode) and info.st_nlink > 1:  # (a run copied with cp -al)
                log.error("DataError: %s: the run's log file (%s) is a hard link (%d names for "
                          "one file): the log would be appended to the other file too; nothing "
                          "was run. Make it a file of its own (cp it to a new name and move "
                          "that back), delete it, or choose a new %s", shown_path(filename),
                          log_key, info.st_nlink, key)  # fmt: skip
                raise SystemExit(EXIT_USER_ERROR)
            if stat.S_ISREG(mode):
                continue
            what = ("a link" if stat.S_ISLNK(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                    else "a folder" if stat.S_ISDIR(mode) else "no regular file")  # fmt: skip
            log.error("DataError: %s: the run's log file (%s) is %s, not a log of mia-train's "
                      "(the log would be written into what it names, or wait forever); nothing "
                      "was run. Delete it, or choose a new %s", shown_path(filename), log_key, what,
                      key)  # fmt: skip
            raise SystemExit(EXIT_USER_ERROR)


def run_log_files(config: DictConfig, run_dir: Path) -> list[tuple[str, str]]:
    """``(key, filename)`` of each log file of the job's logging config, with
    ``${hydra.runtime.output_dir}`` (set by Hydra only as the job starts) standing for
    ``run_dir``."""
    handlers = OmegaConf.select(config, "hydra.job_logging.handlers", default=None)
    runtime = OmegaConf.select(config, "hydra.runtime", default=None)
    if not isinstance(handlers, DictConfig) or not isinstance(runtime, DictConfig):
        return []
    found = []
    with read_write(runtime), open_dict(runtime):
        before = runtime._get_node("output_dir")._value() if "output_dir" in runtime else "???"
        runtime.output_dir = os.path.abspath(run_dir)
        try:
            for name in handlers:
                try:
                    handler = handlers[name]
                    filename = handler.get("filename") if isinstance(handler, DictConfig) else None
                except OmegaConfBaseException:
                    continue
                if isinstance(filename, str) and filename:
                    found.append((f"hydra.job_logging.handlers.{name}.filename", filename))
        finally:
            runtime.output_dir = before
    return found

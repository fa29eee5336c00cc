"""Shared fixtures: the real Hydra config, composed and shrunk for tests, and finished runs
that several tests read (session-scoped: each is trained once per test session, whichever
pytest-xdist worker asks first: see `built_once`)."""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import hashlib
import io
import os
import pickle
import shutil
import signal
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import torch
import yaml
from hydra import compose, initialize_config_module
from hydra._internal import defaults_list as defaults_list_module
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.config_repository import CachingConfigRepository
from hydra.core.config_store import ConfigStore
from hydra.core.utils import JobRuntime
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, read_write

from mia_defense.config import register_configs
from mia_defense.tracking import read_json
from tests.helpers import (
    FAST,
    LEAN_ATTACKS,
    OVERFIT,
    Done,
    built_once,
    mia_attack,
    mia_train,
    synthetic_observations,
)

if TYPE_CHECKING:
    from mia_defense.experiment import RunResult

torch.set_num_threads(1)
register_configs()
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    # A suite started as a background job (`make test &`, nohup) inherits Ctrl-C ignored,
    # as mia-train rightly keeps it; the tests that interrupt runs need Python's default.
    signal.signal(signal.SIGINT, signal.default_int_handler)


@functools.cache
def _parsed_yaml(text: str) -> Any:
    from omegaconf._utils import get_yaml_loader

    return yaml.load(text, Loader=get_yaml_loader())


def _load_parsing_each_text_once(file_: Any) -> Any:
    """`OmegaConf.load`, with each YAML text parsed once per test process.

    Hydra parses the packaged config files again at each composition (14 files, about a
    quarter of a refused mia-train's time in this process), and the suite composes them
    hundreds of times. The parse, and the config `OmegaConf.load` makes of it, are functions
    of the text alone: each call gets a copy of the config made from the text the first
    time (`_created`). A file that cannot be read as text or parsed goes to the real
    loader, so its error is the one users see.
    """
    if isinstance(file_, str | Path):
        try:
            text = Path(file_).read_text(encoding="utf-8")
        except (OSError, UnicodeError):
            return _load_yaml(file_)
        source: Any = file_
    else:
        start = file_.tell()
        try:
            text = file_.read()
        except UnicodeError:
            text = None
        if not isinstance(text, str):
            file_.seek(start)
            return _load_yaml(file_)
        source = io.StringIO(text)
        source.name = getattr(file_, "name", "<file>")
    try:
        obj = _parsed_yaml(text)
    except Exception:
        return _load_yaml(source)
    if obj is not None and not isinstance(obj, list | dict | str):
        return _load_yaml(source)  # OmegaConf's own refusal
    created = _created(text)
    return _create(obj) if created is None else pickle.loads(created)


def _create(obj: Any) -> DictConfig:
    obj = copy.deepcopy(obj)
    return OmegaConf.create() if obj is None else OmegaConf.create(obj)


@functools.cache
def _created(text: str) -> bytes | None:
    """What `OmegaConf.create` makes of the parsed text, pickled: a copy of it is unpickled
    in 0.1 ms a file, where building it again took 2-3 ms (14 files at each composition).
    ``None`` where OmegaConf refuses the text (`_create` raises its error each time) or
    pickle cannot copy the config (built each time)."""
    try:
        return pickle.dumps(_create(_parsed_yaml(text)))
    except Exception:
        return None


_load_yaml = OmegaConf.load
OmegaConf.load = staticmethod(_load_parsing_each_text_once)  # type: ignore[method-assign]


@functools.cache
def _safe_parsed(text: str) -> Any:
    return _safe_load(text)


def _safe_load_parsing_each_text_once(stream: Any) -> Any:
    """`yaml.safe_load`, with each text parsed once per test process.

    The checks of mia-train's and mia-attack's arguments (`mia_defense.config_keys`,
    `mia_defense.cli.arguments`) parse a packaged group file again for each override they
    look at (ten parses of a tiny run's command line, a fifth of a refused mia-train in this
    process), and the suite runs those commands hundreds of times. A text is parsed by the
    real loader; a stream, or a text it refuses, goes to it each time, so its error is the
    one users see.
    """
    if isinstance(stream, str):
        try:
            return copy.deepcopy(_safe_parsed(stream))
        except Exception:
            pass
    return _safe_load(stream)


_safe_load = yaml.safe_load
yaml.safe_load = _safe_load_parsing_each_text_once


def _stored(tree: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Each node of `ConfigStore`'s tree: its path and the identity of what it holds."""
    for name, value in tree.items():
        if isinstance(value, dict):
            yield from _stored(value, (*path, name))
        else:
            yield (*path, name), id(value)


_loaded: dict[tuple[Any, ...], bytes] = {}


def _load_configuration_once(
    self: ConfigLoaderImpl,
    config_name: str | None,
    overrides: list[str],
    run_mode: RunMode,
    from_shell: bool = True,
    validate_sweep_overrides: bool = True,
) -> DictConfig:
    """Hydra's `ConfigLoaderImpl.load_configuration`, a copy of its first result for the
    same arguments in this test process (pickled: 1 ms to copy, where a deep copy takes 7).

    mia-train and mia-attack compose the packaged config two to six times each (0.1 s
    apiece: a quarter to half of a tiny run's time in this process), hundreds of times in
    the suite, often alike (a command run again, a sweep's checks and its jobs). The
    composition is a function of the arguments, the search path, the task's name,
    `ConfigStore`'s nodes and the packaged files alone, but for the working directory it
    records (``hydra.runtime.cwd``, set again on the copy). One that reads a folder of the
    user's (a file:// source, which a test may edit), copies environment variables, warns or
    holds what pickle cannot copy is not kept; a refusal is raised each time by Hydra itself.
    """
    try:
        job = JobRuntime.instance().get("name")
    except KeyError:
        job = None
    key = (config_name, tuple(overrides), run_mode, from_shell, validate_sweep_overrides,
           tuple((e.provider, e.path) for e in self.config_search_path.get_path()), job,
           tuple(_stored(ConfigStore.instance().repo)))  # fmt: skip
    if key in _loaded:
        cfg = pickle.loads(_loaded[key])
        with read_write(cfg.hydra.runtime):
            cfg.hydra.runtime.cwd = os.getcwd()
        return cfg
    with warnings.catch_warnings(record=True) as said:
        cfg = _load_configuration(self, config_name, overrides, run_mode, from_shell,
                                  validate_sweep_overrides)  # fmt: skip
    for warning in said:  # (as they were given: the filters let them through)
        warnings.warn_explicit(warning.message, warning.category, warning.filename,
                               warning.lineno, source=warning.source)  # fmt: skip
    if (
        not said
        and not cfg.hydra.job.env_copy
        and all(source.schema != "file" for source in cfg.hydra.runtime.config_sources)
    ):
        with contextlib.suppress(Exception):  # (a class of a test's own function, say)
            _loaded[key] = pickle.dumps(cfg)
    return cfg


_load_configuration = ConfigLoaderImpl.load_configuration
ConfigLoaderImpl.load_configuration = _load_configuration_once  # type: ignore[method-assign]


def _caching_repository_sharing_the_store(self: CachingConfigRepository, delegate: Any) -> None:
    """Hydra's `CachingConfigRepository.__init__` (a deep copy of the config repository, made
    at each composition), but for `ConfigStore`'s singleton, which its structured-config
    source holds: the copy deep-copied every stored schema too (10 ms of a 90 ms composition).
    Composing never writes into the store, and `ConfigStore.load` hands out copies of its
    nodes, so the copy and the singleton give the same configs."""
    store = ConfigStore.instance()
    self.delegate = copy.deepcopy(delegate, {id(store): store})
    self.cache = {}


CachingConfigRepository.__init__ = _caching_repository_sharing_the_store  # type: ignore[method-assign]


def _interpolation_map_where_read(overrides: Any, defaults_list: list, self_added: bool) -> Any:
    """Hydra's `_create_interpolation_map` (a DictConfig of the choices made so far, built
    for each config file with a defaults list: 13 ms of a 70 ms composition), only where
    that defaults list holds an interpolation (``- db: ${...}``): `_create_defaults_tree_impl`
    reads the map for those entries alone. No packaged file has one; elsewhere ``None``, which
    nothing reads."""
    if any(default.is_interpolation() for default in defaults_list):
        return _create_interpolation_map(overrides, defaults_list, self_added)
    return None


_create_interpolation_map = defaults_list_module._create_interpolation_map
defaults_list_module._create_interpolation_map = _interpolation_map_where_read

gc.disable()  # while pytest imports the test modules: see pytest_collection_finish


def pytest_collection_finish(session: pytest.Session) -> None:
    """The test modules and what they import (torch, Hydra, scikit-learn...) live as long
    as the process: leave them out of the collector's walks, as the tools do for a run
    (`mia_defense.collector`), and collect the tests' garbage."""
    gc.freeze()
    gc.enable()


TINY = [
    "plan.num_models=4",
    "plan.population_size=300",
    "train.epochs=3",
    "train.lr=0.01",
    "progress=false",
    "figures=false",  # TensorBoard's figures: most of a tiny run; tests that read them set true
    # Shokri's default gradient boosting (100 rounds) was half of a tiny run (0.35 of 0.69 s);
    # the attack's folds and rows are the same with a logistic classifier (0.02 s). Gradient
    # boosting stays tested in tests/attacks/test_attacks.py and in every run not composed
    # from TINY (the installed mia-train's run in tests/test_import_weight.py among them)
    "attack.attacks.shokri.classifier=logistic",
]


def compose_cfg(*overrides: str, tiny: bool = True) -> DictConfig:
    """The packaged config with the given overrides (after the tiny defaults): a copy of
    its first composition, which costs Hydra about 0.25 s (many tests compose alike),
    unpickled (0.3 ms, where a deep copy takes 2.3)."""
    return pickle.loads(_composed((*(TINY if tiny else []), *overrides)))


class BudgetChecked(Exception):
    """A run's up-front budget check passed (`budget_asked`): its models would train now."""


@pytest.fixture
def budget_asked(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The sizes each `check_budget` of a run (`run_to_budget_check`) is asked with; the run
    stops once its whole up-front check has passed (`BudgetChecked`)."""
    from mia_defense.pipeline import data

    asked: list[dict[str, Any]] = []
    check, whole = data.check_budget, data._check_budget

    def recorded(**kwargs: Any) -> None:
        asked.append(kwargs)
        check(**kwargs)

    def then_stop(*args: Any, **kwargs: Any) -> None:
        whole(*args, **kwargs)
        raise BudgetChecked

    monkeypatch.setattr(data, "check_budget", recorded)
    monkeypatch.setattr(data, "_check_budget", then_stop)
    return asked


def run_to_budget_check(tmp_path: Path, *overrides: str) -> None:
    """`mia_defense.cli.build.run` of the tiny config with ``overrides`` in ``tmp_path``, up to
    its passed budget check (`budget_asked` in use); a refusal raises as the run would."""
    from mia_defense.cli.build import run

    with pytest.raises(BudgetChecked):
        run(compose_cfg(*overrides), tmp_path)


@functools.lru_cache(maxsize=256)
def _composed(overrides: tuple[str, ...]) -> bytes:
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return pickle.dumps(compose("config", overrides=list(overrides)))


@pytest.fixture
def make_cfg() -> Callable[..., DictConfig]:
    """Compose the packaged config with the given overrides (after the tiny defaults)."""
    return compose_cfg


@dataclass(frozen=True)
class FinishedRun:
    """A complete run shared by several tests: read it, copy it, never write into it."""

    run_dir: Path
    result: RunResult
    payload: dict[str, Any]


def _finished_run(run_dir: Path, *overrides: str) -> FinishedRun:
    from mia_defense.cli.train import run

    result = run(compose_cfg(*overrides), run_dir)
    return FinishedRun(run_dir=run_dir, result=result, payload=read_json(run_dir / "results.json"))


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> FinishedRun:
    """The tiny default run (`TINY`: every attack, bootstrap included), trained once."""
    return built_once(tmp_path_factory, "tiny_run", _finished_run)


@pytest.fixture(scope="session")
def fast_run(tmp_path_factory: pytest.TempPathFactory) -> FinishedRun:
    """The tiny run with `tests.helpers.FAST` (one epoch, no attack extras), trained once."""
    return built_once(tmp_path_factory, "fast_run", lambda d: _finished_run(d, *FAST))


@pytest.fixture(scope="session")
def overfit_run(tmp_path_factory: pytest.TempPathFactory) -> FinishedRun:
    """`tests.helpers.OVERFIT` (8 wide MLPs, 60 epochs on 100 members each: train accuracy
    1.0) with the lean attack stage, undefended, trained once."""
    return built_once(tmp_path_factory, "overfit_run",
                      lambda d: _finished_run(d, *OVERFIT, *LEAN_ATTACKS))  # fmt: skip


@pytest.fixture(scope="session")
def attacked_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``o.npz`` (4 models, 60 records, 3 classes, from
    `synthetic_observations`) and ``run``, mia-attack's finished run of it with the lean
    attack stage, made once. Read-only: tests take copies (`attacked_run`)."""
    return built_once(tmp_path_factory, "attacked", _attacked_template)


def _attacked_template(folder: Path) -> Path:
    synthetic_observations(num_models=4, num_samples=60, num_classes=3).save(folder / "o.npz")
    done = mia_attack("o.npz", *LEAN_ATTACKS, "hydra.run.dir=run", cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


@pytest.fixture
def attacked_run(attacked_template: Path, tmp_path: Path) -> Path:
    """A finished run folder of mia-attack's, ``tmp_path/run``, beside the file it attacked
    (``tmp_path/o.npz``): a copy of `attacked_template`'s, for the test to edit. Its
    results.json names the template's o.npz as its source, as a run attacked from a file
    elsewhere would."""
    shutil.copy2(attacked_template / "o.npz", tmp_path / "o.npz")
    return Path(shutil.copytree(attacked_template / "run", tmp_path / "run"))


@pytest.fixture(scope="session")
def optuna_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished two-trial Optuna search of tiny runs (``hparams_search=optuna_tradeoff``),
    run once through `mia-train -m` for the tests that read it; its directory is
    ``optuna`` under the folder it was started from. Read-only."""
    return built_once(tmp_path_factory, "optuna", _optuna_sweep)


def _optuna_sweep(cwd: Path) -> Path:
    done = mia_train(
        "-m", "hparams_search=optuna_tradeoff", "plan.num_models=2", "plan.population_size=200",
        "attack.bootstrap=0", "progress=false", "figures=false", "hydra.sweeper.n_trials=2",
        "hydra.sweeper.n_jobs=1", "train.epochs=int(interval(1,2))", "hydra.sweep.dir=optuna",
        cwd=cwd,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return cwd / "optuna"


@pytest.fixture(scope="session")
def idle_early_stopping_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``es``, a fast early-stopping run that never acted (patience 5 beyond
    the tiny config's 3 epochs at a small lr: no model stops, each one's validation loss falls
    up to its last epoch: results.json's training.defenses_idle), and ``und``, the same
    undefended, trained once for the tests of mia-report's rows, fronts and charts of such a
    run. Read-only."""
    return built_once(tmp_path_factory, "idle_early_stopping", _idle_early_stopping_runs)


def _idle_early_stopping_runs(folder: Path) -> Path:
    fast = [o for o in FAST if not o.startswith("train.epochs=")]
    for name, defense in (("es", "early_stopping"), ("und", "none")):
        _finished_run(folder / name, *fast, "plan.reference_size=300", "train.lr=0.001",
                      f"defense={defense}")  # fmt: skip
    return folder


@pytest.fixture(scope="session")
def shared_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., FinishedRun]:
    """``shared_run(*overrides)``: the tiny run of ``compose_cfg(*overrides)``, trained once per
    test session for all the tests that ask for the same overrides (in the same order).
    Read it, never write into it."""
    runs: dict[tuple[str, ...], FinishedRun] = {}

    def shared(*overrides: str) -> FinishedRun:
        if overrides not in runs:
            name = "run-" + hashlib.sha256("\n".join(overrides).encode()).hexdigest()[:16]
            runs[overrides] = built_once(tmp_path_factory, name,
                                         lambda d: _finished_run(d, *overrides))  # fmt: skip
        return runs[overrides]

    return shared


@pytest.fixture(scope="session")
def seeded_dp_mia_train(tmp_path_factory: pytest.TempPathFactory) -> tuple[Done, Path]:
    """What ``mia-train defense=dp defense.dp.target_epsilon=50 plan.num_models=2
    train.epochs=2`` (no figures, no bootstrap) said, and its run folder: DP on seeded noise,
    its ε no guarantee (privacy.epsilon_invalid_reason) and its claim untested
    (privacy.epsilon_untested). Run once; read-only."""
    return built_once(tmp_path_factory, "seeded_dp_mia_train", _seeded_dp_mia_train)


def _seeded_dp_mia_train(cwd: Path) -> tuple[Done, Path]:
    done = mia_train("defense=dp", "defense.dp.target_epsilon=50", "plan.num_models=2",
                     "train.epochs=2", "figures=false", "attack.bootstrap=0", "progress=false",
                     f"hydra.run.dir={cwd / 'dp'}", cwd=cwd)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done, cwd / "dp"


@pytest.fixture(scope="session")
def lean_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``run``, what ``mia-train plan.num_models=2 train.epochs=1 progress=false`` with
    `LEAN_ATTACKS` (hydra.run.dir=run, started in the folder above it) wrote, made once.
    Read-only: a test that runs a command into it, or changes it, takes a copy."""
    return built_once(tmp_path_factory, "lean_run", _lean_run)


def _lean_run(cwd: Path) -> Path:
    done = mia_train("plan.num_models=2", "train.epochs=1", "progress=false", *LEAN_ATTACKS,
                     "hydra.run.dir=run", cwd=cwd)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return cwd / "run"


class SweepEnd:
    """A sweep's end (`mia_defense.cli.sweep_end.SweepSummary`) in a test, with none of an earlier
    sweep's bookkeeping in this worker: the points mia-train ran, refused and saw diverge,
    what launchers handed back (`mia_defense.cli.sweep_refusals`) and the sweep in progress."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import mia_defense.cli.stopped as stopped
        import mia_defense.cli.sweep_end as ended
        import mia_defense.cli.sweep_refusals as refusals

        for name in ("SWEEP_RUNS", "SWEEP_FAILED", "SWEEP_DIVERGED", "SWEEP_SUMMARY",
                     "SWEEP_ENDED"):
            monkeypatch.setattr(ended, name, [])
        # (FINISHED: a single run's of this worker, finished in-process before, which
        # interrupted_line names ahead of the sweep's; main() clears it, these tests skip it)
        monkeypatch.setattr(stopped, "FINISHED", [])
        monkeypatch.setattr(refusals, "_RETURNED", [])
        monkeypatch.setattr(refusals, "_RUNS_RETURNED", {})
        monkeypatch.setattr(refusals, "_RUNS_SAID", {})
        monkeypatch.setattr(refusals, "_LAUNCHED", set())
        self._ended = ended

    def start(
        self, root: Path, *, task: Sequence[str] = (), runs: Sequence[Path] = (),
        failed: Sequence[tuple[Path, str]] = (),
    ) -> tuple[Any, DictConfig]:
        """``(summary, config)`` of a sweep of the overrides ``task`` in ``root``, started
        (``on_multirun_start``), its points ``runs`` run in this process and ``failed``
        refused there (with what was said)."""
        ended = self._ended
        ended.SWEEP_RUNS[:], ended.SWEEP_FAILED[:] = list(runs), list(failed)
        config = OmegaConf.create({"hydra": {"sweep": {"dir": str(root)},
                                             "sweeper": {"params": None},
                                             "overrides": {"task": list(task)}}})  # fmt: skip
        summary = ended.SweepSummary()
        summary.on_multirun_start(config)
        return summary, config

    def end(self, root: Path, **points: Any) -> None:
        """`start` a sweep in ``root`` and end it (``on_multirun_end``) at once."""
        summary, config = self.start(root, **points)
        summary.on_multirun_end(config)


@pytest.fixture
def sweep_end(monkeypatch: pytest.MonkeyPatch) -> SweepEnd:
    """See `SweepEnd`."""
    return SweepEnd(monkeypatch)

"""How the tools' Hydra entry points end: their exit codes, Ctrl-C, a closed stdout, and the
errors Hydra does not report itself (`run_entry`)."""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import NoReturn

from hydra.errors import CompactHydraException
from omegaconf.errors import OmegaConfBaseException

from mia_defense.cli.commands import lenient_stdout, quiet_stdout, umask_refusal
from mia_defense.collector import no_collection_at_exit, paused_while_importing
from mia_defense.constraints import shown_path
from mia_defense.errors import ConfigError
from mia_defense.library_call import cleared_after_each_call, main_state_kept, put_back_as_call_ends

__all__ = [
    "EXIT_BROKEN_PIPE", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "EXIT_USER_ERROR",
    "end_interrupted", "end_refused", "progress_lock_in_process", "quiet_pool_worker_starts",
    "reader_gone", "refusal_line", "run_entry", "take_interrupts_in_job",
]

EXIT_USER_ERROR = 2
# A reader closed our stdout during a run (mia-train ... | head): 128 + SIGPIPE, as a shell
# reports a process that the signal ended; the run's files are written before its table.
EXIT_BROKEN_PIPE = 141
EXIT_INTERRUPTED = 130
# Ended by SIGTERM (kill, docker stop, systemd, scancel): 128 + 15, as a shell reports it.
EXIT_TERMINATED = 143


def run_entry(
    entry: Callable[[], object], *, started: Callable[[], bool],
    interrupted: str | Callable[[], str], config_name: str = "config",
) -> None:
    """Run a tool's Hydra entry point with the tools' exit codes: Hydra's exit 1 before the
    task ``started`` (a config it could not compose) becomes 2, a user error; Ctrl-C prints
    ``interrupted`` and exits 130 (SIGTERM: 143), once: a task that logged its own line to
    the console (`end_interrupted`) does not get it printed again. A callable ``interrupted``
    gives the line as the interruption is said (a Ctrl-C after the task's results were
    complete, in the tool's own end, is no run to resume: mia-train's, mia-attack's).
    Where Hydra reports no error itself (``--help``, ``--hydra-help``, ``--info``), a config
    it cannot compose or a help template it cannot fill is printed as one message and exits
    2; a reader that closed stdout (``| head``) ends the tool quietly. Each config composed
    keeps the callbacks of the tool's primary config ``config_name`` (`tool_running`).

    Ctrl-C is noted when it arrives: during start-up it can land inside an import (numpy's,
    torch's), which then fails as an ImportError that Hydra reports as a config error ("Error
    locating target ... CheckConfigCallback") and exits 1. Any exit after a Ctrl-C is the
    interruption, never a user error.
    """
    _require_working_directory()
    _require_usable_umask()
    threads_given = _invalid_omp_threads_dropped()
    openmp_given = _invalid_openmp_settings_dropped()
    stdout_put_back = lenient_stdout()
    said_here = os.environ.get(_SAYS_INTERRUPTED)
    os.environ[_SAYS_INTERRUPTED] = _this_console()  # (for the launcher's worker processes)
    defaults = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
    previous = {signum: signal.getsignal(signum) for signum in defaults}
    pressed = _note_signal(signal.SIGINT, defaults[signal.SIGINT])
    terminated = _note_signal(signal.SIGTERM, defaults[signal.SIGTERM])
    no_collection_at_exit()
    try:
        # (the task turns collection on: `collect_from_here`)
        from mia_defense.own_config_checks import tool_running

        with _job_state_put_back(), paused_while_importing(), \
                _quiet_log_lines_to_a_gone_reader(), tool_running(config_name), \
                _composition_errors_said_here(started), \
                _refusals_without_log_prefix(started):  # fmt: skip
            entry()
    except SystemExit as exc:
        # (130 without a signal here: a launcher's worker process was interrupted)
        if (pressed() or terminated() or exc.code == EXIT_INTERRUPTED) and exc.code not in (
                0, None):  # fmt: skip
            _quiet_half_imported_torch()
            if not (exc.code == EXIT_INTERRUPTED and _SAID):  # (the task logged it)
                print(interrupted() if callable(interrupted) else interrupted, file=sys.stderr)
            raise SystemExit(EXIT_TERMINATED if terminated() else EXIT_INTERRUPTED) from None
        if exc.code == 1 and not started():
            raise SystemExit(EXIT_USER_ERROR) from None
        raise
    except KeyboardInterrupt:
        _quiet_half_imported_torch()
        if not _SAID:  # (Ctrl-C pressed again in the task's clean-up, after it said its line)
            print(interrupted() if callable(interrupted) else interrupted, file=sys.stderr)
        raise SystemExit(EXIT_TERMINATED if terminated() else EXIT_INTERRUPTED) from None
    except BrokenPipeError:  # mia-train --help | head: the reader has gone
        quiet_stdout()()  # (what stdout holds dropped; its descriptor as the caller had it)
        raise SystemExit(EXIT_BROKEN_PIPE if started() else 0) from None
    except (ConfigError, CompactHydraException) as exc:
        # Raised where Hydra does not report errors itself (--help, --hydra-help, --info),
        # or handed on by `_composition_errors_said_here`: a config it cannot compose or a
        # help template it cannot fill is a user error too.
        if started() or os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(refusal_line(exc), file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR) from None
    finally:
        # (the work done or refused: a Ctrl-C landing while the state below is put back
        # printed a KeyboardInterrupt traceback, exit -2; ignored until it is, as at the exit)
        held = _interrupts_held()
        # (at every tool's exit, run before the hooks its task registered: a Ctrl-C in
        # tqdm's, after a finished run, printed a traceback; once: called again in-process)
        atexit.unregister(_ignore_interrupts)
        atexit.register(_ignore_interrupts)
        stdout_put_back()
        if threads_given is not None:
            os.environ["OMP_NUM_THREADS"] = threads_given
        os.environ.update(openmp_given)
        if said_here is None:
            os.environ.pop(_SAYS_INTERRUPTED, None)
        else:
            os.environ[_SAYS_INTERRUPTED] = said_here
        _SAID.clear()
        _CUT_SHORT.clear()  # (its audit hook, if any, stays but does nothing)
        for signum, default in defaults.items():  # (only the handlers this installed)
            if previous[signum] == default:
                with contextlib.suppress(ValueError):
                    signal.signal(signum, default)
            elif signum == signal.SIGINT and held is not None:  # (the one held above)
                signal.signal(signum, held)


def _require_usable_umask() -> None:
    """Exit 2 with one line where the umask leaves the user no folder to write (`umask_refusal`)."""
    refusal = umask_refusal()
    if refusal is not None:
        print(f"ConfigError: {refusal}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR) from None


# OpenMP's (libgomp's) OMP_NUM_THREADS: whole numbers from 1 to LONG_MAX, one a nesting level
_OMP_THREADS = re.compile(r"\s*\+?\d+\s*(?:,\s*\+?\d+\s*)*", re.ASCII)


def _invalid_omp_threads_dropped() -> str | None:
    """An OMP_NUM_THREADS that OpenMP cannot read (``abc``, ``""`` from an unset shell
    variable, ``0``, ``2.5``) taken out of this process's environment before torch (its
    libgomp) loads, with one line naming it; its value, for the tool's end to put back, or
    ``None``. libgomp ignored it, printing its own 'libgomp: Invalid value for environment
    variable OMP_NUM_THREADS' between blank lines, twice in a run (torch's copy and
    scikit-learn's) and again in each worker process; mia-defense sets its own thread counts
    (train.threads), so nothing else changes."""
    given = os.environ.get("OMP_NUM_THREADS")
    if given is None or (_OMP_THREADS.fullmatch(given) and all(  # (20 digits: over LONG_MAX)
            1 <= int(n.lstrip("0")[:20] or 0) < 2**63 for n in re.findall(r"\d+", given))):
        return None
    from mia_defense.constraints import shown

    del os.environ["OMP_NUM_THREADS"]
    print(f"WARNING: OMP_NUM_THREADS={shown(given)} is no number of threads, which OpenMP takes as "
          "a whole number >= 1 (or a list of them, 4,2), so it is ignored, as OpenMP would; "
          "unset it, or set it so (OMP_NUM_THREADS=4); mia-defense sets its threads itself "
          "(train.threads)", file=sys.stderr)  # fmt: skip
    return given


# libgomp's other settings it ignores, with its own 'libgomp: Invalid value for environment
# variable ...' twice a run, where it cannot read them: a pattern that takes every value it
# takes (checked against torch's libgomp by hand, newer libgomp's words too: primary,
# ll_caches, numa_domains; OMP_PLACES' explicit lists, {0,1}, left to it: they depend on the
# machine's CPUs), and what it takes, for the warning
_WORD_LIST = r"\s*(?:{0})\s*(?:,\s*(?:{0})\s*)*"
_OPENMP_SETTINGS = {
    "OMP_PROC_BIND": (r"\s*(?:true|false)\s*|" + _WORD_LIST.format(
        "close|spread|master|primary"), "true, false, close, spread or master (or a list, "
        "spread,close)"),
    "OMP_PLACES": (r"\s*(?:threads|cores|sockets|ll_caches|numa_domains)\s*(?:\(\s*\+?\d+\s*"
                   r"\)\s*)?|\s*[{!].*", "threads, cores or sockets, each with a count or "
                   "not (cores(4)), or a list of CPUs ({0,1},{2,3})"),
    "OMP_SCHEDULE": (r"\s*(?:(?:non)?monotonic\s*:\s*)?(?:static|dynamic|guided|auto)\s*"
                     r"(?:,\s*[+-]?\d+\s*)?", "static, dynamic, guided or auto, with a chunk "
                     "size or not (dynamic,4)"),
    "OMP_DYNAMIC": (r"\s*(?:true|false)\s*", "true or false"),
    "OMP_NESTED": (r"\s*(?:true|false)\s*", "true or false"),
    "OMP_WAIT_POLICY": (r"\s*(?:active|passive)\s*", "active or passive"),
}


def _invalid_openmp_settings_dropped() -> dict[str, str]:
    """`_invalid_omp_threads_dropped` for OpenMP's other settings (`_OPENMP_SETTINGS`:
    OMP_PROC_BIND=abc, OMP_PLACES=xyz, OMP_SCHEDULE=abc, OMP_DYNAMIC=maybe): each one libgomp
    cannot read is taken out of the environment before torch loads, with one line naming it,
    where libgomp printed its own lines between blank lines, twice a run and again in each
    worker process, and then ignored it (nothing else changes: none of them changes a result);
    those taken out, for the tool's end to put back. MKL_NUM_THREADS and KMP_AFFINITY are
    not libgomp's (torch's MKL, Intel's OpenMP): a bad value of them is silent and changes
    nothing the tools do (they set their thread counts themselves)."""
    dropped: dict[str, str] = {}
    for name, (pattern, takes) in _OPENMP_SETTINGS.items():
        given = os.environ.get(name)
        if given is None or re.fullmatch(pattern, given, re.ASCII | re.IGNORECASE):
            continue
        from mia_defense.constraints import shown

        dropped[name] = os.environ.pop(name)
        print(f"WARNING: {name}={shown(given)} is no value OpenMP takes ({takes}), so it is "
              "ignored, as OpenMP would; unset it, or set it so", file=sys.stderr)  # fmt: skip
    return dropped


def _require_working_directory() -> None:
    """Exit 2 with one line where the directory the tool was started in is gone (deleted or
    moved away after the shell entered it): Hydra records it (``hydra.runtime.cwd``) as it
    composes the config, and ended with a FileNotFoundError traceback."""
    try:
        os.getcwd()
    except FileNotFoundError:
        print("ConfigError: the directory this command was started in no longer exists "
              "(deleted or moved after the shell entered it): relative paths, the launch "
              "folder's modules and the default run directory are read from it; nothing was "
              "run. cd to an existing directory and run the command again", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR) from None


def _quiet_half_imported_torch() -> None:
    """Keep torch's exit hooks quiet after a Ctrl-C or SIGTERM that landed inside its import:
    torch sets its loggers to WARNING as the import ends, so one cut short left them at the
    root's INFO, and its hook ``dump_cache_stats`` printed three ``FakeTensor cache stats``
    lines after the one-line message. A level torch (or the user, TORCH_LOGS) set stays."""
    torch_logger = logging.getLogger("torch")
    if torch_logger.level == logging.NOTSET:
        torch_logger.setLevel(logging.WARNING)


def _ignore_interrupts() -> None:
    """At the exit of a tool's process (`run_entry`), a Ctrl-C is ignored: one
    that landed while the interpreter tore torch down printed a KeyboardInterrupt traceback
    (``torch/library.py _del_library``) under the one-line message. An exit hook: a program
    that called the tool and goes on keeps its Ctrl-C until it ends."""
    with contextlib.suppress(ValueError):  # (not the main thread)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _interrupts_held() -> signal.Handlers | Callable[..., object] | None:
    """Ignore Ctrl-C from here, `run_entry`'s end; gives the SIGINT handler it replaces, for
    `run_entry` to put back (None: off the main thread, or a handler not set from Python;
    nothing changed)."""
    with contextlib.suppress(ValueError):  # (not the main thread)
        if signal.getsignal(signal.SIGINT) is not None:
            return signal.signal(signal.SIGINT, signal.SIG_IGN)
    return None


# Set by `end_interrupted` where the task's interrupted line reached the console.
_SAID: list[bool] = []


def end_interrupted(log: logging.Logger, message: str) -> NoReturn:
    """End a task that a Ctrl-C or SIGTERM interrupted: log ``message`` (into the run's log
    file and, as the README says, onto stderr) and exit 130. `run_entry` prints its own line
    only where this one reached no console (``hydra/job_logging=disabled``, a log file only):
    the words were printed twice, as a log line and again as a plain one. In a launcher's
    worker process writing to the console of the tool that started it (``launcher=joblib``),
    the line goes to the log files only: that tool's `run_entry` says it once for the sweep,
    where each running job printed it again (a Ctrl-C of a two-job sweep: three lines)."""
    if os.environ.get(_SAYS_INTERRUPTED) not in (None, _this_console()) and (
            os.environ[_SAYS_INTERRUPTED] == _this_console(os.getppid())):  # fmt: skip
        record = log.makeRecord(log.name, logging.ERROR, "(unknown file)", 0, message, (), None)
        for handler in _handlers(log):
            if not _writes_to_console(handler) and record.levelno >= handler.level:
                handler.handle(record)
        with contextlib.suppress(ValueError):  # (its job is over: Ctrl-C pressed again
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # printed the pool's traceback)
        raise SystemExit(EXIT_INTERRUPTED) from None
    log.error(message)
    if log.isEnabledFor(logging.ERROR) and _on_console(log):
        _SAID.append(True)
    raise SystemExit(EXIT_INTERRUPTED) from None


# Set by `run_entry` for the processes started under it: `_this_console` of the tool that
# prints the interrupted line (`end_interrupted`).
_SAYS_INTERRUPTED = "MIA_DEFENSE_SAYS_INTERRUPTED"


def progress_lock_in_process() -> None:
    """Give the progress bars (tqdm) a lock of this process's threads. tqdm's own also holds
    a semaphore shared between processes, which a launcher's worker process stopped by the
    sweep's end (a Ctrl-C of ``launcher=joblib``: the pool kills its workers) never freed:
    Python's resource tracker then printed a ``UserWarning: ... leaked semaphore objects``
    and its source line after the one interrupted line. Each process's bars write alone."""
    import threading

    from tqdm import tqdm

    if "_lock" not in vars(tqdm):  # (none made yet: one of the user's stays)
        tqdm.set_lock(threading.RLock())


def quiet_pool_worker_starts() -> None:
    """Start each worker of joblib's process pool (loky, ``launcher=joblib``) so that a
    Ctrl-C before its job takes it (`take_interrupts_in_job`) ends it quietly, as a process
    without a handler: one in a sweep's first seconds landed in a worker still importing
    joblib and numpy, which printed a KeyboardInterrupt traceback under the interrupted line.
    The worker starts as ``python -c`` (`_WORKER_START`), running loky's module as ``python
    -m`` did, with Ctrl-C blocked until then (in the starting thread, for the fork alone:
    loky starts its resource tracker so, bpo-33613). Workers still die of that Ctrl-C: the
    pool may not know them yet, and would wait on them at exit. loky's start is put back as
    the tool's main() ends (`put_back_as_call_ends`), and the pool holding such workers
    shut down (`_QUIET_POOL`), for the caller's own loky workers."""
    if not hasattr(signal, "pthread_sigmask"):  # (not POSIX: loky starts workers otherwise)
        return
    from joblib.externals.loky.backend import fork_exec as module

    start = module.fork_exec
    if getattr(start, "_mia_quiet", False):
        return
    put_back_as_call_ends(functools.partial(setattr, module, "fork_exec", start))

    def fork_exec(cmd: list[str], *args: object, **kwargs: object) -> object:
        if list(cmd[1:3]) == ["-m", _WORKER_MODULE]:
            cmd = [cmd[0], "-c", _WORKER_START, *cmd[2:]]
            _QUIET_POOL[:] = [True]
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return start(cmd, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    fork_exec._mia_quiet = True  # type: ignore[attr-defined]
    module.fork_exec = fork_exec


class _QuietPool(list):
    """Holds True where a pool worker started quietly (`quiet_pool_worker_starts`) during
    the call; ``clear`` (`mia_defense.library_call.cleared_after_each_call`: as its main()
    ends) then shuts joblib's reusable pool down, so that the caller's own joblib work
    starts workers of its own. A sweep's idle workers (``launcher=joblib``: one per core,
    most given no job) served the caller's next ``Parallel`` for loky's idle timeout, 300 s,
    and died of a Ctrl-C without a word: its task's ``except KeyboardInterrupt`` and
    ``finally`` never ran in them."""

    def clear(self) -> None:
        if not self:
            return
        super().clear()
        loky = sys.modules.get("joblib.externals.loky.reusable_executor")
        pool = getattr(loky, "_executor", None)
        if pool is not None and not pool._flags.shutdown:
            with contextlib.suppress(Exception):  # (never in the way of main()'s end)
                pool.shutdown(wait=False)  # (idle: its workers end as loky ends them)


_QUIET_POOL = cleared_after_each_call(_QuietPool())
_WORKER_MODULE = "joblib.externals.loky.backend.popen_loky_posix"
# A pool worker's start (`quiet_pool_worker_starts`): ``python -c`` this, then loky's module
# and its arguments. Ctrl-C ends it quietly, then it runs the module as ``python -m`` does (the
# launch folder first on sys.path, which is out of the way of this code's own imports).
_WORKER_START = """import sys
launched = sys.path[:1] == [""]  # (not under PYTHONSAFEPATH)
del sys.path[:launched]
import os, runpy, signal
def stopped(signum, frame):
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
stopped.mia_pool_worker = True
signal.signal(signal.SIGINT, stopped)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
sys.path[:0] = [os.getcwd()] if launched else []
runpy._run_module_as_main(sys.argv.pop(1))
"""


def take_interrupts_in_job() -> None:
    """Take Ctrl-C as a KeyboardInterrupt in a job run by a pool worker that started quietly
    (`quiet_pool_worker_starts`), where the job's own handling of it begins (its run records
    that it was interrupted); any other handler (the tool's own, `run_entry`'s) stays."""
    with contextlib.suppress(ValueError):  # (not the main thread)
        if getattr(signal.getsignal(signal.SIGINT), "mia_pool_worker", False):
            signal.signal(signal.SIGINT, signal.default_int_handler)


def _this_console(pid: int | None = None) -> str:
    """Process ``pid`` (this one by default) and the file this process's stderr writes to:
    a worker whose parent printed this shares its console."""
    try:
        info = os.fstat(2)
        where = f"{info.st_dev}:{info.st_ino}"
    except OSError:
        where = "-"
    return f"{os.getpid() if pid is None else pid}:{where}"


def _handlers(log: logging.Logger) -> Iterator[logging.Handler]:
    """The handlers a record of ``log`` reaches."""
    logger: logging.Logger | None = log
    while logger is not None:
        yield from logger.handlers
        logger = logger.parent if logger.propagate else None


def _writes_to_console(handler: logging.Handler) -> bool:
    consoles = {id(sys.stderr), id(sys.stdout), id(sys.__stderr__), id(sys.__stdout__)}
    stream = getattr(handler, "stream", None)
    return id(stream) in consoles and not isinstance(handler, logging.FileHandler)


def _on_console(log: logging.Logger) -> bool:
    """Whether an ERROR line of ``log`` reaches a handler writing to stderr or stdout."""
    return any(h.level <= logging.ERROR and _writes_to_console(h) for h in _handlers(log))


def end_refused(
    log: logging.Logger, message: str, *args: object, error: str = ConfigError.__name__
) -> NoReturn:
    """End the tool on a setting of the user's it refuses before any work: log ``ConfigError:
    message`` (``%`` formatted with ``args``; ``error``: the name of another of the
    `_REFUSAL` classes) on ``log``, the refusing module's, and exit 2. A path of ``args``,
    or a text of them holding a newline or another control character (an override's, as
    typed), is shown as `shown_path` shows it: on one line, clipped past `PATH_LIMIT`
    characters. Any other text is the caller's, whose paths are shown so already: a message
    of a few paths is not cut."""
    log.error(f"{error}: " + message, *(
        shown_path(a) if isinstance(a, os.PathLike) or (isinstance(a, str) and not a.isprintable())
        else a for a in args))  # fmt: skip
    raise SystemExit(EXIT_USER_ERROR)


def reader_gone() -> NoReturn:
    """End the tool quietly with exit 141 once the reader of its stdout has gone during a
    run (``mia-train ... | head``; the run's files are written before its table). Raised from
    inside the task: Hydra reports a BrokenPipeError there as a failed job (a traceback,
    exit 1) before `run_entry` sees it, but lets a SystemExit through. stdout stays on
    /dev/null until the tool's main() ends (`put_back_as_call_ends`): the job's last log
    lines (``hydra/job_logging=stdout``) are dropped there, not held for the exit's flush."""
    put_back_as_call_ends(quiet_stdout())
    raise SystemExit(EXIT_BROKEN_PIPE)


@contextlib.contextmanager
def _quiet_log_lines_to_a_gone_reader() -> Iterator[None]:
    """Drop a log line whose handler's reader has gone (``hydra/job_logging=stdout``, then
    ``mia-train ... | head``) without a word: each later line printed a ``--- Logging error
    ---`` BrokenPipeError traceback on stderr (12 in a tiny run) before the run's table met
    the closed pipe and ended it quietly (`reader_gone`, exit 141). Other logging errors are
    reported as before."""
    report = logging.Handler.handleError

    def handle_error(handler: logging.Handler, record: logging.LogRecord) -> None:
        if not isinstance(sys.exc_info()[1], BrokenPipeError):
            report(handler, record)

    logging.Handler.handleError = handle_error  # type: ignore[method-assign]
    try:
        yield
    finally:
        logging.Handler.handleError = report  # type: ignore[method-assign]


@contextlib.contextmanager
def _job_state_put_back() -> Iterator[None]:
    """Hydra's job config (`HydraConfig`) put back as the tool found it (Hydra sets it for a
    job and leaves it), and the rest of the caller's process as a tool's main() keeps it
    (`main_state_kept`: the loggers, the random states, warnings filters and what the task
    changed for itself), the loggers ``hydra.verbose`` names in each config Hydra composes
    among those put back as new ones: a process that goes on after main() (a notebook, a
    script, a test) logs to its own handlers, not the finished run's train.log, and its
    later `mia_defense.cli.attack.run` does not read the old job's launch folder and
    overrides."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.hydra_config import HydraConfig

    hydra_config = HydraConfig.instance()
    job, load = hydra_config.cfg, ConfigLoaderImpl.load_configuration
    with main_state_kept() as configured:

        @functools.wraps(load)  # (its marks too: `guard_config_loading` wraps it once)
        def load_noted(loader: ConfigLoaderImpl, *args: object, **kwargs: object) -> object:
            config = load(loader, *args, **kwargs)
            configured.update(_verbose_loggers(config))
            return config

        ConfigLoaderImpl.load_configuration = load_noted  # type: ignore[method-assign]
        try:
            yield
        finally:
            ConfigLoaderImpl.load_configuration = load  # type: ignore[method-assign]
            hydra_config.cfg = job


def _verbose_loggers(config: object) -> list[str]:
    """The loggers a composed config's ``hydra.verbose`` names (a name or a list of them;
    true is the root's, put back as any other): Hydra sets them to DEBUG outside its logging
    configs (``configure_log``), so one made by that stayed at DEBUG after main()."""
    from omegaconf import OmegaConf

    verbose = (OmegaConf.select(config, "hydra.verbose", throw_on_resolution_failure=False)
               if OmegaConf.is_config(config) else None)
    if isinstance(verbose, str):
        return [verbose]
    return [str(name) for name in verbose] if OmegaConf.is_list(verbose) else []


@contextlib.contextmanager
def _composition_errors_said_here(started: Callable[[], bool]) -> Iterator[None]:
    """Hand a config Hydra cannot compose, before the task ``started``, on to `run_entry`,
    which prints it as the tools' other refusals (`refusal_line`): Hydra 1.3's
    ``run_and_report`` printed it in its own form, some of it over several lines (a bad
    group choice listed its options and Hydra's search path), then a blank line and 'Set
    the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.'. An error after
    the task started, or with HYDRA_FULL_ERROR=1, is Hydra's to report, as before."""
    from hydra._internal import hydra as hydra_module
    from hydra._internal import utils

    report = getattr(utils, "run_and_report", None)
    report_here = getattr(hydra_module, "run_and_report", report)
    if report is None:  # (not Hydra 1.3: its own words, as before)
        yield
        return

    def run_and_report(func: Callable[[], object]) -> object:
        refused: list[Exception] = []

        def composing() -> object:
            try:
                return func()
            except (ConfigError, CompactHydraException) as exc:
                if started() or os.environ.get("HYDRA_FULL_ERROR") == "1":
                    raise
                refused.append(exc)
                return None

        result = report(composing)
        if refused:
            raise refused[0]
        return result

    utils.run_and_report = hydra_module.run_and_report = run_and_report  # type: ignore[attr-defined]
    try:
        yield
    finally:
        utils.run_and_report = report
        hydra_module.run_and_report = report_here  # type: ignore[attr-defined]


# A refusal's log line: the name of one of `mia_defense.errors`' classes, then its message.
_REFUSAL = re.compile(r"(ConfigError|DataError|UnsupportedModelError|DivergedError): ")


@contextlib.contextmanager
def _refusals_without_log_prefix(started: Callable[[], bool]) -> Iterator[None]:
    """Print a refusal logged before the task ``started`` (an ERROR line ``ConfigError: ...``
    of a callback's check, `end_refused`) on the console as the line alone: Hydra's logging
    of its own put ``[DATE TIME][HYDRA] `` before it (``train.lr=abc``), where the refusals
    of the command line and of the config's composition are the line alone. A log file gets
    the line as its handler formats it; lines after the task started are left as they are."""
    emit = logging.StreamHandler.emit

    def emit_alone(handler: logging.StreamHandler, record: logging.LogRecord) -> None:
        if (record.levelno < logging.ERROR or isinstance(handler, logging.FileHandler)
                or record.exc_info or started()):  # fmt: skip
            emit(handler, record)
            return
        try:
            message = record.getMessage()
            if not _REFUSAL.match(message):
                emit(handler, record)
                return
            handler.stream.write(message + handler.terminator)
            handler.flush()
        except RecursionError:  # (as logging's own emit)
            raise
        except Exception:
            handler.handleError(record)

    logging.StreamHandler.emit = emit_alone  # type: ignore[method-assign]
    try:
        yield
    finally:
        logging.StreamHandler.emit = emit  # type: ignore[method-assign]


def refusal_line(exc: Exception) -> str:
    """The one line of a refused config: ``ConfigError: what is wrong; what to do``. A
    message of Hydra's own is put on one line (with its OmegaConf reason), a group's choice
    that is not there (`_missing_config_line`), a config group or primary config that is
    not there (`unknown_group_words`) and an override Hydra cannot parse
    (`_unparsed_override_line`) said in words that name the fix."""
    from hydra.errors import MissingConfigException, OverrideParseException

    from mia_defense.missing_config_refusals import unknown_group_words

    text = str(exc)  # (a HydraConfigError names itself already)
    if isinstance(exc, ConfigError):
        return text if text.startswith("ConfigError: ") else f"ConfigError: {text}"
    if isinstance(exc, MissingConfigException) and exc.missing_cfg_file and exc.options:
        text = _missing_config_line(exc.missing_cfg_file, list(exc.options), text, exc)
    elif isinstance(exc, MissingConfigException) and exc.missing_cfg_file is not None and (
            words := unknown_group_words(exc)):  # (the group or primary config is not there)
        text = words
    elif isinstance(exc, OverrideParseException) and exc.override:
        text = _unparsed_override_line(exc.override, exc.message)
    elif isinstance(exc.__cause__, OmegaConfBaseException):
        text = f"{text}\n{exc.__cause__}"
    lines = [line.strip().rstrip(".") for line in text.splitlines() if line.strip()]
    lines[1:] = [line[0].lower() + line[1:] if line[1:2].islower() else line
                 for line in lines[1:]]  # ("Either remove + prefix: ...", after a ';')
    return f"ConfigError: {_long_quotes_cut('; '.join(lines))}"


def _long_quotes_cut(text: str) -> str:
    """Hydra's words ``text`` with each word it quotes (``'...'``, no space in it) cut past
    200 characters (`clipped`): ``+hydra.run.dir=<100,000 x>`` was told "either remove + prefix:
    'hydra.run.dir=xxx...'; or add a second + ...: '++hydra.run.dir=xxx...'", a line of
    200,000 characters."""
    from mia_defense.constraints import clipped

    return re.sub(r"'([^'\s]{201,})'", lambda quoted: f"'{clipped(quoted[1])}'", text)


def _missing_config_line(missing: str, options: list[str], said: str, exc: Exception) -> str:
    """Hydra's "Could not find 'dataset/digitz'", its options listed one a line and its
    search path after them, as one line: what the group is, the closest option, the
    options and an override choosing one (``+experiment=...`` for a group the defaults list
    has no entry of: 'experiment=tradeoff_dp' was offered, which Hydra refuses)."""
    from mia_defense.defaults_list_refusals import has_default_entry
    from mia_defense.missing_config_refusals import (
        choice_made_in,
        no_option_words,
        override_entry_edit,
    )

    group, _, name = missing.rpartition("/")
    plus = "" if has_default_entry(group, exc) else "+"
    found = said.splitlines()[0].strip() if said.strip() else f"Could not find '{missing}'"
    if (where := choice_made_in(exc)) is not None:  # (Hydra's "In 'config': ": not its)
        found = re.sub(r"^In '[^']*': ", f"In '{where}': " if where else "", found)
    edit = override_entry_edit(exc, where, group, name) if where != "" else None
    return f"{found}: {no_option_words(group, name, options, plus=plus, edit=edit)}"


# os.fsdecode's stand-ins for the bytes of a command line that are no UTF-8
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def _unparsed_override_line(override: str, message: str) -> str:
    """Hydra's "Error parsing override" and the parser's words, as one line naming the
    override and how to write a value that holds the grammar's characters (`override_text`:
    in Hydra's quotes inside the shell's where those leave nothing to the shell; a ``$(...)``
    or a double quote in the value broke out of the double quotes offered before)."""
    from mia_defense.constraints import _ansi_c, hydra_quoted, override_text, shell_word

    why = " ".join(line.strip() for line in message.splitlines() if line.strip() and
                   not line.strip().startswith(("Error parsing override", "See https://")))
    key, equals, value = override.partition("=")
    if equals and (words := _sweep_function_words(key, value, why) or
                   _unclosed_words(key, value)):  # fmt: skip
        return words
    quoted = f": {override_text(key, value)}" if equals else ""
    if equals and _NOT_UTF8.search(override):  # (bash's $'...' reads \xff back as the byte)
        quoted = f": {shell_word(f'{key}={hydra_quoted(value)}')}"
    # a byte of the command line that is no UTF-8 as \xNN, as mia-report shows a folder's
    # (it was Python's '\udcff', its stand-in for the byte)
    override, why = (_NOT_UTF8.sub(lambda byte: _ansi_c(byte[0]), text) for text in (override, why))
    return (f"{override}: Hydra cannot parse this override ({why}); nothing was run. Correct "
            "it, or quote a value that holds brackets, parentheses, commas or spaces, in "
            f"Hydra's quotes inside the shell's{quoted} (the grammar: "
            "https://hydra.cc/docs/1.3/advanced/override_grammar/basic)")


# What each of Hydra's sweep functions takes (`_sweep_function_words`).
_SWEEP_FUNCTIONS = {
    "interval": "interval(low,high) takes two numbers, the bounds a search draws between",
    "range": "range(start,stop[,step]) takes numbers",
    "choice": "choice(...) takes the values to run, at least one",
    "tag": "tag(...) takes tags, then the values to run last, as a choice(), range() or "
    "interval()",
}


def _sweep_function_words(key: str, value: str, why: str) -> str | None:
    """An override whose sweep function Hydra read but could not evaluate
    (``train.lr=interval(a,b)``, ``choice()``, ``seed=tag(a,b)``) said as such, or ``None``
    for another parse error. Its quoted form was offered before, which sets the key to the
    text and is refused by the run: the fix is the function's arguments."""
    name = re.match(r"\s*(\w+)\s*\(", value)
    if " while evaluating '" not in why or name is None or name[1] not in _SWEEP_FUNCTIONS:
        return None
    return (f"{key}={value}: Hydra cannot evaluate {name[1]}() here ({why}); nothing was "
            f"run. {_SWEEP_FUNCTIONS[name[1]]}: give {key} its values that way, as numbers "
            f"where the key takes numbers (quoted, {value} would be one text for {key}, "
            "not values to search; the grammar: "
            "https://hydra.cc/docs/1.3/advanced/override_grammar/extended)")


_CLOSERS = {"(": ")", "[": "]", "{": "}"}


def _closers(value: str) -> str | None:
    """What closes the brackets ``value`` opens and leaves open (``"])"`` of
    ``choice([1,2``; ``""``: none), those inside Hydra's quotes (``'a(b'``) left out;
    ``None`` where one is closed by another kind (``[0.1)``)."""
    opened: list[str] = []
    quote, escaped = "", False
    for char in value:
        if quote:
            escaped, quote = (not escaped and char == "\\"), (
                "" if char == quote and not escaped else quote)
        elif char in "'\"":
            quote = char
        elif char in _CLOSERS:
            opened.append(_CLOSERS[char])
        elif char in _CLOSERS.values():
            if not opened or opened.pop() != char:
                return None
    return "".join(reversed(opened))


# What a list and a mapping are (`_unclosed_words`).
_BRACKETS = {"[": "A list is [a,b,...]", "{": "A mapping is {key: value, ...}"}


# The groups whose config the command chooses whole (dataset=csv, model=cnn), a key of
# which `_holds_one` reads in each of their packaged configs
_CHOSEN_GROUPS = ("dataset", "model")


def _holds_one(key: str, first: str) -> bool:
    """Whether ``key`` holds a list (``first``: ``[``; attack.fprs, its packaged default
    one) or a mapping (``{``: a node of settings, defense.dp; a dataset's or a model's key,
    `_chosen_config_holds`): a text with a bracket (dataset.path=/d/[x) or a number
    (train.lr=[1) is offered in Hydra's quotes."""
    from mia_defense.config_keys import FIXED_GROUPS, packaged_setting
    from mia_defense.override_checks import holds_settings

    group, _, rest = key.lstrip("+").partition(".")
    if group in _CHOSEN_GROUPS and rest and first in _BRACKETS:
        return _chosen_config_holds(group, rest.split("."), tuple if first == "[" else dict)
    if first == "{":
        return holds_settings(key.lstrip("+"))
    return first == "[" and group in FIXED_GROUPS and bool(rest) and isinstance(
        packaged_setting(group, "default", rest.split(".")), tuple)  # fmt: skip


def _chosen_config_holds(group: str, path: list[str], kind: type) -> bool:
    """Whether the key at ``path`` of ``group`` (dataset, model: which config the command
    chose is not known where Hydra cannot parse it) may hold ``kind`` (a list: ``tuple``,
    `packaged_setting`'s; a mapping: ``dict``): a packaged config of the group holds one
    there (model.hidden, mlp's list; cnn's is a number), or none holds a value there (a key
    of a dataset's own loader, dataset.x; dataset.categories, null), not another kind
    (dataset.path, a text). mia-train 'dataset.x=[1,2' was offered "dataset.x='[1,2'"."""
    from collections.abc import Mapping

    from mia_defense.config_keys import packaged_configs, packaged_setting

    wanted = Mapping if kind is dict else kind
    values = [packaged_setting(group, name, path) for name in sorted(packaged_configs(group))]
    return any(isinstance(value, wanted) for value in values) or all(
        value is None for value in values)


# The groups whose settings are a chosen config's class's own (defense.dp.target_epsilon,
# release.k), a number of which `_number_list_words` reads in their packaged configs
_SETTING_GROUPS = ("defense", "release")


def _packaged_number(key: str) -> tuple[str, float] | None:
    """The first packaged config of defense or release holding a number at ``key``
    (``release.k``: ``("topk", 1)``; ``defense.dp.target_epsilon``: ``("dp", 8.0)``), and
    that number; ``None`` where none does (a list, a text, null: dp's delta)."""
    from mia_defense.config_keys import packaged_configs, packaged_setting

    group, _, rest = key.lstrip("+").partition(".")
    if group not in _SETTING_GROUPS or not rest:
        return None
    for name in sorted(packaged_configs(group)):
        held = packaged_setting(group, name, rest.split("."))
        if isinstance(held, int | float) and not isinstance(held, bool):
            return name, held
    return None


def _number_list_words(key: str, value: str) -> str | None:
    """A list of numbers left open (``release.k=[3``, ``defense.dp.target_epsilon=[1,2``)
    for a key where a packaged defense or release holds a number (`_packaged_number`): said
    open, and the number to give or the sweep that runs each (``-m``). Its quoted form was
    offered, a text, which the run refuses as no number (closed, a list: 'must be an
    integer'). ``None`` elsewhere: offered quoted as before."""
    from mia_defense.constraints import shell_word
    from mia_defense.override_checks import parsed_override

    held = _packaged_number(key)
    items = [item.strip() for item in value.lstrip()[1:].split(",")]
    if held is None or not all(map(_is_number, items)):
        return None
    given = f"{key}={','.join(items)}"
    if parsed_override(given) is None:
        return None
    how = (f"give it alone: {shell_word(given)}" if len(items) == 1 else
           f"give -m to run each, a sweep: {shell_word(given)}")  # fmt: skip
    name, number = held
    return (f"{key}={value}: the bracket [ is not closed, so Hydra cannot parse this "
            f"override; nothing was run. {key.lstrip('+')} takes one number, not a list "
            f"({name}'s is {number}): {how} (the grammar: "
            "https://hydra.cc/docs/1.3/advanced/override_grammar/basic)")


def _is_number(text: str) -> bool:
    """Whether ``text`` reads as a number (``3``, ``1e-4``)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _unclosed_words(key: str, value: str) -> str | None:
    """An override whose Hydra function, list or mapping is not closed
    (``train.lr=interval(0.1``, ``attack.fprs=[0.1,0.01``) said as such, or ``None`` for
    another parse error. Its quoted form was offered before, which sets the key to the
    text (refused by the run as 'must be a finite number'): the user meant the function or
    the list. The closed override is offered where Hydra reads it (a sweep with -m: an
    interval a search draws from), as a word of the command: mia-attack's words too."""
    from mia_defense.constraints import shell_word
    from mia_defense.override_checks import _parser, parsed_override

    name = re.match(r"\s*(\w+)\s*\(", value)
    missing = _closers(value)
    first = value.lstrip()[:1]
    if name is not None and name[1] not in _parser().functions.definitions:
        return None
    if not missing:
        return None
    if name is None and not _holds_one(key, first):
        return _number_list_words(key, value) if missing == "]" else None
    closed = f"{key}={value}{missing}"
    parsed = parsed_override(closed)  # (None: its arguments are wrong too: say what it takes)
    if name is None and parsed is None:
        return None  # (not only left open: Hydra's words, and the quoting)
    opened = f"parenthesis of {name[1]}(" if name is not None else (
        f"bracket {first}" if first == "[" else f"brace {first}")
    takes = _BRACKETS[first] if name is None else _SWEEP_FUNCTIONS.get(
        name[1], f"{name[1]}(...) is a function of Hydra's")  # fmt: skip
    fix = "give them, then close it"
    if parsed is not None and not parsed.is_sweep_override():
        fix = f"close it: {shell_word(closed)}"
    elif parsed is not None:  # (the tool is not named: mia-train's and mia-attack's words)
        search = " hparams_search=optuna_custom" if opened.endswith("interval(") else ""
        fix = f"close it, and give -m{search} to run the sweep: {shell_word(closed)}"
    page = "basic" if name is None else "extended"
    return (f"{key}={value}: the {opened} is not closed, so Hydra cannot parse this "
            f"override; nothing was run. {takes}: {fix} (the grammar: "
            f"https://hydra.cc/docs/1.3/advanced/override_grammar/{page})")


# The modules whose import a Ctrl-C or SIGTERM cut short (`_refuse_imports_cut_short`).
_CUT_SHORT: set[str] = set()


def _refuse_imports_cut_short(frame: FrameType | None) -> None:
    """Make importing again a module whose import the signal cut short raise the interruption
    again. C code can swallow the KeyboardInterrupt: torch's extension imports numpy and
    clears a failure, so a SIGTERM inside numpy's import (0.5 s into mia-train) went on with
    numpy half-imported; the next import of it failed (RecursionError, 'cannot load module
    more than once') and Hydra printed a warning and an 'Error executing job' traceback
    before the one line. Nothing is added until a signal lands inside an import."""
    names = set()
    while frame is not None:
        name = frame.f_globals.get("__name__")
        if frame.f_code.co_name == "<module>" and isinstance(name, str) and name != "__main__":
            names.add(name)
        frame = frame.f_back
    if names and not _CUT_SHORT:
        sys.addaudithook(_refuse_import)
    _CUT_SHORT.update(names)


def _refuse_import(event: str, args: tuple[object, ...]) -> None:
    """Audit hook: an import (of a module not in sys.modules) of a module `_CUT_SHORT`
    names, or of one of its submodules, raises KeyboardInterrupt while one of them is still
    in sys.modules: the interruption was lost on its way out. Where it went out as it should
    (each import cut short undone), the interrupted run's clean-up imports as before."""
    if event != "import" or not _CUT_SHORT or not isinstance(args[0], str):
        return
    name = args[0]
    if any(name == cut or name.startswith(f"{cut}.") for cut in _CUT_SHORT) and any(
        cut in sys.modules for cut in _CUT_SHORT
    ):
        raise KeyboardInterrupt


# A signal this soon after the one `_note_signal` raised is ignored: the tool is stopping.
# Ctrl-C pressed twice raised a second KeyboardInterrupt inside the clean-up of the first
# (``launcher=joblib``: 'Exception ignored in ... WeakSet ... KeyboardInterrupt' and a
# traceback of the pool's thread); a Ctrl-C later than this is raised again, for a first
# one that some code swallowed.
_AGAIN_IGNORED_S = 3.0


def _note_signal(signum: signal.Signals, default: object) -> Callable[[], bool]:
    """Install a ``signum`` handler that raises KeyboardInterrupt and remembers that it did,
    where the signal's handler is ``default`` (else, or off the main thread, leave it alone);
    returns whether the signal arrived.

    Ctrl-C (SIGINT, default: Python's own handler): raised as Python does, but remembered.
    SIGTERM (kill, docker stop, systemd, scancel; default: SIG_DFL, which ended the process
    at once, its results.json left reading ``running`` with no word) ends the run as Ctrl-C
    does: the run directory reads ``interrupted`` and the resume line is printed. A handler
    of someone else's stays: a background job's ignored SIGINT, an embedding program's,
    submitit's SIGTERM handler (which bypasses SLURM's SIGTERM before a requeue)."""
    received: list[float] = []  # (when it arrived)

    def handler(signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        if received and now - received[-1] < _AGAIN_IGNORED_S:  # pressed again: stopping
            return
        received.append(now)
        _refuse_imports_cut_short(frame)
        with contextlib.suppress(Exception):  # (never in the way of the interruption)
            _pool_kills_without_a_child()
        raise KeyboardInterrupt

    try:
        if signal.getsignal(signum) == default:
            signal.signal(signum, handler)
    except ValueError:  # not the main thread
        pass
    return lambda: bool(received)


# When `_note_signal` raised its interruption, and how long after it a pool's workers are
# killed at the earliest (`_pool_kills_without_a_child`).
_STOPPING_SINCE: list[float] = [0.0]
_WORKERS_GRACE_S = 0.5


def _pool_kills_without_a_child() -> None:
    """Make joblib's process pool (loky, where psutil is not installed) find the processes
    it kills as the tool stops in /proc, not from a ``pgrep -P`` child of its own: Ctrl-C
    pressed twice within about 0.05 s killed that child too (it shares the terminal's
    process group), loky's fallback failed (AttributeError: 'Popen' object has no attribute
    'kill'), its thread died with a traceback and left a worker alive, which the tool then
    waited on for ever. Only where loky is loaded already and /proc lists the processes.
    The workers, interrupted by the same Ctrl-C, get `_WORKERS_GRACE_S` from it to record
    that (pgrep's start gave them some: each train.log's interrupted line)."""
    _STOPPING_SINCE[:] = [time.monotonic()]
    utils = sys.modules.get("joblib.externals.loky.backend.utils")
    kill = getattr(utils, "_kill", None)
    if (utils is None or getattr(utils, "psutil", None) is not None or not callable(kill)
            or not callable(getattr(utils, "_posix_recursive_kill", None))
            or getattr(utils._posix_recursive_kill, "_mia_proc", False)
            or not os.path.isdir("/proc/self/task")):  # fmt: skip
        return

    def recursive_kill(pid: int) -> None:  # (loky's own, children from /proc)
        time.sleep(max(0.0, _STOPPING_SINCE[0] + _WORKERS_GRACE_S - time.monotonic()))
        for child in _child_pids(pid):
            recursive_kill(child)
        kill(pid)

    recursive_kill._mia_proc = True  # type: ignore[attr-defined]
    utils._posix_recursive_kill = recursive_kill


def _child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the 4th field of /proc/<child>/stat)."""
    found = []
    with contextlib.suppress(OSError), os.scandir("/proc") as entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    text = handle.read()
            except OSError:  # (ended meanwhile)
                continue
            fields = text[text.rfind(b")") + 2:].split()
            if len(fields) > 1 and fields[1] == str(pid).encode():
                found.append(int(entry.name))
    return found

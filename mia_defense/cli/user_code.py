"""A user's own modules by ``_target_``: the directory mia-train was started from is
importable, as it is for ``python -m`` (no ``PYTHONPATH=.`` needed), for the modules the
config names and the modules those import in turn.

Other imports never reach that directory: libraries probe optional packages that are not
installed (TensorBoard imports ``tensorflow``, scikit-learn ``pandas``), and a file of that
name beside the user's code (``tensorflow.py``, ``pandas.py``) was imported and run by
them; TensorBoard then failed on it after the run's attacks (a traceback, results.json left
at 'running').
"""

from __future__ import annotations

import _imp
import functools
import importlib.machinery
import logging
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from types import FrameType
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, ListConfig

from mia_defense.cli.entry import EXIT_USER_ERROR
from mia_defense.constraints import shown_path
from mia_defense.library_call import put_back_as_call_ends

__all__ = ["LaunchDirOnPath", "add_launch_dir", "refuse_shadowing_files"]

log = logging.getLogger(__name__)


def add_launch_dir(path: str, names: Iterable[str] = ()) -> None:
    """Append ``path`` to ``sys.path`` once (after the installed packages, so a file in the
    user's folder never shadows a library module). Its top-level modules are found only by
    their ``names`` (the config's ``_target_`` modules) or from code in ``path`` itself
    (`_LaunchDirFinder`). `_LAUNCH_DIR_ENV` names it for the processes the call starts.

    Both are put back as the tool's main() ends (`put_back_as_call_ends`), whether its run
    ended, failed or was refused before it started (Hydra's ``on_run_end`` never came after
    a refusal: a notebook's later processes inherited the folder as the launch directory,
    and its own imports searched it). The folder stays on ``sys.path`` where a module was
    imported from it: the user's modules may import more of it later."""
    if not path:
        return
    if path not in _ALLOWED:
        # importable already as the user set it up (PYTHONPATH, an entry of their own): left
        # as it is, unless the entry is ours, inherited by a job's process (joblib's workers)
        if path in sys.path and os.environ.get(_LAUNCH_DIR_ENV) != path:
            return
        _ALLOWED[path] = set()
        # before the finder exists: its first use imported sysconfig through the finder
        # itself, a RecursionError where mia-defense's own files lie in the launch directory
        # and that directory leads sys.path (a `python -m` job process, launcher=submitit_local)
        _installed_roots()
        if _path_hook not in sys.path_hooks:
            sys.path_hooks.insert(0, _path_hook)
        sys.path_importer_cache.pop(path, None)  # a finder made before the hook: made again
    _ALLOWED[path].update(names)
    if path not in sys.path:
        sys.path.append(path)
        put_back_as_call_ends(functools.partial(_off_path_unless_imported, path))
    said = os.environ.get(_LAUNCH_DIR_ENV)
    if said != path:
        os.environ[_LAUNCH_DIR_ENV] = path
        put_back_as_call_ends(functools.partial(_environ_put_back, _LAUNCH_DIR_ENV, said))


def _off_path_unless_imported(path: str) -> None:
    """Take the launch folder ``path`` off ``sys.path`` (and out of `_ALLOWED`, so that a
    later call appends it again; `_path_hook` off ``sys.path_hooks`` with the last folder)
    unless a module of the user's code there was imported (`_inside`: a library of an
    environment made in that folder, ``.venv``, is none)."""
    folder, root = os.path.join(path, ""), os.path.realpath(path)
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and file.startswith(folder) and _inside(file, root):
            return
    while path in sys.path:
        sys.path.remove(path)
    _ALLOWED.pop(path, None)
    sys.path_importer_cache.pop(path, None)
    if not _ALLOWED and _path_hook in sys.path_hooks:
        sys.path_hooks.remove(_path_hook)


def _environ_put_back(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


# What a launcher's own job processes import as they start, before this process imported it:
# joblib's loky workers (``python -m joblib.externals.loky...``), submitit's jobs.
_LAUNCHER_MODULES = ("joblib", "cloudpickle", "psutil", "lz4", "submitit")


def refuse_shadowing_files(config: DictConfig) -> None:
    """Refuse a sweep whose launcher starts job processes (joblib's loky workers, submitit's
    jobs) from a launch folder holding a module named like one those processes import before
    the launch folder is kept out of their way (`add_launch_dir`): they start as ``python -m``
    in that folder, so it leads their ``sys.path`` and ``./joblib.py`` or ``./numpy.py`` (for
    submitit ``./hydra.py`` too) was imported and run in every job process; a file that starts
    a sweep started sweeps without end (hundreds of processes). One listing of the folder,
    for these launchers only; a module the tools imported from that folder itself (the
    repository's ``mia_defense/``, a user's ``_target_`` module) is no shadow."""
    launcher = config.hydra.launcher
    target = str(launcher.get("_target_", "")).lower()
    spawns = "submitit" in target or ("joblib" in target and launcher.get("backend") != "threading")
    folder = str(config.hydra.runtime.cwd)
    if not spawns or not folder:
        return
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    used = {name.partition(".")[0] for name in sys.modules}.union(_LAUNCHER_MODULES)
    shadows: list[str] = []
    for entry in sorted(entries):
        name, dot, suffix = entry.partition(".")
        if name not in used or name in sys.builtin_module_names or _imp.is_frozen(name):
            continue
        path = os.path.join(folder, entry)
        if dot and f".{suffix}".endswith(tuple(importlib.machinery.all_suffixes())):
            found = os.path.isfile(path)
        else:
            found = not dot and os.path.isfile(os.path.join(path, "__init__.py"))
        module_file = getattr(sys.modules.get(name), "__file__", None) or ""
        if found and not os.path.realpath(module_file).startswith(os.path.realpath(path)):
            shadows.append(f"{entry}{'' if dot else '/'} (module {name!r})")
    if shadows:
        said = ", ".join(shadows)
        log.error(
            "ConfigError: %s in %s, the folder this sweep is launched from, has the name of a "
            "module that the job processes of hydra.launcher (%s) import: they start in this "
            "folder with it first on their import path, so they would import and run this file "
            "instead (a file that starts a sweep starts sweeps without end); nothing was run. "
            "Rename it (and import it under its new name), or launch from another folder",
            said, shown_path(folder), launcher.get("_target_"),
        )  # fmt: skip
        raise SystemExit(EXIT_USER_ERROR)


# The launch directory this process appended to sys.path, for the processes it starts.
_LAUNCH_DIR_ENV = "MIA_DEFENSE_LAUNCH_DIR"


# a launch directory, as appended to sys.path -> the top-level modules the config names
_ALLOWED: dict[str, set[str]] = {}


def _path_hook(path: str) -> importlib.machinery.FileFinder:
    """``sys.path_hooks``: `_LaunchDirFinder` for a launch directory, no finder (the next
    hook's) for any other entry."""
    if path not in _ALLOWED:
        raise ImportError("not a launch directory")
    return _LaunchDirFinder(path)


class _LaunchDirFinder(importlib.machinery.FileFinder):
    """The launch directory's finder: a top-level module there is found only when the
    config names it or code in the directory imports it; a library probing for an optional
    package (``importlib.util.find_spec("pandas")``, ``import tensorflow``) finds none."""

    def __init__(self, path: str) -> None:
        loaders = [
            (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
            (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES),
            (importlib.machinery.SourcelessFileLoader, importlib.machinery.BYTECODE_SUFFIXES),
        ]
        super().__init__(path, *loaders)
        self.entry, self.root = path, os.path.realpath(path)

    def find_spec(self, fullname: str, target: Any = None) -> Any:
        if fullname not in _ALLOWED.get(self.entry, ()) and not _asked_from(self.root):
            return None
        return super().find_spec(fullname, target)


def _inside(file: str, root: str) -> bool:
    """Whether ``file`` is the user's code in ``root``: not a library's, even where the
    environment lies inside it (``python -m venv .venv`` in the project folder: TensorBoard's
    probe for ``tensorflow`` came from a file under ``root`` and found the user's file)."""
    real = os.path.realpath(file)
    return real.startswith(root + os.sep) and not real.startswith(_installed_roots())


@functools.cache
def _installed_roots() -> tuple[str, ...]:
    """The folders of the interpreter's libraries (standard library, site-packages)."""
    import sysconfig

    paths = sysconfig.get_paths()
    keys = ("stdlib", "platstdlib", "purelib", "platlib")
    return tuple(os.path.realpath(paths[k]) + os.sep for k in keys if k in paths)


def _asked_from(root: str) -> bool:
    """Whether the import being resolved was asked for by code in ``root`` (the first frame
    outside the import machinery)."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        file = frame.f_code.co_filename
        if not (file.startswith("<frozen importlib") or "importlib" in file.split(os.sep)):
            return _inside(file, root)
        frame = frame.f_back
    return False


def _target_modules(node: Any) -> Iterator[str]:
    """The top-level module of every ``_target_`` string under a config node."""
    if isinstance(node, Mapping | DictConfig):
        try:
            target = node.get("_target_")
        except Exception:  # an unresolvable interpolation: the config check names it
            target = None
        if isinstance(target, str) and target:
            yield target.split(".")[0]
        for key in node:
            try:
                yield from _target_modules(node[key])
            except Exception:
                continue
    elif isinstance(node, list | tuple | ListConfig):
        for i in range(len(node)):
            try:
                yield from _target_modules(node[i])
            except Exception:
                continue


def _launch(config: DictConfig) -> None:
    names: set[str] = set()
    for key in config:
        if key != "hydra":
            try:
                names.update(_target_modules(config[key]))
            except Exception:  # an unresolvable interpolation: the config check names it
                continue
    add_launch_dir(str(config.hydra.runtime.cwd), names)


class LaunchDirOnPath(Callback):
    """Hydra callback: ``hydra.runtime.cwd`` (where ``mia-train`` was started) on
    ``sys.path`` before the config is checked or instantiated, in the launching process
    and in every job's process (joblib, submitit), for the modules the config names; put
    back as the tool's main() ends (`add_launch_dir`)."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        _launch(config)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        _launch(config)

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        _launch(config)

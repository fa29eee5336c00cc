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

import functools
import importlib.machinery
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from types import FrameType
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, ListConfig

__all__ = ["LaunchDirOnPath", "add_launch_dir"]


def add_launch_dir(path: str, names: Iterable[str] = ()) -> None:
    """Append ``path`` to ``sys.path`` once (after the installed packages, so a file in the
    user's folder never shadows a library module). Its top-level modules are found only by
    their ``names`` (the config's ``_target_`` modules) or from code in ``path`` itself
    (`_LaunchDirFinder`)."""
    if not path:
        return
    if path in _ALLOWED:
        _ALLOWED[path].update(names)
        return
    # importable already as the user set it up (PYTHONPATH, an entry of their own): left as
    # it is, unless the entry is ours, inherited by a job's process (joblib's workers)
    if path in sys.path and os.environ.get(_LAUNCH_DIR_ENV) != path:
        return
    _ALLOWED[path] = set(names)
    # before the finder exists: its first use imported sysconfig through the finder itself,
    # a RecursionError where mia-defense's own files lie in the launch directory and that
    # directory leads sys.path (a `python -m` job process, launcher=submitit_local)
    _installed_roots()
    if _path_hook not in sys.path_hooks:
        sys.path_hooks.insert(0, _path_hook)
    sys.path_importer_cache.pop(path, None)  # a finder made before the hook: made again
    if path not in sys.path:
        sys.path.append(path)
        os.environ[_LAUNCH_DIR_ENV] = path


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
    and in every job's process (joblib, submitit), for the modules the config names."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        _launch(config)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        _launch(config)

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        _launch(config)

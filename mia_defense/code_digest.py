"""What code turns a config into results: this package's sources and the source file of
every ``_target_`` the config names. Keys the model store (`mia_defense.store`) and tells
a finished run made by other code from one this code would make (`code_digest`)."""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["code_digest", "code_fingerprint"]


def code_fingerprint(settings: Any) -> dict[str, str]:
    """sha256 of the sources that turn ``settings`` into results: ``mia_defense`` (every
    ``.py`` file of the package) and, per ``_target_`` in ``settings``, the file of the
    module that defines it (``<unresolved>`` when it cannot be imported here: the run then
    fails on it anyway). Files that module imports in turn are not followed."""
    sources = {"mia_defense": _package_digest()}
    for target in sorted(set(_targets(settings))):
        # a packaged short name (``dataset._target_: digits``) or this package's own code
        # (in the package digest already) needs no file of its own
        if "." in target and not target.startswith("mia_defense."):
            sources[target] = _target_digest(target)
    return sources


def _targets(node: Any) -> Iterator[str]:
    """Every ``_target_`` string in a tree of mappings and lists."""
    if isinstance(node, Mapping):
        target = node.get("_target_")
        if isinstance(target, str):
            yield target
        for value in node.values():
            yield from _targets(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _targets(value)


@functools.cache
def _package_digest() -> str:
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def defining_file(target: str, module: Callable[[str], Any]) -> tuple[bool, str | None]:
    """(whether a module of ``target`` was found, the source file that defines ``target``):
    for ``a.b.C`` the file where ``C`` is written, which may be another file than
    ``a/b.py`` when ``a.b`` re-exports it; its module's file for a built-in or an instance.
    ``module(name)`` returns the module of that name or ``None`` (importing it, or not)."""
    parts = target.split(".")
    for end in range(len(parts) - 1, 0, -1):
        found: Any = module(".".join(parts[:end]))
        if found is None:
            continue
        module_file = getattr(found, "__file__", None)
        for name in parts[end:]:
            found = getattr(found, name, None)
        try:
            source = inspect.getsourcefile(found) if found is not None else None
        except TypeError:  # a built-in, or an instance: its module's file
            source = None
        return True, source or module_file
    return False, None


def _imported(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except Exception:  # not a module at this depth (or a broken one): go up
        return None


def _target_digest(target: str) -> str:
    """sha256 of the source file that defines ``target`` (`defining_file`)."""
    found, source = defining_file(target, _imported)
    if not found:
        return "<unresolved>"
    if not source or not os.path.isfile(source):
        return "<no source file>"  # a built-in or namespace module
    return hashlib.sha256(Path(source).read_bytes()).hexdigest()


def code_digest(config: Mapping[str, Any]) -> str:
    """One sha256 of `code_fingerprint` over the whole ``config`` (results.json's
    ``versions.code``)."""
    text = json.dumps(code_fingerprint(dict(config)), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()

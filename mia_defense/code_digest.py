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
    fails on it anyway), with the user's modules it reaches (`_reached_modules`): a helper
    module it imports, a base class's file, in turn."""
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
    """sha256 of the source file that defines ``target`` (`defining_file`); with the user's
    modules that file reaches (`_reached_modules`), sha256 of that digest and of each of
    their files by module name (a file reaching none keeps its own file's digest)."""
    found, source = defining_file(target, _imported)
    if not found:
        return "<unresolved>"
    if not source or not os.path.isfile(source):
        return "<no source file>"  # a built-in or namespace module
    digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()
    reached = {
        name: hashlib.sha256(Path(file).read_bytes()).hexdigest()
        for name, file in _reached_modules(target, source).items()
    }
    if not reached:
        return digest
    text = json.dumps({"file": digest, "modules": reached}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _reached_modules(target: str, source: str) -> dict[str, str]:
    """``{module name: source file}`` of the user's modules that the module defining
    ``target`` (file ``source``) reaches through its globals, in turn: modules it imports,
    and the modules of the classes, functions and objects it holds (a helper's ``act``, a
    base class). Editing one changes what the target computes, as editing its own file does;
    a helper imported only inside a function is not seen.

    Only modules imported already are read (nothing new is imported). A user's module is one
    with a ``.py`` file outside the standard library and the installed packages (whose
    modules are not followed, nor what they import); ``mia_defense`` (in the package digest)
    and the file ``source`` itself are left out."""
    import sys

    start = _target_modules(target)
    own = os.path.realpath(source)
    seen = {module.__name__ for module in start}
    queue, reached = list(start), {}
    while queue:
        module = queue.pop()
        for name in sorted(_names_held(module)):
            if name in seen:
                continue
            seen.add(name)
            held = sys.modules.get(name)
            file = _user_file(held)
            if held is None or file is None:
                continue
            queue.append(held)
            if os.path.realpath(file) != own:
                reached[name] = file
    for module in start:  # the target's named module (a package re-exporting it), if another
        file = _user_file(module)
        if file is not None and os.path.realpath(file) != own:
            reached[module.__name__] = file
    return reached


def _target_modules(target: str) -> list[Any]:
    """The imported module ``target`` names (its longest imported prefix) and the module
    of the object it names, when another."""
    import sys

    parts = target.split(".")
    for end in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:end]))
        if module is None:
            continue
        found: Any = module
        for name in parts[end:]:
            found = inspect.getattr_static(found, name, None)
        defining = sys.modules.get(_module_of(found) or "")
        return [module] + ([defining] if defining is not None and defining is not module
                           else [])  # fmt: skip
    return []


def _module_of(value: Any) -> str | None:
    """The name of the module that defines ``value`` (a class, a function; an instance:
    its class's), or ``None``."""
    import types

    try:
        if isinstance(value, types.FunctionType | types.BuiltinFunctionType | types.MethodType):
            name = value.__module__
        else:  # read from the class's own dict: an object's getattr may run its code
            name = vars(value if isinstance(value, type) else type(value)).get("__module__")
    except Exception:  # a type without a __dict__, a proxy
        return None
    return name if isinstance(name, str) else None


def _names_held(module: Any) -> set[str]:
    """The names of the modules whose objects ``module``'s globals hold: modules it
    imported, and the module of each class (with its bases), function or object."""
    import types

    names: set[str] = set()
    try:
        values = list(vars(module).values())
    except TypeError:
        return names
    for value in values:
        if isinstance(value, types.ModuleType):
            names.add(value.__name__)
            continue
        name = _module_of(value)
        if name:
            names.add(name)
        if isinstance(value, type):
            names.update(n for base in value.__mro__[1:] if (n := _module_of(base)))
    return names


@functools.cache
def _installed_roots() -> tuple[str, ...]:
    """The folders of the standard library and of installed packages, each ending in a
    separator."""
    import site
    import sysconfig

    paths = sysconfig.get_paths()
    roots = [paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths]
    roots += site.getsitepackages() if hasattr(site, "getsitepackages") else []
    roots.append(site.getusersitepackages())
    return tuple(os.path.join(os.path.realpath(r), "") for r in roots if r)


def _user_file(module: Any) -> str | None:
    """The ``.py`` file of ``module`` when it is the user's code (`_reached_modules`), else
    ``None``."""
    name = getattr(module, "__name__", None)
    file = getattr(module, "__file__", None)
    if not isinstance(name, str) or not isinstance(file, str) or not file.endswith(".py"):
        return None
    if name in ("__main__", "mia_defense") or name.startswith("mia_defense."):
        return None
    if not os.path.isfile(file):
        return None
    if os.path.realpath(file).startswith(_installed_roots()):
        return None
    return file


def code_digest(config: Mapping[str, Any]) -> str:
    """One sha256 of `code_fingerprint` over the whole ``config`` (results.json's
    ``versions.code``)."""
    text = json.dumps(code_fingerprint(dict(config)), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()

"""The ``_target_`` policy: what a config may name, wherever the config came from.

A dataset, model, defense, release, attack or optimiser: mia_defense's components, an
installed package's models, layers and optimisers (`ALLOWED_INSTALLED`: torch.nn,
torch.optim), or a module of one's own (not installed: a file beside one's config). Anything
else (in an experiment file from someone else, say) could run a command, write or delete
files or load a pickle when the run builds it: the standard library and Hydra's own
instantiation (which can call anything), a package's ``__main__`` (importing it runs the
program: ``pytest.__main__.x``), its private or test code. Judged by the name as written,
before anything of it is imported, and by where the object really lives.

Kept light (no torch): Hydra's config loader checks every config it composes with it
(`mia_defense.hydra_guard`), ``mia-train --help`` included.
"""

from __future__ import annotations

import functools
import sys
from types import ModuleType
from typing import Any

from hydra._internal.utils import _locate
from omegaconf import DictConfig, ListConfig, OmegaConf

from mia_defense.errors import ConfigError

__all__ = [
    "ALLOWED_INSTALLED",
    "FORBIDDEN_MODULES",
    "HYDRA_CALLBACKS",
    "MAX_DEPTH",
    "forbidden_target_problems",
    "is_forbidden",
    "refuse_forbidden_targets",
    "target_is_forbidden",
]

FORBIDDEN_MODULES = frozenset(sys.stdlib_module_names) | {"hydra", "omegaconf"}
# Deeper than any config of a run; a node that holds an interpolation of itself is endless.
MAX_DEPTH = 100
# The only code of an installed package a _target_ may name: its models, layers and
# optimisers (and the Optuna sweeper's samplers, conf/hydra/sweeper/sampler). Anything else
# of one may write or read files or run a program (scipy.io.savemat wrote a file a config
# named; tensorboard.main.run_main ran TensorBoard): a list of what is not allowed leaked.
ALLOWED_INSTALLED = ("torch.nn.", "torch.optim.", "torchvision.models.", "opacus.layers.",
                     "optuna.samplers.")  # fmt: skip
# The packages of mia_defense a config's _target_ may name (its datasets, models, defenses
# and releases, attacks, metrics and audits, and the pieces of a user's training function),
# besides its own Hydra callbacks: the others write files, start processes or read configs
# (mia_defense.tracking.artifacts.write_json wrote any file a config named: h296).
_OWN_COMPONENTS = tuple(f"mia_defense.{name}." for name in (
    "data", "models", "defenses", "attacks", "metrics", "audit", "user_fit"))
# Parts of a name that mark a package's test code (numpy.testing, torch.testing): helpers
# that run code or commands, no dataset or model.
_TEST_PARTS = frozenset({"testing", "tests", "test", "conftest"})

# mia-defense's own Hydra callbacks (conf/hydra/default.yaml, mia-attack's config), by name:
# no config may drop or replace its checks (`mia_defense.hydra_node_checks`).
HYDRA_CALLBACKS = {
    "launch_dir_on_path": "mia_defense.cli.user_code.LaunchDirOnPath",
    "check_config": "mia_defense.cli.train.CheckConfigCallback",
    "run_dir_check": "mia_defense.cli.train.RunDirCheck",
    "sweep_summary": "mia_defense.cli.train.SweepSummary",
    "source_check": "mia_defense.cli.attack.SourceCheck",
}


def is_forbidden(name: str, target: Any, *, any_installed: bool = False) -> bool:
    """Whether the ``_target_`` ``name`` (located as ``target``) is a callable the policy
    refuses, by the name given or by where the object really lives (an alias such as
    ``mia_defense.cli.train.os.system`` is ``posix.system``; a module of one's own that
    imports ``scipy.io.savemat`` passes it on as scipy's). ``any_installed``: an installed
    package's code outside `ALLOWED_INSTALLED` is let through (what importing it runs:
    Hydra's ``pkg://`` search path)."""
    if name in HYDRA_CALLBACKS.values():
        return False
    if _private_or_test(name):
        return True
    names = [name]
    if target is not None:
        real = _real_name(target)
        if real is None:
            return True  # (no module of its own: a builtin of torch.UntypedStorage, say)
        names.append(real)
    for dotted in names:
        parts = dotted.split(".")
        if parts[0] in FORBIDDEN_MODULES or "__main__" in parts:
            return True  # (a package's __main__ runs its program as it is imported)
        if parts[0] == "mia_defense":
            if not f"{dotted}.".startswith(_OWN_COMPONENTS):
                return True
        elif not any_installed and _installed(parts[0]) and not f"{dotted}.".startswith(
                ALLOWED_INSTALLED):
            return True
    return False


def _real_name(target: Any) -> str | None:
    """Where ``target`` really lives, dotted (``torch.nn.modules.linear.Linear``), or
    ``None`` where it tells no module."""
    if isinstance(target, ModuleType):
        return target.__name__
    module = getattr(target, "__module__", None)
    return f"{module}.{getattr(target, '__qualname__', '')}" if isinstance(module, str) else None


def _private_or_test(name: str) -> bool:
    """Whether ``name``, as written, reaches into an installed package's private (``_x``)
    or test code (sklearn.utils._testing.assert_run_python_script_without_output ran a
    config's Python text in a subprocess). A module of one's own (not installed in
    site-packages) and mia_defense are left to the other rules; so is where a public name
    really lives (sklearn's estimators are defined in private modules)."""
    parts = name.split(".")
    if parts[0] == "mia_defense" or not any(
        part in _TEST_PARTS or (part.startswith("_") and not part.endswith("__"))
        for part in parts
    ):
        return False
    return _installed(parts[0])


@functools.cache
def _installed(top: str) -> bool:
    """Whether the top-level module ``top`` is an installed package (found in a
    site-packages or dist-packages folder; nothing of it is run to find it)."""
    import importlib.util
    from pathlib import Path

    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    where = spec.origin if spec is not None else None
    if spec is not None and where in (None, "namespace") and spec.submodule_search_locations:
        where = next(iter(spec.submodule_search_locations), None)
    return where is not None and bool({"site-packages", "dist-packages"} & set(Path(where).parts))


def target_is_forbidden(name: str) -> bool:
    """Whether the dotted ``name`` is a callable the policy refuses (imported to see where
    it really lives; one that cannot be imported is judged by its name)."""
    if name in HYDRA_CALLBACKS.values():
        return False  # (importing the config check would import torch into --help)
    if is_forbidden(name, None):  # by its name, before importing it: the check imported
        return True  # ``this.x`` (printed the Zen of Python), ``unittest.__main__.x`` (ran)
    try:
        target = _locate(name)
    except Exception:
        target = None
    return is_forbidden(name, target)


def forbidden_target_problems(node: Any, path: str, depth: int = 0) -> list[str]:
    """A problem line for every ``_target_`` under ``node`` (a config node, or plain dicts and
    lists; named from ``path``; a config's own ``hydra`` node is left out at the top), at any
    depth, that the policy refuses: Hydra's instantiate builds nested ones too.
    Interpolations are resolved where ``node`` sits in its config, and the nodes they
    resolve to are checked where they are used (``x: ${oc.create:'{_target_: ...}'}``
    names its target nowhere else)."""
    if isinstance(node, (ListConfig, list)):
        items: list[tuple[str, str]] = [(str(i), f"{path}[{i}]") for i in range(len(node))]
    elif isinstance(node, (DictConfig, dict)):
        keys = [str(k) for k in node if not (path == "" and k == "hydra")]
        items = [(k, f"{path}.{k}" if path else k) for k in keys]
    else:
        return []
    problems = []
    for key, full in items:
        index: int | str = int(key) if isinstance(node, (ListConfig, list)) else key
        try:
            value = node[index]  # type: ignore[index]
        except Exception:  # unresolvable: the config check names it where it is checked
            continue
        if key == "_target_" and isinstance(value, str):
            if target_is_forbidden(value):
                problems.append(
                    f"{full}={value!r}: not a dataset, model, defense, release, attack or "
                    "optimiser; a _target_ may not name the standard library, Hydra's "
                    "instantiation, an installed package's private or test code, or a part "
                    "of mia_defense other than its data, models, defenses, attacks, metrics "
                    "and audit, nor other code of an installed package (it would run when "
                    "the run builds it). Point it at a class or function of mia_defense's "
                    "components, torch.nn/torch.optim (or torchvision.models), or a "
                    "module of your own (a file on the path, not an installed package: to "
                    "use another package's model, build it in a function there)"
                )
        elif depth < MAX_DEPTH:  # (an interpolation: the node it resolves to is built here)
            problems += forbidden_target_problems(value, full, depth + 1)
        elif isinstance(value, (DictConfig, ListConfig, dict, list)):
            problems.append(f"{full}: nested more than {MAX_DEPTH} deep, or an interpolation "
                            "that names a node holding it: no config of a run is")  # fmt: skip
    return problems


def refuse_forbidden_targets(config: Any, *, where: str) -> None:
    """Refuse a config read from a file (results.json's ``config``, a user's YAML) that
    has a ``_target_`` `check_config` refuses (the standard library, Hydra's call, an
    installed package's code but its models and optimisers), at any depth, before anything
    of it is instantiated: one `ConfigError` starting with ``where`` and naming each."""
    node = config if isinstance(config, DictConfig) else OmegaConf.create(config)
    problems = forbidden_target_problems(node, "")
    if problems:
        raise ConfigError(f"{where}: " + "; ".join(problems))

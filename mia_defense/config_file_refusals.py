"""Hydra's refusals of a config file of one's own that it cannot compose, each said as one
line naming the file (as a user finds it) and what to write: a primary config in a subfolder
of --config-dir (`subfolder_primary_refusal`), defaults lists that include each other
(`defaults_loop_refusal`), a file holding no mapping (`config_shape_refusal`,
`no_mapping_refusal`), ``_self_`` twice, a ``defaults`` that is no list or holds an entry of
no kind (`defaults_list_shape_refusal`); and `_frame_locals`, what Hydra's frames held when it
failed, which these and `mia_defense.missing_config_refusals` read.
Split out of `mia_defense.defaults_list_refusals` by job; it imports neither of the other
refusals' modules, so `mia_defense.hydra_guard`'s check of a config file of one's own (run on
every load, --help too) imports this one alone. `mia_defense.composition_errors` asks it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra.errors import ConfigCompositionException

from mia_defense.hydra_failure import HydraConfigError, primary_config

__all__ = ["config_shape_refusal", "defaults_list_shape_refusal", "defaults_loop_refusal",
           "no_mapping_refusal", "own_config_start", "subfolder_primary_refusal"]


def subfolder_primary_refusal(exc: ConfigCompositionException) -> Exception | None:
    """Hydra's "In 'mia_attack': Could not override 'hydra/job_logging@sub.hydra.job_logging'"
    for a config of one's own in a subfolder of --config-dir (``--config-name sub/own``,
    sub/own.yaml ``defaults: [/mia_attack, _self_]``): Hydra packages such a primary config,
    and what its defaults list includes, under its folder's key (sub), where the included
    config's ``override hydra/...`` entries name nothing. Said as what is wrong and the
    header that keeps the file's keys at the top, as at --config-dir's top level. ``None``:
    any other error."""
    import re

    found = re.match(r"(?:In '[^']*': )?Could not override '(hydra/[^'@]+)@([^']+)'", str(exc))
    at = _frame_locals(exc, "_load_configuration_impl")
    name = at.get("config_name") if at is not None else None
    if found is None or not isinstance(name, str) or "/" not in name:
        return None
    folder = name.rpartition("/")[0]
    package = folder.replace("/", ".")
    if not found.group(2).startswith(f"{package}.hydra."):
        return None
    primary = primary_config(exc)
    from mia_defense.composed_overrides import config_file_shown
    from mia_defense.constraints import shown_path

    file = shown_path(config_file_shown(primary[0])) if primary else f"{name}.yaml"
    included = re.match(r"In '([^']*)'", str(exc))
    what = f"{included.group(1)}'s" if included else "an included config's"
    return HydraConfigError(
        f"{file} is in the folder {folder} of --config-dir, so Hydra puts its keys and what "
        f"its defaults list includes under {package} ({what} choice of {found.group(1)} became "
        f"{found.group(2)}, which names no setting of Hydra's); nothing was run. Write "
        f"'# @package _global_' as the first line of {file} to keep them at the top, as a "
        f"config at --config-dir's top level is")


def defaults_loop_refusal(exc: RecursionError) -> Exception | None:
    """Hydra's RecursionError building the defaults list of config files that include
    each other (a.yaml ``defaults: [b, _self_]``, b.yaml ``defaults: [a, _self_]``) or one
    that includes itself, as one line naming the loop (its files as a user finds them) and
    the entry to remove; ``None`` where the error came from elsewhere."""
    from mia_defense.constraints import shown_path

    found = _frame_locals(exc, "_create_defaults_tree_impl")
    if found is None:
        return None
    tree, repo, chain = found.get("root"), found.get("repo"), []
    while tree is not None:
        chain.append(tree.node)
        tree = tree.parent
    paths: list[str | None] = []
    nodes = list(reversed(chain))  # (from the primary config down)
    for at, node in enumerate(nodes):
        try:
            path = node.get_config_path()
        except Exception:  # (a virtual root, or an entry not yet resolved)
            path = None
        if path is not None and path in paths:
            start = paths.index(path)
            loop = [*paths[start:], path]
            entries = [_entry_written(element) for element in nodes[start:at + 1]]
            break
        paths.append(path)
    else:
        return None

    def shown(path: str) -> str:
        try:
            source = repo.load_config(config_path=path).path
        except Exception:  # (not found again: its config path)
            return shown_path(f"{path}.yaml")
        return _file_shown(source, path)

    files = [shown(path) for path in loop]
    first = files[0]
    if len(loop) == 2:
        return HydraConfigError(
            f"{first}'s defaults list includes {first} itself ({first} -> {first}), which "
            f"Hydra follows without end; nothing was run. Remove the entry {entries[1]!r} from "
            f"{first}'s defaults list")
    return HydraConfigError(
        f"the defaults lists of config files include each other in a loop "
        f"({' -> '.join(files)}), which Hydra follows without end; nothing was run. Remove "
        f"one of the entries: {_loop_entries(files, entries)}")


def _loop_entries(files: Sequence[str], entries: Sequence[str]) -> str:
    """Each entry of a defaults-list loop and the file whose list holds it, the entry that
    closes the loop first: "'a' from c.yaml's defaults list, 'c' from b.yaml's, or 'b' from
    a.yaml's" (``files``: the loop, its first file again at its end; ``entries[i]``: the
    entry of ``files[i - 1]`` that includes ``files[i]``)."""
    said = [f"{entries[at]!r} from {files[at - 1]}'s" for at in range(len(files) - 1, 0, -1)]
    said[0] += " defaults list"
    return f"{', '.join(said[:-1])}, or {said[-1]}"


def config_shape_refusal(exc: ConfigCompositionException, *,
                         base: str | None = None) -> Exception | None:
    """Hydra's one line for a config file of one's own of a shape it cannot compose, said
    with the file and what to write: a primary config that is a list ("primary config 'own'
    must be a DictConfig, got ListConfig") or a defaults list holding ``_self_`` twice
    ("Duplicate _self_ defined in own"). ``base``: the primary config of the tool running,
    whose start alone is suggested (`own_config_start`). ``None``: any other error."""
    said = str(exc)
    if said.startswith("primary config ") and "must be a DictConfig" in said:
        found = _frame_locals(exc, "_process_config_searchpath") or {}
        loaded, name = found.get("loaded"), found.get("config_name")
        if loaded is None or not isinstance(name, str):
            return None
        kind = _KINDS.get(type(found.get("primary_config")).__name__, "no mapping")
        return no_mapping_refusal(_file_shown(loaded.path, name), kind, base)
    if said.startswith("Duplicate _self_ defined in "):
        node = (_frame_locals(exc, "_validate_self") or {}).get("containing_node")
        repo = (_frame_locals(exc, "_create_defaults_tree_impl") or {}).get("repo")
        try:
            path = node.get_config_path()
            file = _file_shown(repo.load_config(config_path=path).path, path)
        except Exception:  # (not readable again: Hydra's words stand)
            return None
        return HydraConfigError(
            f"{file}'s defaults list holds '_self_' more than once, where Hydra takes it once "
            f"(the place of the file's own settings among its entries); nothing was run. Keep "
            f"one '_self_' (last, for the file's own settings to win)")
    return None


def _file_shown(source: Any, path: str) -> str:
    """The file of config path ``path`` that Hydra loaded from ``source`` (its config source's
    path: ``file://DIR``, ``pkg://MODULE``) as a user finds it."""
    from mia_defense.composed_overrides import config_file_shown
    from mia_defense.constraints import shown_path

    return shown_path(config_file_shown(f"{source}/{path}.yaml"))


def no_mapping_refusal(file: str, kind: str, base: str | None, *,
                       primary: bool = True) -> Exception:
    """The refusal of the config file ``file`` (as shown) holding ``kind`` (a number, a list,
    a string) where a config file holds a mapping of settings; ``base``: as
    `own_config_start`'s. A file a defaults list includes (not ``primary``) is told no
    defaults line: the primary's start written into it includes the base again (Hydra:
    "dataset appears more than once", or 'dataset/config' not found)."""
    write = (f"a line {own_config_start(base)}, then one 'key: value' line for each setting"
             if primary else "a 'key: value' line for each setting it holds (an included "
             "file needs no defaults line of its own)")  # fmt: skip
    return HydraConfigError(f"{file} holds {kind}, where a config file holds a mapping of "
                            f"settings; nothing was run. Write it as one: {write}")


def own_config_start(base: str | None) -> str:
    """The defaults list a config of one's own starts with, built on the primary config
    ``base`` (mia-train's ``config``, mia-attack's ``mia_attack``); ``None`` (the tool not
    known): mia-train's, with mia-attack's in brackets."""
    if base is None:
        return "'defaults: [config, _self_]' (mia-attack's: [mia_attack, _self_])"
    return f"'defaults: [{base}, _self_]'"


# What an entry of a defaults list may be, for a refusal of one that is none
_ENTRY_FORMS = ("an entry is a config's name ('config'), 'GROUP: NAME' ('dataset: "
                "breast_cancer') or '_self_'")


def defaults_list_shape_refusal(exc: ValueError, *, base: str | None = None) -> Exception | None:
    """Hydra's ValueError (a traceback) for a config file whose ``defaults`` is no list
    (``defaults: config``) or holds an entry of no kind it reads (``defaults: [config,
    null]``, ``[config, 5]``, ``[{dataset: 5}]``, ``[{}]``), as one line naming the file and
    what an entry is. ``base``: the primary config of the tool running (``config``,
    ``mia_attack``), whose start alone is suggested; ``None`` (not known): both tools'.
    ``None``: a ValueError raised elsewhere."""
    import re

    found = _frame_locals(exc, "load_config")
    result, path = (found.get("ret"), found.get("config_path")) if found else (None, None)
    read = _frame_locals(exc, "_extract_defaults_list") or _frame_locals(
        exc, "_create_defaults_list")  # (Hydra reading the file's defaults list)
    if result is None or not isinstance(path, str) or read is None:
        return None
    file, said = _file_shown(result.path, path), " ".join(str(exc).split())
    kind = re.search(r"defaults must be a list \(got (\w+)\)", said)
    if kind is not None:
        start = own_config_start(base)  # (both tools': the forms join its brackets)
        start = f"{start[:-1]}; {_ENTRY_FORMS})" if base is None else f"{start} ({_ENTRY_FORMS})"
        return HydraConfigError(
            f"{file}: its defaults is {_KINDS.get(kind.group(1), 'a ' + kind.group(1))}, "
            f"where Hydra reads a list; nothing was run. Write its entries as a list: {start}")
    kind = re.search(r"Unsupported (type|item value) in defaults : (\w+)", said)
    if kind is not None:
        what = _KINDS.get(kind.group(2), "a " + kind.group(2))
        said = (f"an entry that is {what}" if kind.group(1) == "type" else
                f"an entry 'GROUP: VALUE' whose value is {what}")
    else:
        said = f"an entry Hydra cannot read ({re.sub(r'^In [^:]*: ', '', said)})"
    return HydraConfigError(f"{file}: its defaults list holds {said}; nothing was run. "
                            f"Correct or remove that entry: {_ENTRY_FORMS}")


# How a refusal names the type of a value Hydra read from a YAML file
_KINDS = {"str": "a string", "int": "a number", "float": "a number", "bool": "true or false",
          "NoneType": "null (nothing)", "mapping": "a mapping", "DictConfig": "a mapping",
          "ListConfig": "a list"}


def _entry_written(element: Any) -> str:
    """A defaults list's entry as its file writes it (``b``, ``/b``, ``dataset: x``)."""
    group, value = getattr(element, "group", None), getattr(element, "value", None)
    if group is not None and value is not None:
        return f"{group}: {value}"
    return str(getattr(element, "path", None) or element.get_config_path())


def _frame_locals(exc: Exception, function: str) -> dict[str, Any] | None:
    """The local variables of the innermost frame of Hydra's ``function`` that ``exc``'s
    traceback passed through; ``None`` where it did not."""
    trace, found = exc.__traceback__, None
    while trace is not None:
        if trace.tb_frame.f_code.co_name == function:
            found = trace.tb_frame.f_locals
        trace = trace.tb_next
    return found

"""The checks of one ``_target_`` node that `mia_defense.config`'s walk runs: the target's
kind (a model, a training defense, a release), Hydra's own keys (``_partial_``, ``_args_``),
and each value against the target's signature and type hints (never NaN/inf, of the annotated
type, no torch dtype), with the hints that name what to write instead.

Split out of `mia_defense.config` so that the walk (`_Walk`, `check_config`) reads apart from
the reading of signatures and values; `mia_defense.config_tables`' `integer_key` reads a
target's annotations with `_signature` and `_kinds` too.
"""

from __future__ import annotations

import inspect
import math
import re
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any, Union

import torch
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from mia_defense.config_keys import defense_not_selected
from mia_defense.constraints import (
    number_hint,
    quoted_list_hint,
    show,
    string_hint,
    whole_float_hint,
)
from mia_defense.defenses.base import TrainingDefense
from mia_defense.defenses.release import Release
from mia_defense.errors import MiaDefenseError, closest_few, first_line

# ``${seed}``, ``${plan.num_models}``: an interpolation that names a key and calls no
# resolver (``${oc.decode:'5'}`` made a value no key holds: lira's online=5 went unchecked).
_REFERENCE = re.compile(r"\$\{[^:${}]+\}")


def _is_reference(node: DictConfig, key: str) -> bool:
    """Whether ``node[key]`` is a plain reference to another key (checked where it points)."""
    child = node._get_node(key)
    return bool(child._is_interpolation()) and bool(_REFERENCE.fullmatch(str(child._value())))


_CONVERT_MODES = ("none", "partial", "object", "all")


def _hydra_flag_problems(
    node: DictConfig, path: str, target: Any, params: Mapping[str, inspect.Parameter]
) -> list[str]:
    """Hydra's own keys of a ``_target_`` node, checked as Hydra's instantiate reads them:
    ``_partial_=1`` stopped the run after the data was loaded with Hydra's 'TypeError:
    Instantiation: _partial_ flag must be a bool' (exit 1), and an attack function with
    ``_partial_: false`` was called while the config was built, without its observations."""
    problems = []
    flags = {}
    for key in ("_partial_", "_recursive_", "_convert_", "_args_"):
        if key not in node.keys():  # (an interpolation too: Hydra reads its value)
            continue
        try:
            flags[key] = value = node[key]
        except OmegaConfBaseException:
            continue  # (named where the walk reads the node)
        if key in ("_partial_", "_recursive_") and not isinstance(value, bool):
            problems.append(f"{path}.{key}={show(value)}: must be true or false (Hydra's flag)")
        elif key == "_convert_" and str(value) not in _CONVERT_MODES:
            problems.append(f"{path}.{key}={show(value)}: must be one of "
                            f"{', '.join(_CONVERT_MODES)} (Hydra's conversion of containers)")
        elif key == "_args_" and not isinstance(value, ListConfig):
            problems.append(f"{path}.{key}={show(value)}: must be a list of positional "
                            "arguments (Hydra's _args_)")
    if path.startswith("attack.attacks.") and flags.get("_partial_", False) is False and (
        not isinstance(target, type)
    ):
        given = len(flags["_args_"]) if isinstance(flags.get("_args_"), ListConfig) else 0
        needed = [
            key for key, param in list(params.items())[given:]
            if param.default is inspect.Parameter.empty and key not in node.keys()
            and param.kind not in (inspect.Parameter.VAR_POSITIONAL,
                                   inspect.Parameter.VAR_KEYWORD)
        ]  # fmt: skip
        if needed:
            given = "_partial_" in flags
            problems.append(
                f"{path}{'._partial_=false' if given else ''}: the attack takes "
                f"{', '.join(needed)} when it runs (the observations and the targets), but "
                "without _partial_: true Hydra calls it while the config is built; set "
                f"{'' if given else '+'}{path}._partial_=true"
            )
    return problems


_EXAMPLE_TARGETS = {
    "model": "mia_defense.models.MLP",
    "dataset": "mia_defense.data.load_digits",
    "defense": "mia_defense.defenses.Dropout",
    "release": "mia_defense.defenses.TopKRelease",
    "attack": "mia_defense.attacks.lira",
}


def _wrong_kind(target: Any, path: str) -> str | None:
    """Why the class ``target`` cannot be what ``path`` builds (a model, a training defense,
    a release), or ``None``. A function may return anything: its result is checked once
    built. Such a class was refused only after the data was loaded (a defense only as
    'defense: Dropout is not a TrainingDefense', naming no key), or its keys were judged
    against the wrong signature ('unknown key 'p' for mia_defense.models.MLP')."""
    if not callable(target):  # a module (mia_defense.models), a constant: Hydra calls it
        what = "a module" if isinstance(target, types.ModuleType) else type(target).__name__
        return (f"is {what}, not a class or function; name one of its classes or functions "
                f"(e.g. {_EXAMPLE_TARGETS.get(path.split('.')[0], 'mia_defense.models.MLP')})")
    if not isinstance(target, type):
        return None
    group = path.split(".")[0]
    if group == "model" and not issubclass(target, torch.nn.Module):
        return (f"{target.__name__} is not a torch.nn.Module; point it at a torch.nn.Module "
                "subclass or a function that returns one (a packaged model: model=mlp; your "
                "own: model=custom model._target_=my_module.MyNet)")  # fmt: skip
    if group == "defense" and not issubclass(target, TrainingDefense):
        also = " (a release goes under release=, e.g. release=topk)" \
            if issubclass(target, Release) else ""  # fmt: skip
        return (f"{target.__name__} is not a training defense{also}; point it at a subclass "
                "of mia_defense.defenses.TrainingDefense (pick one of conf/defense/, e.g. "
                "defense=dropout)")  # fmt: skip
    if group == "release" and not issubclass(target, Release):
        return (f"{target.__name__} is not a release; point it at a subclass of "
                "mia_defense.defenses.Release (pick one of conf/release/, e.g. release=topk)")
    base = {"defense": TrainingDefense, "release": Release}.get(group)
    if base is not None and target is base:
        return _base_class_problem(base, group)
    return None


def _base_class_problem(base: type, group: str) -> str:
    """Why the base class ``base`` of ``group`` is no defense or release: it does nothing
    of its own (TrainingDefense trains as no defense, Release releases the full outputs),
    and the run was recorded under a defense it never applied."""
    import mia_defense.defenses as packaged

    kinds = sorted(
        f"mia_defense.defenses.{name}" for name in packaged.__all__
        if isinstance(getattr(packaged, name), type)
        and issubclass(getattr(packaged, name), base) and getattr(packaged, name) is not base
    )  # fmt: skip
    what, example = ("training defense", "defense=dropout") if group == "defense" else \
        ("release", "release=topk")  # fmt: skip
    return (f"{base.__name__} is the base class of every {what}, not one (it applies "
            f"nothing of its own); point it at one of {', '.join(kinds)}, or a subclass of "
            f"your own (pick one of conf/{group}/, e.g. {example})")


def _unselected_hint(node: DictConfig, name: str, path: str) -> str:
    """What a ``+defense.NAME.x=...`` or ``+attack.attacks.NAME.x=...`` without a ``_target_``
    most likely meant: a defense that is not selected, or an attack under another name."""
    from importlib.resources import files

    if path == "defense" and files("mia_defense.conf").joinpath(f"defense/{name}.yaml").is_file():
        return f"; {defense_not_selected(name)}"
    named = [str(k) for k, v in node.items_ex(resolve=False)
             if isinstance(v, DictConfig) and "_target_" in v.keys()]
    close = closest_few(name, named, prefixes=True)
    return f"; no {path}.{name} is defined (did you mean {' or '.join(map(repr, close))}?)" \
        if close else ""  # fmt: skip


# Arguments the pipeline passes itself, by group: the model builder passes input_shape and
# num_classes when the constructor takes them.
_SUPPLIED = {"model": frozenset({"input_shape", "num_classes"})}
_CUSTOM_HINT = (
    " (your own module: start from model=custom, which carries no keys of the packaged models)"
)


def _signature(target: Any) -> tuple[Mapping[str, inspect.Parameter], dict[str, Any], bool]:
    """The parameters of ``target``, their resolved type hints, and whether it takes **kwargs."""
    try:
        params = dict(inspect.signature(target).parameters)
    except (TypeError, ValueError):  # a builtin without a signature: accept any key
        return {}, {}, True
    try:
        hints = typing.get_type_hints(target.__init__ if isinstance(target, type) else target)
    except Exception:  # unresolvable forward references: no type checks
        hints = {}
    open_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return params, hints, open_kwargs


_KIND_NAMES = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "str": "a string",
    "null": "null",
    "ints": "a list of integers",
    "floats": "a list of numbers",
}


def _kinds(annotation: Any) -> frozenset[str] | None:
    """The value kinds an annotation admits, or ``None`` when it is not a simple one."""
    simple = {int: "int", float: "float", bool: "bool", str: "str", type(None): "null"}
    if annotation in simple:
        return frozenset({simple[annotation]})
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        parts = [_kinds(arg) for arg in args]
        return None if None in parts else frozenset().union(*parts)  # type: ignore[arg-type]
    if origin is PathLike or annotation is PathLike:
        return frozenset({"str"})
    if origin in (list, tuple, Sequence) and args and args[0] in (int, float):
        if origin is tuple and not (len(args) == 1 or args[1:] == (Ellipsis,)):
            return None
        return frozenset({"ints" if args[0] is int else "floats"})
    return None


def _pathlike(annotation: Any) -> bool:
    """Whether an annotation admits an ``os.PathLike`` (a path given as text)."""
    if annotation is PathLike or typing.get_origin(annotation) is PathLike:
        return True
    return any(map(_pathlike, typing.get_args(annotation)))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    for python, kind in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
        if isinstance(value, python):
            return kind
    if isinstance(value, list):
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return "ints"
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return "floats"
    return "other"


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list | tuple):
        return any(map(_non_finite, value))
    if isinstance(value, DictConfig):
        return _non_finite(OmegaConf.to_container(value, resolve=True))
    if isinstance(value, dict):
        return any(map(_non_finite, value.values()))
    return False


def _value_problem(
    key: str, value: Any, hint: Any, param: inspect.Parameter | None, target: str,
    refusal: Any = None,
) -> str | None:
    """A problem with one value of a ``_target_`` node: never NaN/inf; of the annotated type.
    ``refusal`` (`_rule_refusal`): the float hint suggests no integer the key's rule refuses
    (shokri.seed=1e30 was told to write an integer above MAX_SEED)."""
    if _non_finite(value):
        return f"{key}={show(value)}: must be a finite number (no nan or inf)"
    kinds = _kinds(hint) if hint is not None else None
    if kinds is None:
        return None
    kind = _kind(value)
    widened = {"int": "float", "ints": "floats"}.get(kind)  # an int is a fine float
    if kind == "int" and kind not in kinds and widened in kinds and (
        abs(value) > sys.float_info.max  # (10**400: float() of it raised OverflowError)
    ):
        return f"{key}={show(value)}: too large for a float (at most about 1.8e308)"
    if kind in kinds or widened in kinds:
        return None
    allowed = " or ".join(_KIND_NAMES[k] for k in sorted(kinds, key=list(_KIND_NAMES).index))
    shown = param.annotation if param and isinstance(param.annotation, str) else hint
    name = key.rsplit(".", 1)[-1]
    return (f"{key}={show(value)}: must be {allowed} ({target} takes {name}: {shown})"
            f"{string_hint(value, kinds)}{number_hint(key, value, kinds, path=_pathlike(hint))}"
            f"{quoted_list_hint(key, value) if kinds & {'ints', 'floats', 'strs'} else ''}"
            + (whole_float_hint(key, value, refusal, listed='ints' in kinds)
               if kinds & {'int', 'ints'} else '')
            + (_quoted_items_hint(key, value, refusal) if 'ints' in kinds else ''))


def _quoted_items_hint(key: str, value: Any, refusal: Any = None) -> str:
    """What to add to a refusal of a list of integers some given as text (mia-train
    model.hidden=['64']: Hydra reads a quoted item as text, and was told only 'must be a
    list of integers'): the list to write, one shell word, where every item reads as an
    integer and ``refusal`` (`_rule_refusal`) takes it; ``''`` otherwise."""
    if not isinstance(value, list | tuple) or not any(isinstance(v, str) for v in value):
        return ""
    try:
        whole = [int(v.strip()) if isinstance(v, str) else v for v in value]
    except ValueError:  # ('a': no number to suggest)
        return ""
    if not all(type(v) is int for v in whole) or (refusal and refusal(whole) is not None):
        return ""
    texts = [repr(v) for v in value if isinstance(v, str)]
    return (f"; {', '.join(texts)} {'is' if len(texts) == 1 else 'are'} text (Hydra reads a "
            f"quoted value as text): write {key}=[{','.join(map(str, whole))}]")


def _own_check(target: Any, path: str) -> Any:
    """What checks the keywords of our own ``target`` without data, as `_Walk.rehearse` does:
    a model's ``check_options``, a defense's or release's constructor; ``None`` otherwise."""
    if not (isinstance(target, type) and target.__module__.startswith("mia_defense.")):
        return None
    if path == "model":
        return getattr(target, "check_options", None)
    return target if issubclass(target, Release | TrainingDefense) else None


def _rule_refusal(rule: Any, key: str, check: Any = None, name: str = "") -> Any:
    """What refuses an integer ``key`` may be given (`whole_float_hint`'s ``refusal``): the
    key's ``rule`` (a `TARGET_PARAMS` entry) or ``check`` (`_own_check`) given the keyword
    ``name`` alone, the others left at their defaults, where its words name ``key``
    (model.hidden=[0.0] was told to write [0], a width the model refuses; release.k=0.0 to
    write 0); ``None``: neither."""
    if rule is None and check is None:
        return None

    def refusal(whole: Any) -> str | None:
        line = None
        if rule is not None:
            line = rule.problem(key, whole)
        else:
            try:
                check(**{name: whole})  # (the other keywords: their defaults)
            except MiaDefenseError as exc:  # (only its words about the key: DPSGD's defaults
                line = first_line(exc, type(exc).__name__)  # refuse each other, whatever k)
                line = line if line.startswith(f"{key}=") else None
            except (TypeError, ValueError):  # (no such keyword: it cannot tell)
                return None
        return None if line is None else f"written with digits alone, it is refused too ({line})"

    return refusal


def _torch_dtype_problem(key: str, value: Any, target: Any, hint: Any) -> str | None:
    """A value for a torch dtype (torch.nn.Linear's dtype, a parameter annotated
    torch.dtype): a config holds strings and numbers, never a torch.dtype, and torch refused
    'float64' only when the model was built, after the data, in its own words."""
    name = key.rsplit(".", 1)[-1]
    by_torch = getattr(target, "__module__", "").startswith("torch.")
    if value is None or not ("torch.dtype" in str(hint) or (name == "dtype" and by_torch)):
        return None
    return (f"{key}={show(value)}: a config cannot give a torch dtype (it holds strings and "
            f"numbers, not torch.dtype objects); leave {name} out and use a model class of "
            "your own that sets it (e.g. its __init__ ends with self.to(torch.float64)), "
            "named by model._target_")

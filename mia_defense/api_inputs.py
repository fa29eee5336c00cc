"""The checks of a caller's inputs to `mia_defense.api`'s functions: keyword names, seeds,
plan sizes, arrays (numpy's, torch's, lists of either) read as their values, masked arrays
and iterators refused, features as float32, metadata as the JSON the file stores, and the
checked `Observations` made of a caller's arrays. Shared by `mia_defense.api` (make_plan,
observations_from_arrays, audit) and `mia_defense.api_models` (observe_models); each
error names the public function it was given to, as before the split."""

from __future__ import annotations

import functools
import inspect
import reprlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np

from mia_defense.attacks.shokri import MAX_SEED
from mia_defense.constraints import shown
from mia_defense.data.dataset import refuse_masked
from mia_defense.errors import ConfigError, DataError, MiaDefenseError, closest
from mia_defense.files import MAX_JSON_DEPTH, json_depth
from mia_defense.observations import (
    OUTPUT_KINDS,
    RESERVED_METADATA,
    Observations,
    RecordedMetadata,
    merged_keys,
    merged_keys_said,
    reserved_message,
    warn_nonfinite_metadata,
)
from mia_defense.plan import non_numeric_features

_F = TypeVar("_F", bound=Callable[..., Any])


def _keywords_named(function: _F) -> _F:
    """``function`` refusing a keyword argument it does not take with the one it most likely
    misspells, as Python 3.13 says it: 3.10 to 3.12 said "observe_models() got an
    unexpected keyword argument 'num_augment'" alone. One check for every public function
    of this module; their own checks of values are unchanged."""
    parameters = inspect.signature(function).parameters.values()
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    @functools.wraps(function)
    def named(*args: Any, **kwargs: Any) -> Any:
        for name in kwargs:
            if name not in names:
                meant = closest(name, names)
                hint = (f". Did you mean {meant!r}?" if meant else
                        f" (it takes {', '.join(names)})")  # fmt: skip
                raise TypeError(f"{function.__name__}() got an unexpected keyword argument "
                                f"{name!r}{hint}")  # fmt: skip
        return function(*args, **kwargs)

    return named  # type: ignore[return-value]


def _refuse_big_seed(where: str, seed: int) -> None:
    """A `ConfigError` naming ``where`` for a seed above `MAX_SEED` (mia-train's range):
    observe_models' and audit's were attack_config's 'seed=...: at most ... (Shokri's attack
    model takes it)', naming neither the call nor an attack it runs."""
    if seed > MAX_SEED:
        raise ConfigError(f"{where}: seed={shown(seed)}: at most {MAX_SEED}, mia-train's seed "
                          "range; choose a smaller seed")  # fmt: skip


def _check_sizes(rows: int, population_size: int | None, test_size: int | None) -> None:
    """Refuse plan sizes the rows of x cannot hold, naming make_plan's arguments (the plan's
    own error names mia-train's keys, plan.population_size=)."""
    population, test = population_size, test_size
    if population is None and test is not None:
        population = rows - test
    if test is None and population is not None:
        test = rows - population
    too_few = rows < 3 if population is None or test is None else (
        population < 2 or test < 1 or population + test > rows)  # fmt: skip
    if too_few:
        raise ConfigError(
            f"make_plan: population_size={population_size}, test_size={test_size}: too few "
            f"records for the plan; need population >= 2, test >= 1 and population + test <= "
            f"the {rows} rows of x (None takes what the other leaves); lower them or give "
            "more data"
        )


def _refuse_reserved(metadata: Any) -> None:
    """A `ConfigError` for a key of `RESERVED_METADATA` in a caller's ``metadata``: with
    ``randomized_release_repeats``, results.json recorded the query budget given as the
    release's, the mask check skipped its comparison with the test set, and
    ``train_accuracy_one_answer`` replaced the members' accuracy (0.9 given: train accuracy
    0.9 and its gap recorded, whatever the outputs said)."""
    if not isinstance(metadata, Mapping):
        return  # (`_metadata` refuses what is no mapping)
    for key in RESERVED_METADATA:  # (a file's own too: they are not of these outputs)
        if key in metadata:
            raise ConfigError(f"observations_from_arrays: {reserved_message(key)}")


def _unshared(obs: Observations, given: Sequence[np.ndarray]) -> Observations:
    """``obs`` with a copy of each field that may share memory with the caller's ``given``
    arrays (log-probabilities in float32, int64 labels, float tensors were kept as given):
    a buffer the caller filled again for the next models changed the observations already
    made (a leaky model's, AUC 0.97, audited as the next, private one's: 0.45)."""
    names = ("log_probs", "labels", "masks", "augmented_logits", "augmented_predictions",
             "grad_norms", "test_log_probs", "test_labels")  # fmt: skip
    changes = {}
    for name in names:
        value = getattr(obs, name)
        if value is not None and any(np.may_share_memory(value, g) for g in given):
            changes[name] = value.copy()
    return replace(obs, **changes) if changes else obs


def _observations(
    outputs: Any, masks: Any, labels: Any, *, kind: Any, test_outputs: Any, test_labels: Any,
    augmented_logits: Any, augmented_predictions: Any, grad_norms: Any, metadata: Any,
) -> tuple[Observations, list[np.ndarray]]:
    """`observations_from_arrays`' checked observations, which may hold the given arrays
    themselves, and the numpy arrays they were read from (`_observe` gives its own)."""
    if not isinstance(kind, str) or kind not in OUTPUT_KINDS:  # (the file's field: output_kind)
        # (a caller's setting, not the data: a ConfigError, as errors.py says)
        raise ConfigError(
            f"observations_from_arrays: kind={kind!r}: must be one of "
            f"{', '.join(OUTPUT_KINDS)} (what outputs holds)"
        )
    arrays: dict[str, Any] = {
        "outputs": outputs, "output_kind": np.array(kind), "masks": masks, "labels": labels,
    }  # fmt: skip
    optional = {
        "test_outputs": test_outputs, "test_labels": test_labels,
        "augmented_logits": augmented_logits, "augmented_predictions": augmented_predictions,
        "grad_norms": grad_norms,
    }  # fmt: skip
    arrays.update({k: v for k, v in optional.items() if v is not None})
    _refuse_masked("observations_from_arrays", **arrays)
    arrays = {k: _values(v, "observations_from_arrays", k) for k, v in arrays.items()}
    facts = _metadata(metadata) if metadata is not None else None
    if facts and isinstance(metadata, RecordedMetadata):  # (`observe_models`' own record)
        facts = RecordedMetadata(facts)
    obs = Observations.from_arrays(arrays, source="observations_from_arrays")
    given = [value for value in arrays.values() if isinstance(value, np.ndarray)]
    return (replace(obs, metadata=facts) if facts else obs), given


def _refuse_masked(where: str, **arrays: Any) -> None:
    """`refuse_masked` of each of ``arrays`` (named as the caller's arguments): numpy drops
    a masked array's mask here as for a Dataset, and its masked values were read without a
    word (make_plan counted a masked label among the classes)."""
    for field, value in arrays.items():
        refuse_masked(value, field, where, use="read")


def _values(value: Any, where: str = "", name: str = "") -> Any:
    """A torch tensor as its values (one that requires grad, or on a GPU, was a raw
    RuntimeError or TypeError from numpy), and so each tensor of a list or tuple of them
    (``[model(x) for model in models]``: numpy called ``.numpy()`` on each, a raw
    RuntimeError for outputs that require grad); anything else as given. ``where`` and
    ``name`` name the argument in the `DataError` for a tensor without values, and for an
    iterator (a generator, map(...)): numpy reads one as a single object, and the arrays
    were refused as of shape () or dtype object ('y has shape (), expected [120]')."""
    import torch

    if isinstance(value, Iterator):
        said = f"{where}: {name}: " if where else f"{name}: " if name else ""
        raise DataError(f"{said}an iterator ({type(value).__name__}), which numpy reads as "
                        "one object, not as its items; give an array, e.g. "
                        "np.array(list(...))")  # fmt: skip
    if isinstance(value, torch.Tensor):
        return _cpu_tensor(value, where, name).numpy()
    if isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value):
        return [_values(v, where, f"{name}[{i}]") for i, v in enumerate(value)]
    return value


def _array(value: Any, where: str, name: str, error: type[MiaDefenseError]) -> np.ndarray:
    """``value`` (a tensor by its values, `_values`) as a numpy array; lists numpy cannot
    make one array of (ragged rows, [[0, 1], [1]]: a raw ValueError 'inhomogeneous shape')
    are an ``error`` naming ``name``."""
    given = _values(value, where, name)  # (its own DataError, a ValueError: not caught below)
    try:
        return np.asarray(given)
    except (TypeError, ValueError, RuntimeError) as exc:
        said = " ".join(str(exc).split())[:120]
        raise error(f"{where}: {name}: not an array ({said}); give a numpy array (or a list "
                    "of equal-length rows)") from None  # fmt: skip


def _refuse_non_integer_labels(where: str, labels: np.ndarray) -> None:
    """A `DataError` unless ``labels`` (``y``) are of an integer dtype, saying which call
    makes class labels of what was given: 'give integer class labels' alone left y of 1.0,
    2.0, one-hot rows or class names without the call (h584)."""
    if labels.dtype.kind in "iu":  # (numpy counts timedelta64 as an integer: refused here)
        return
    raise DataError(f"{where}: y has dtype {labels.dtype}; give integer class labels"
                    + _label_advice(labels))


def _label_advice(labels: np.ndarray) -> str:
    """How to make class indices of ``labels``, or '' where no call does (1.5, NaN)."""
    if labels.dtype.kind == "b":
        return " (y.astype(np.int64): False 0, True 1)"
    if labels.dtype.kind == "f" and labels.ndim == 2 and labels.size and np.isin(
            labels, (0, 1)).all() and (labels.sum(axis=1) == 1).all():
        return " (one-hot rows: y.argmax(axis=1))"
    if labels.dtype.kind == "f" and labels.size and np.isfinite(labels).all() and (
            labels == np.round(labels)).all():
        return " (whole numbers as floats: y.astype(np.int64))"
    if labels.dtype.kind == "O" and labels.size and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in labels.flat):
        return " (whole numbers as Python objects: y.astype(np.int64))"
    if labels.dtype.kind in "USO":
        return (" (class names: np.unique(y, return_inverse=True)[1] gives each its index; "
                "train the models on those labels)")
    return ""


def _cpu_tensor(value: Any, where: str = "", name: str = "") -> Any:
    """A torch tensor detached on the CPU as a plain strided tensor numpy can read, in
    float32 when numpy has no dtype of its own (bfloat16, float8: 'Got unsupported
    ScalarType BFloat16' was a raw TypeError, or x 'not numbers'): sparse tensors densified,
    quantized ones dequantized, conjugate and negative views resolved (each was a raw error
    from ``.numpy()``). A tensor without values (on the meta device) is a `DataError`."""
    import torch

    value = value.detach()
    said = f"{where}: {name}: " if where else f"{name}: " if name else ""
    if value.is_meta:  # (a raw NotImplementedError 'Cannot copy out of meta tensor')
        raise DataError(
            f"{said}a tensor on the meta device (shape {list(value.shape)}) holds no values; "
            "give the tensor with its data (built or loaded on the CPU or a GPU)"
        )
    try:
        if value.is_quantized:
            value = value.dequantize()
        if value.layout != torch.strided:
            value = value.to_dense()
        if value.is_nested:
            raise TypeError("a nested tensor: rows of different lengths")
        value = value.cpu().resolve_conj().resolve_neg()
        if value.is_floating_point() and value.dtype not in (torch.float16, torch.float32,
                                                             torch.float64):  # fmt: skip
            value = value.float()
        value.numpy()  # (a view: what numpy cannot read fails here, named)
    except (RuntimeError, TypeError, NotImplementedError) as exc:
        said_exc = " ".join(str(exc).split())[:160]
        raise DataError(f"{said}a tensor numpy cannot read ({said_exc}); give a plain tensor "
                        "or numpy array") from None  # fmt: skip
    return value


def _metadata(metadata: Any) -> dict[str, Any]:
    """``metadata`` as the JSON object the file stores (numpy numbers and arrays as Python
    ones, NaN as null), or a `ConfigError`: what cannot be saved is refused now, not when
    the observations are saved."""
    import json

    from mia_defense.tracking.artifacts import jsonable

    try:  # (a mapping holding itself, or nested thousands deep: a raw RecursionError)
        facts = jsonable(metadata) if isinstance(metadata, Mapping) else None
        json.dumps(facts, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        facts = None
    if not isinstance(facts, dict):
        try:
            shown = reprlib.repr(metadata)
        except ValueError:  # (an int of more than 4300 digits: a raw ValueError here)
            shown = f"a {type(metadata).__name__} holding a value too large to show"
        raise ConfigError(
            f"observations_from_arrays: metadata: must be a mapping of JSON values (text, "
            f"numbers, lists, mappings), e.g. {{'dataset': 'digits'}}, without cycles; got "
            f"{shown}"
        )
    merged = merged_keys(metadata)
    if merged:  # ({1: 'a', '1': 'b'} was {'1': 'b'}, 1's fact dropped without a word)
        raise ConfigError(f"observations_from_arrays: metadata: {merged_keys_said(*merged)}")
    depth = json_depth(facts)
    if depth > MAX_JSON_DEPTH:  # saved, such a file was refused by Observations.load
        raise ConfigError(
            f"observations_from_arrays: metadata: nested {depth} levels deep; keep it to at "
            f"most {MAX_JSON_DEPTH} (facts such as dataset, model, defense), as files are read"
        )
    warn_nonfinite_metadata(metadata, where="observations_from_arrays")  # (null from here on)
    return facts


def _numbers(where: str, x: Any) -> np.ndarray:
    """``x`` as float32 [rows, ...], or a `DataError` naming it (text, objects, ragged rows,
    fewer than two axes); a torch tensor (one that requires grad, or on a GPU, was a raw
    RuntimeError) as its values.
    Complex numbers are refused (numpy kept their real parts with a ComplexWarning only: the
    models trained and were queried on other features than the user's), and so are finite
    values beyond float32's range (called 'NaN or inf' in the features before), and text,
    bytes, dates and durations (`non_numeric_features`: cast to float32 without a word, the
    models queried on what a parser or an epoch made of the columns; h598)."""
    x = _values(x, where, "x")
    given = None
    try:
        given = np.asarray(x)
        fix = non_numeric_features(given)
        if fix is not None:
            raise DataError(f"{where}: x: not numbers: {fix}")
        complex_ = given.dtype.kind == "c"
        with np.errstate(over="ignore"):
            features = given if complex_ else given.astype(np.float32, copy=False)
    except DataError:  # (the refusal above: a ValueError, said as it is)
        raise
    except MemoryError:  # (numpy's raw 'Unable to allocate 373. GiB', naming no argument)
        copy = ("an array" if given is None else f"its float32 copy (shape {list(given.shape)}, "
                f"from {given.dtype}) needs {given.size * 4 / 2**30:.3g} GiB,")
        raise DataError(
            f"{where}: x: {copy} more than this machine could allocate; give x as a float32 "
            "array (no copy is made then), or fewer rows"
        ) from None
    except (TypeError, ValueError, RuntimeError) as exc:
        raise DataError(
            f"{where}: x: not numbers ({str(exc)[:120]}); give the features as "
            "a numeric array [rows, ...]"
        ) from None
    if complex_:
        raise DataError(
            f"{where}: x: complex numbers (dtype {given.dtype}); give real features (e.g. the "
            "real and imaginary parts as columns of their own: np.concatenate([x.real, "
            "x.imag], axis=-1))"
        )
    if features.ndim < 2:  # (make_plan's dataset error named neither x nor make_plan, and
        # observe_models blamed the model: 'models[0] fails on 2 rows of x (shape [2])')
        raise DataError(
            f"{where}: x has shape {features.shape}; give the features as [rows, ...] "
            "(x.reshape(-1, 1) for one feature per row)"
        )
    if given.dtype.kind == "f" and given.dtype.itemsize > 4 and not np.isfinite(features).all():
        beyond = np.isfinite(given) & ~np.isfinite(features)
        if beyond.any():
            raise DataError(
                f"{where}: x: {int(beyond.sum())} finite values beyond float32's range (largest "
                f"{np.abs(given[beyond]).max():.3g}), which the models read in float32 as inf; "
                "scale the features (standardise them) before make_plan and training"
            )
    return features

"""A restricted, bounded unpickler for data files: plain containers and numeric numpy arrays.

Python pickles can call any importable function while loading, and even harmless-looking
ones allocate what the file tells them to: numpy's array rebuilder takes any shape, a dtype's
state can give it object fields, a byte count or a memo index can claim gigabytes. Dataset
files such as the CIFAR python batches are pickles, so they are read by an unpickler that

- resolves only the few numpy globals a plain numeric array needs, and checks their arguments;
- runs no other constructor (NEWOBJ, INST, OBJ, extension codes, BUILD on other objects);
- checks every length against the bytes left in the file and every array against the file's
  size (an array cannot hold more than the file it came from), and charges what it builds
  against the memory budget as it goes;
- bounds each container's size and the nesting depth of the result, and refuses cycles;
- bounds the number of opcodes it runs, so a file of millions of one-byte opcodes cannot
  keep the pure-Python loop busy for minutes.

It is Python's own pure-Python unpickler with those opcodes replaced: slower than the C one,
which does not matter for files that are mostly a few large byte strings.
"""

from __future__ import annotations

import io
import itertools
import math
import pickle
import pickletools
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from mia_defense.constraints import shown_path
from mia_defense.data.guards import gib, memory_budget, read_regular
from mia_defense.errors import DataError

__all__ = [
    "MAX_CONTAINER_ITEMS", "MAX_DEPTH", "MAX_OPCODES", "safe_load_pickle", "safe_loads",
]

# Deepest nesting of containers a data pickle may have (CIFAR batches: a dict of lists, 2).
MAX_DEPTH = 64
# Most items one list, tuple, dict or set may hold.
MAX_CONTAINER_ITEMS = 10_000_000
# Most opcodes one pickle may run (about 1.3 us each here, so a few seconds at most). A
# CIFAR batch is a few large byte strings plus ~10 opcodes per image (its labels and file
# name): CIFAR-100's 50,000-image train file, as Python 3 writes it, runs ~500,000.
MAX_OPCODES = 5_000_000
# Bytes charged for each opcode run: the object it makes, its stack or container slot, and
# a memo entry. Every opcode reads at least one byte, so memory grows at most linearly.
_OP_COST = 128
_NUMERIC_KINDS = "biufc"
_NAMES = {ord(op.code): op.name for op in pickletools.opcodes}
# Text opcodes may decode to up to 4 bytes of str per byte read (and a FRAME may hold them).
_TEXT_OPS = frozenset(
    op[0]
    for op in (
        pickle.UNICODE, pickle.BINUNICODE, pickle.BINUNICODE8, pickle.SHORT_BINUNICODE,
        pickle.FRAME,
    )
)
# Opcodes that make or grow a container: its size is checked after them.
_GROWING_OPS = frozenset(
    op[0]
    for op in (
        pickle.APPEND, pickle.APPENDS, pickle.SETITEM, pickle.SETITEMS, pickle.ADDITEMS,
        pickle.LIST, pickle.TUPLE, pickle.DICT, pickle.FROZENSET,
    )
)
# Opcodes a data file has no use for; refused before they look anything up.
_REFUSED_OPS = frozenset(
    op[0]
    for op in (
        pickle.INST, pickle.OBJ, pickle.NEWOBJ, pickle.NEWOBJ_EX, pickle.EXT1, pickle.EXT2,
        pickle.EXT4, pickle.PERSID, pickle.BINPERSID, pickle.NEXT_BUFFER,
        pickle.READONLY_BUFFER,
    )
)
_CONTAINERS = (list, tuple, dict, set, frozenset)


class _Refused(pickle.UnpicklingError):
    """Something a plain data file has no reason to contain (code, objects, other dtypes)."""


class _Corrupt(pickle.UnpicklingError):
    """A length or size the file's bytes cannot back: truncated or forged."""


class _TooLarge(pickle.UnpicklingError):
    """What the pickle builds would exceed the memory budget or a container bound."""


class _Reader(io.BytesIO):
    """The file's bytes; a read asking for more than is left is a truncated file."""

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if size is not None and size >= 0 and len(data) < size:
            raise _Corrupt(
                f"pickle data was truncated: {size} bytes claimed, {len(data)} left in the file"
            )
        return data


# ---------------------------------------------------------------- checked numpy globals


@dataclass(frozen=True)
class _Global:
    """A global a data pickle may name; ``call`` applies it to checked arguments (REDUCE)."""

    name: str
    call: Callable[[_BoundedUnpickler, tuple[Any, ...]], Any] | None = None


def _shape(value: Any) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or len(value) > 32:
        raise _Corrupt(f"array shape must be a tuple of at most 32 sizes, got {value!r:.80}")
    if not all(type(d) is int and d >= 0 for d in value):
        raise _Corrupt(f"array shape must hold non-negative integers, got {value!r:.80}")
    return tuple(value)


def _check_numeric(dtype: np.dtype) -> np.dtype:
    if dtype.hasobject:
        raise _Refused(f"object dtype {dtype} is not allowed")
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype:
        raise _Refused(f"dtype {dtype} is not allowed: data files may hold numeric arrays only")
    return dtype


def _dtype_spec(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin1")
    if not isinstance(value, str) or len(value) > 16:
        raise _Refused(f"a dtype must be named by a short type code, got {value!r:.80}")
    return value


def _numeric_dtype(value: Any) -> np.dtype:
    if isinstance(value, np.dtype):
        return _check_numeric(value)
    try:
        return _check_numeric(np.dtype(_dtype_spec(value)))
    except TypeError as exc:
        raise _Corrupt(f"unknown dtype {value!r:.80}") from exc


def _call_dtype(unpickler: _BoundedUnpickler, args: tuple[Any, ...]) -> np.dtype:
    """``numpy.dtype(code, align, copy)``, always as a fresh copy (BUILD mutates it)."""
    if not 1 <= len(args) <= 3:
        raise _Corrupt(f"numpy.dtype takes 1 to 3 arguments, got {len(args)}")
    align = bool(args[1]) if len(args) > 1 else False
    try:
        dtype = np.dtype(_dtype_spec(args[0]), align=align, copy=True)
    except TypeError as exc:
        raise _Corrupt(f"unknown dtype {args[0]!r:.80}") from exc
    unpickler.expect_state(_check_numeric(dtype))
    return dtype


def _call_reconstruct(unpickler: _BoundedUnpickler, args: tuple[Any, ...]) -> np.ndarray:
    """numpy's ``_reconstruct(ndarray, shape, dtype)``: an empty array BUILD then fills."""
    if len(args) != 3 or args[0] is not _NDARRAY:
        raise _Refused("_reconstruct may only rebuild a plain numpy.ndarray")
    shape, dtype = _shape(args[1]), _numeric_dtype(args[2])
    unpickler.claim_array(math.prod(shape) * dtype.itemsize, shape=shape, dtype=dtype)
    array = _RECONSTRUCT(np.ndarray, shape, dtype)
    unpickler.expect_state(array)
    return array


def _call_frombuffer(unpickler: _BoundedUnpickler, args: tuple[Any, ...]) -> np.ndarray:
    """numpy's protocol-5 ``_frombuffer(buffer, dtype, shape, order)`` with in-band data."""
    if len(args) != 4 or not isinstance(args[0], (bytes, bytearray)):
        raise _Refused("_frombuffer takes (bytes, dtype, shape, order)")
    buffer, dtype, shape, order = args[0], _numeric_dtype(args[1]), _shape(args[2]), args[3]
    if order not in ("C", "F"):
        raise _Corrupt(f"array order must be 'C' or 'F', got {order!r:.20}")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes != len(buffer):
        raise _Corrupt(f"array of shape {shape} and dtype {dtype} needs {nbytes} bytes, "
                       f"the pickle holds {len(buffer)}")
    unpickler.claim_array(nbytes, shape=shape, dtype=dtype)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape, order=order)


def _call_scalar(unpickler: _BoundedUnpickler, args: tuple[Any, ...]) -> np.generic:
    """numpy's ``scalar(dtype, raw bytes)``, e.g. a ``np.int64`` in a list of labels."""
    if len(args) != 2 or not isinstance(args[0], np.dtype):
        raise _Refused("numpy scalar takes (dtype, bytes)")
    dtype, raw = _check_numeric(args[0]), args[1]
    if not isinstance(raw, (bytes, str)) or len(raw) != dtype.itemsize:
        raise _Corrupt(f"numpy scalar of dtype {dtype} needs {dtype.itemsize} bytes")
    if isinstance(raw, str):
        raw = raw.encode("latin1")
    return _SCALAR(dtype, raw)


def _call_encode(unpickler: _BoundedUnpickler, args: tuple[Any, ...]) -> bytes:
    """What Python 3 pickles of bytes call (``_codecs.encode(str, 'latin1')``), nothing more."""
    if not 1 <= len(args) <= 2 or not isinstance(args[0], str):
        raise _Refused("_codecs.encode is only allowed for latin1 byte strings")
    if len(args) == 2 and args[1] not in ("latin1", "latin-1"):
        raise _Refused("_codecs.encode is only allowed for latin1 byte strings")
    return args[0].encode("latin1")


def _call_empty_bytes(unpickler: _BoundedUnpickler, args: tuple[Any, ...]) -> bytes:
    """What Python 3 pickles of an empty byte string call under protocols 0-2: ``bytes()``."""
    if args:
        raise _Refused("bytes() is only allowed without arguments (an empty byte string)")
    return b""


_RECONSTRUCT = np.ndarray(0).__reduce__()[0]  # numpy's own array rebuilder, any version
_SCALAR = np.float64(0).__reduce__()[0]
_NDARRAY = _Global("numpy.ndarray")  # named as _reconstruct's type, never called


def _allowed_globals() -> dict[tuple[str, str], _Global]:
    allowed = {
        ("_codecs", "encode"): _Global("_codecs.encode", _call_encode),
        ("__builtin__", "bytes"): _Global("bytes", _call_empty_bytes),
        ("builtins", "bytes"): _Global("bytes", _call_empty_bytes),
        ("numpy", "ndarray"): _NDARRAY,
        ("numpy", "dtype"): _Global("numpy.dtype", _call_dtype),
    }
    for core in ("numpy.core", "numpy._core"):
        allowed[(f"{core}.multiarray", "_reconstruct")] = _Global("_reconstruct", _call_reconstruct)
        allowed[(f"{core}.multiarray", "scalar")] = _Global("scalar", _call_scalar)
        allowed[(f"{core}.numeric", "_frombuffer")] = _Global("_frombuffer", _call_frombuffer)
    return allowed


# ---------------------------------------------------------------- the unpickler


class _BoundedUnpickler(pickle._Unpickler):
    """Python's unpickler with every allocating or code-running opcode checked (see module)."""

    _ALLOWED: ClassVar[dict[tuple[str, str], _Global]] = _allowed_globals()
    dispatch: ClassVar[dict[int, Callable[..., None]]] = {}  # filled in below the class

    def __init__(self, data: bytes, *, encoding: str, budget: int) -> None:
        self._reader = _Reader(data)
        super().__init__(self._reader, encoding=encoding)
        self._file_size = len(data)
        self._budget = budget
        self._charged = 0
        self._ops = 0
        self._unbuilt: dict[int, Any] = {}  # arrays and dtypes waiting for their BUILD

    def charge(self, nbytes: int) -> None:
        """Count ``nbytes`` more against the budget; `_TooLarge` past it."""
        self._charged += nbytes
        if self._charged > self._budget:
            raise _TooLarge(
                f"unpickling it would need more than {gib(self._budget)} of memory (after "
                f"{self._reader.tell()} of its {self._file_size} bytes)"
            )

    def claim_array(self, nbytes: int, *, shape: tuple[int, ...], dtype: np.dtype) -> None:
        """An array of ``nbytes``: no larger than the file it must come from, and charged."""
        if nbytes > self._file_size:
            raise _Corrupt(
                f"an array claims shape {shape} of {dtype} ({gib(nbytes)}), more than the "
                f"whole file ({gib(self._file_size)})"
            )
        self.charge(nbytes)

    def expect_state(self, obj: Any) -> None:
        """Let one BUILD set the state of ``obj`` (an array or dtype this pickle just made)."""
        self._unbuilt[id(obj)] = obj

    def find_class(self, module: str, name: str) -> _Global:
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise _Refused(
                f"refusing to load global {module}.{name}: only plain containers and numpy "
                "arrays are allowed in data files"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise _Refused("persistent ids are not allowed in data files")

    def load_reduce(self) -> None:
        args = self.stack.pop()
        func = self.stack[-1]
        if not isinstance(func, _Global) or func.call is None:
            raise _Refused(f"calling {getattr(func, 'name', type(func).__name__)} is not allowed")
        if not isinstance(args, tuple):
            raise _Corrupt(f"arguments of {func.name} must be a tuple")
        self.stack[-1] = func.call(self, args)

    def load_build(self) -> None:
        state = self.stack.pop()
        target = self.stack[-1]
        if self._unbuilt.pop(id(target), None) is not target:
            raise _Refused(f"setting the state of a {type(target).__name__} is not allowed")
        if isinstance(target, np.dtype):
            _set_dtype_state(target, state)
        else:
            self._set_array_state(target, state)

    def _set_array_state(self, array: np.ndarray, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise _Corrupt("an array's state must be (version, shape, dtype, fortran, data)")
        shape, dtype, fortran, raw = state[-4:]
        shape = _shape(shape)
        if not isinstance(dtype, np.dtype):
            raise _Corrupt("an array's state must hold a dtype")
        _check_numeric(dtype)
        if not isinstance(raw, (bytes, bytearray, str)):
            raise _Refused("an array's data must be raw bytes")
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes != len(raw):
            raise _Corrupt(
                f"an array claims shape {shape} of {dtype} ({gib(nbytes)}) but holds "
                f"{gib(len(raw))} of data"
            )
        self.claim_array(nbytes, shape=shape, dtype=dtype)
        array.__setstate__((*state[:-4], shape, dtype, bool(fortran), raw))

    def load_bytearray8(self) -> None:
        (size,) = struct.unpack("<Q", self.read(8))
        self.append(bytearray(self.read(size)))  # read() refuses sizes the file cannot back

    def refuse_opcode(self) -> None:
        raise _Refused("this pickle builds objects other than plain containers and arrays")


def _set_dtype_state(dtype: np.dtype, state: Any) -> None:
    """A numeric dtype's state may set its byte order, nothing else (no fields, no flags)."""
    if not (isinstance(state, tuple) and len(state) in (8, 9) and state[0] in (3, 4)):
        raise _Corrupt(f"unsupported dtype state {state!r:.80}")
    _, endian, subarray, names, fields, elsize, alignment, flags = state[:8]
    metadata = state[8] if len(state) == 9 else None
    if endian not in ("<", ">", "|", "=", b"<", b">", b"|", b"="):
        raise _Corrupt(f"dtype byte order must be one of < > | =, got {endian!r:.20}")
    if (
        subarray is not None or names is not None or fields is not None or metadata is not None
        or elsize not in (-1, dtype.itemsize) or alignment not in (-1, dtype.alignment)
        or flags != dtype.flags
    ):
        raise _Refused(f"dtype state {state!r:.80} would change more than the byte order")
    itemsize = dtype.itemsize
    dtype.__setstate__(state)
    if dtype.itemsize != itemsize:
        raise _Corrupt("dtype state changed the item size")
    _check_numeric(dtype)


def _guarded(op: int, handler: Callable[[_BoundedUnpickler], None]) -> Callable[..., None]:
    """``handler`` of opcode ``op``, followed by the memory, size and depth checks."""
    factor = 4 if op in _TEXT_OPS else 1
    growing = op in _GROWING_OPS

    def run(self: _BoundedUnpickler) -> None:
        self._ops += 1
        if self._ops > MAX_OPCODES:
            raise _TooLarge(
                f"it runs more than {MAX_OPCODES} opcodes (after {self._reader.tell()} of its "
                f"{self._file_size} bytes), far more than a dataset file of arrays needs"
            )
        start = self._reader.tell()
        handler(self)
        self.charge(_OP_COST + factor * (self._reader.tell() - start))
        if growing and len(self.stack[-1]) > MAX_CONTAINER_ITEMS:
            raise _TooLarge(f"a container holds more than {MAX_CONTAINER_ITEMS} items")
        if len(self.metastack) > MAX_DEPTH:
            raise _TooLarge(f"containers are nested deeper than {MAX_DEPTH} levels")

    return run


def _dispatch() -> dict[int, Callable[..., None]]:
    handlers = dict(pickle._Unpickler.dispatch)
    handlers[pickle.REDUCE[0]] = _BoundedUnpickler.load_reduce
    handlers[pickle.BUILD[0]] = _BoundedUnpickler.load_build
    handlers[pickle.BYTEARRAY8[0]] = _BoundedUnpickler.load_bytearray8
    for op in _REFUSED_OPS:
        handlers[op] = _BoundedUnpickler.refuse_opcode
    return {op: _guarded(op, handler) for op, handler in handlers.items()}


_BoundedUnpickler.dispatch = _dispatch()


# ---------------------------------------------------------------- the result's shape


def _children(obj: Any) -> Iterator[Any]:
    if isinstance(obj, dict):
        return itertools.chain.from_iterable(obj.items())
    return iter(obj)


def _check_nesting(root: Any) -> None:
    """Refuse a result nested deeper than `MAX_DEPTH` or holding a reference cycle.

    An iterative walk that visits each container once (heights are remembered), so neither
    deep nesting nor heavily shared sub-structures can exhaust the stack or the time.
    """
    if not isinstance(root, _CONTAINERS):
        return
    heights: dict[int, int] = {}
    on_path = {id(root)}
    path: list[tuple[Any, Iterator[Any]]] = [(root, _children(root))]
    while path:
        node, pending = path[-1]
        for child in pending:
            if not isinstance(child, _CONTAINERS):
                continue
            key = id(child)
            if key in on_path:
                raise _Corrupt("the data holds a reference cycle (a container inside itself)")
            if key in heights:
                if len(path) + heights[key] > MAX_DEPTH:
                    raise _TooLarge(f"containers are nested deeper than {MAX_DEPTH} levels")
                continue
            if len(path) >= MAX_DEPTH:
                raise _TooLarge(f"containers are nested deeper than {MAX_DEPTH} levels")
            on_path.add(key)
            path.append((child, _children(child)))
            break
        else:
            path.pop()
            on_path.discard(id(node))
            heights[id(node)] = 1 + max(
                (heights[id(c)] for c in _children(node) if isinstance(c, _CONTAINERS)),
                default=0,
            )


# ---------------------------------------------------------------- entry points


def safe_loads(data: bytes, *, source: object, encoding: str = "bytes") -> Any:
    """Unpickle ``data`` (read from ``source``, named in errors) with the checks above.

    Raises:
        DataError: naming ``source`` when it is not a pickle, is truncated, claims more
            memory than the budget or than its bytes can back, or needs other code.
    """
    try:
        unpickler = _BoundedUnpickler(data, encoding=encoding, budget=memory_budget())
        result = unpickler.load()
        _check_nesting(result)
        return result
    except _Refused as exc:
        raise DataError(
            f"{shown_path(source)}: not a plain data pickle ({exc}); it was not executed. Use the "
            "original dataset file, or convert it to .npz"
        ) from exc
    except _TooLarge as exc:
        raise DataError(
            f"{shown_path(source)}: too large to unpickle safely ({exc}); the file is corrupt or "
            "not a dataset file, or use a subset of the data"
        ) from exc
    except _Corrupt as exc:
        raise DataError(
            f"{shown_path(source)}: truncated or corrupt pickle ({exc}); download or extract the "
            "file again"
        ) from exc
    except MemoryError as exc:
        raise DataError(
            f"{shown_path(source)}: ran out of memory while unpickling it; the file is corrupt or "
            "too large"
        ) from exc
    except (
        pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError,
        AttributeError, struct.error, OverflowError, RecursionError,
    ) as exc:
        raise DataError(
            f"{shown_path(source)}: truncated or corrupt pickle ({exc.__class__.__name__}: {exc}); "
            "download or extract the file again"
        ) from exc


def safe_load_pickle(path: Path, *, encoding: str = "bytes") -> Any:
    """Unpickle the regular file ``path``, allowing only containers, strings, numbers and
    numeric numpy arrays (see `safe_loads`)."""
    return safe_loads(read_regular(path, what="reading the pickle"), source=path,
                      encoding=encoding)

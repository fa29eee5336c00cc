"""A restricted unpickler for data files: plain containers and numpy arrays, no code.

Python pickles can call any importable function while loading. Dataset files such as the
CIFAR python batches are pickles, so they are read with an unpickler that resolves only the
few globals numpy needs to rebuild a plain (non-object) array; anything else is refused
before it runs.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.errors import DataError

__all__ = ["safe_load_pickle"]


def _safe_dtype(*args: Any) -> np.dtype:
    dtype = np.dtype(*args)
    if dtype.hasobject:
        raise pickle.UnpicklingError(f"object dtype {dtype} is not allowed")
    return dtype


def _allowed_globals() -> dict[tuple[str, str], Any]:
    reconstruct = np.ndarray(0).__reduce__()[0]  # numpy's own array rebuilder, any version
    scalar = np.float64(0).__reduce__()[0]
    allowed: dict[tuple[str, str], Any] = {
        ("_codecs", "encode"): _latin1_encode,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): _safe_dtype,
    }
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(module, "_reconstruct")] = reconstruct
        allowed[(module, "scalar")] = scalar
    return allowed


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    """What Python 3 pickles of bytes call (``_codecs.encode(str, 'latin1')``), nothing more."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is only allowed for latin1 byte strings")
    return text.encode("latin1")


class _RestrictedUnpickler(pickle.Unpickler):
    _ALLOWED = _allowed_globals()

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name}: only plain containers and numpy "
                "arrays are allowed in data files"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("persistent ids are not allowed in data files")


def safe_load_pickle(path: Path, *, encoding: str = "bytes") -> Any:
    """Unpickle ``path`` allowing only containers, strings, numbers and numeric numpy arrays.

    Raises:
        DataError: naming ``path`` when it is not a pickle, is truncated or needs other code.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc})") from exc
    try:
        return _RestrictedUnpickler(io.BytesIO(data), encoding=encoding).load()
    except pickle.UnpicklingError as exc:
        if "truncated" in str(exc):
            raise DataError(
                f"{path}: truncated or corrupt pickle ({exc}); download or extract the file again"
            ) from exc
        raise DataError(
            f"{path}: not a plain data pickle ({exc}); it was not executed. Use the original "
            "dataset file, or convert it to .npz"
        ) from exc
    except (EOFError, ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise DataError(
            f"{path}: truncated or corrupt pickle ({exc.__class__.__name__}: {exc}); "
            "download or extract the file again"
        ) from exc

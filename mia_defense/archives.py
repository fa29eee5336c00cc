"""Checks of a ``torch.save`` archive read from disk, before ``torch.load`` sees its bytes:
its size against the memory this machine can spare, and a zip that expands or was altered
(checkpoints and model store entries alike); and what a loaded one's tensors store."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from mia_defense.budget import available_memory
from mia_defense.files import gib

if TYPE_CHECKING:
    from collections.abc import Mapping

    import torch

__all__ = ["archive_problem", "oversized", "stored", "stored_values"]

# Share of the available RAM one checkpoint or store entry, read whole, may take.
_READ_MEMORY_FRACTION = 0.5


def oversized(nbytes: int) -> str | None:
    """Why a file of ``nbytes`` is not read whole into memory (more than this machine can
    spare: a sparse or forged file of 100 GB was a raw MemoryError), or ``None``."""
    budget = int(_READ_MEMORY_FRACTION * available_memory())
    if nbytes <= budget:
        return None
    return f"{gib(nbytes)}, more than the {gib(budget)} of memory this machine can spare"


def archive_problem(source: Path | io.BytesIO) -> str | None:
    """Why the zip archive ``source`` (a file or bytes, as ``torch.save`` writes them) must
    not be given to ``torch.load``, or ``None``: entries that expand beyond the archive's own
    size. ``torch.save`` stores its entries uncompressed, but ``torch.load`` inflates
    compressed ones: a 230 KB checkpoint of one deflated zero tensor loaded as 200 MB (a zip
    bomb: a few MB held the run's memory). Or entries whose bytes changed after they were
    written (their CRC-32 does not match: `_crc_problem`). Files that are no zip archive are
    left to ``torch.load``, which refuses them."""
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        if isinstance(source, io.BytesIO):
            source.seek(0)
    size = source.getbuffer().nbytes if isinstance(source, io.BytesIO) else source.stat().st_size
    packed = [e.filename for e in entries if e.compress_type != zipfile.ZIP_STORED]
    if packed:
        return f"compressed entries such as {packed[0]!r}, which torch.save never writes"
    expanded = sum(e.file_size for e in entries)
    if expanded > size:
        return f"its entries claim {expanded} bytes, more than the file's {size}"
    return _crc_problem(source, entries)


def _crc_problem(source: Path | io.BytesIO, entries: list[zipfile.ZipInfo]) -> str | None:
    """Which entry's bytes no longer match the CRC-32 ``torch.save`` recorded for them, or
    None. ``torch.load`` never checks them: a flipped byte in a weight loaded as a silently
    different model. (Entries recorded with CRC 0, as torch writes them with
    ``set_crc32_options(False)``, are not checked.)"""
    name = "?"
    try:
        with zipfile.ZipFile(source) as archive:
            for entry in entries:
                name = entry.filename
                if entry.CRC == 0:
                    continue
                with archive.open(entry) as handle:  # raises BadZipFile on a CRC mismatch
                    while handle.read(1 << 20):
                        pass
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        return f"entry {name!r} does not match its checksum ({type(exc).__name__})"
    finally:
        if isinstance(source, io.BytesIO):
            source.seek(0)
    return None


def stored(tensor: torch.Tensor) -> torch.Tensor:
    """The values ``tensor``'s storage holds, flat: what the file holds for it. A view may
    claim far more (a 1.5 KB checkpoint of ``torch.zeros(1).expand(10**10)`` loads as 10^10
    values, and a check over the view allocated 10 GB)."""
    import torch

    try:
        return torch.empty(0, dtype=tensor.dtype).set_(tensor.untyped_storage())
    except RuntimeError:  # a storage of no whole number of its values: the view itself
        return tensor


def stored_values(state: Mapping[str, torch.Tensor]) -> int:
    """How many values the tensors of ``state`` hold in their storages, each storage once
    (an expanded view, or many views of one storage, count what is stored)."""
    seen: set[int] = set()
    total = 0
    for value in state.values():
        storage = value.untyped_storage()
        if storage.data_ptr() in seen and storage.nbytes():
            continue
        seen.add(storage.data_ptr())
        total += storage.nbytes() // max(value.element_size(), 1)
    return total

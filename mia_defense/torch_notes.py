"""torch's performance notes that a run cannot act on, silenced by their exact words, and
warnings silenced in a probe: both without resetting the warnings module's once-a-place
records (every filter change through its functions does, so a user model's own once-only
warnings, shown in training, came back at the white-box stage's first call)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["ignore_note", "ignore_performance_note", "notes_taken_out", "warnings_silenced"]


def ignore_performance_note(op: str) -> None:
    """Ignore torch's UserWarning "There is a performance drop ... ``op``" (torch.func
    batching ``op`` by a loop: stacked weight_norm, an LSTM's per-sample gradients)
    (`ignore_note`)."""
    ignore_note(rf"There is a performance drop .*{re.escape(op)}\b")


# The entries `ignore_note` put in warnings.filters (by identity): a library call takes out
# those it added as it ends (`notes_taken_out`), and only those.
_NOTES: list[tuple[Any, ...]] = []


def ignore_note(pattern: str, category: type[Warning] = Warning) -> None:
    """Ignore warnings of ``category`` whose message matches ``pattern`` (at its start, as
    ``warnings.filterwarnings``), added once, in place (`warnings_silenced`' reason); a
    library call takes it out as it ends (`mia_defense.library_call`)."""
    if any(entry[1].pattern == pattern and any(entry is f for f in warnings.filters)
           for entry in _NOTES):  # fmt: skip
        return
    entry = ("ignore", re.compile(pattern, re.I), category, None, 0)
    warnings.filters.insert(0, entry)
    _NOTES.append(entry)


def notes_taken_out(found: list[tuple[Any, ...]]) -> None:
    """Take out of warnings.filters, in place, the notes (`ignore_note`) added since they
    were ``found`` (a library call's start), and nothing else: putting back the list as
    found also dropped the filters the user's own code added during the call (a model's
    module imported by ``model._target_`` that silences a warning as it is imported: the
    next call, and the rest of the process, showed it again)."""
    added = [entry for entry in _NOTES if not any(entry is f for f in found)]
    warnings.filters[:] = [f for f in warnings.filters if not any(f is e for e in added)]
    _NOTES[:] = [entry for entry in _NOTES if not any(entry is e for e in added)]


@contextmanager
def warnings_silenced() -> Iterator[None]:
    """No warning raised in the block is shown (a probe's run of the user's model), and the
    warnings module's once-a-place records are left as they were: ``catch_warnings()`` with
    ``simplefilter("ignore")`` reset them on entering and leaving, and the white-box stage's
    probe showed the model's once-only warnings a second time. An ignored warning is not
    recorded, so one first raised in the block is still shown where it is next raised."""
    entry = ("ignore", None, Warning, None, 0)
    warnings.filters.insert(0, entry)  # (in place: the filters' version is left as it is)
    try:
        yield
    finally:
        for i, item in enumerate(warnings.filters):
            if item is entry:
                del warnings.filters[i]
                break

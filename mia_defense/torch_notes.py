"""torch's performance notes that a run cannot act on, silenced by their exact words, and
warnings silenced in a probe: both by editing warnings.filters in place, which leaves the
warnings module's once-a-place records alone (its functions reset them, so a user model's
once-only warnings showed again)."""

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
    ``warnings.filterwarnings``): one entry, put in place (see the module's docstring) and
    taken out as the library call ends (`notes_taken_out`)."""
    if any(entry[1].pattern == pattern and any(entry is f for f in warnings.filters)
           for entry in _NOTES):  # fmt: skip
        return
    entry = ("ignore", re.compile(pattern, re.I), category, None, 0)
    warnings.filters.insert(0, entry)
    _NOTES.append(entry)


def notes_taken_out(found: list[tuple[Any, ...]]) -> None:
    """Take out of warnings.filters, in place, the notes (`ignore_note`) added since they
    were ``found`` (a library call's start), and nothing else: a filter the user's code
    added during the call (a model's module silencing a warning on import) stays."""
    added = [entry for entry in _NOTES if not any(entry is f for f in found)]
    warnings.filters[:] = [f for f in warnings.filters if not any(f is e for e in added)]
    _NOTES[:] = [entry for entry in _NOTES if not any(entry is e for e in added)]


@contextmanager
def warnings_silenced() -> Iterator[None]:
    """No warning raised in the block is shown (a probe's run of the user's model), and the
    once-a-place records are left as they were (``catch_warnings()`` resets them). An
    ignored warning is not recorded, so one first raised here still shows where next raised."""
    entry = ("ignore", None, Warning, None, 0)
    warnings.filters.insert(0, entry)  # (in place: the filters' version is left as it is)
    try:
        yield
    finally:
        for i, item in enumerate(warnings.filters):
            if item is entry:
                del warnings.filters[i]
                break

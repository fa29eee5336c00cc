"""torch's performance notes that a run cannot act on, silenced by their exact words, and
warnings silenced in a probe: both without resetting the warnings module's once-a-place
records (every filter change through its functions does, so a user model's own once-only
warnings, shown in training, came back at the white-box stage's first call)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ignore_performance_note", "warnings_silenced"]


def ignore_performance_note(op: str) -> None:
    """Ignore torch's UserWarning "There is a performance drop ... ``op``" (torch.func
    batching ``op`` by a loop: stacked weight_norm, an LSTM's per-sample gradients), added
    once, in place (`warnings_silenced`' reason); a library call takes it out as it ends
    (`mia_defense.library_call`)."""
    if not any(op in str(entry[1]) for entry in warnings.filters):
        pattern = re.compile(rf"There is a performance drop .*{re.escape(op)}\b", re.I)
        warnings.filters.insert(0, ("ignore", pattern, Warning, None, 0))


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

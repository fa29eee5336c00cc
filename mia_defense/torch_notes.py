"""torch's performance notes that a run cannot act on, silenced by their exact words."""

from __future__ import annotations

import re
import warnings

__all__ = ["ignore_performance_note"]


def ignore_performance_note(op: str) -> None:
    """Ignore torch's UserWarning "There is a performance drop ... ``op``" (torch.func
    batching ``op`` by a loop: stacked weight_norm, an LSTM's per-sample gradients), added
    once per process: each filter added resets the warnings module's once-a-place records,
    so a user model's own once-only warnings came back at every call."""
    if not any(op in str(entry[1]) for entry in warnings.filters):
        warnings.filterwarnings("ignore", rf"There is a performance drop .*{re.escape(op)}\b")

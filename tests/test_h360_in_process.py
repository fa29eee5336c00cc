"""The library called several times in one process (a notebook, a script calling
`mia_defense.api` or a tool's main): a call leaves the process as it found it (h360)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from torch import nn

from mia_defense import api

NOTE = ("There is a performance drop because we have not yet implemented the batching rule "
        "for aten::mkldnn_rnn_layer")


def test_a_white_box_call_leaves_torchs_performance_notes_to_the_user() -> None:
    """observe_models(white_box=True) silenced torch's note on an LSTM's per-sample
    gradients for the rest of the process: the user's own vmap over one said nothing."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(24, 3)).astype(np.float32), np.arange(24) % 2
    plan = api.make_plan(x, y, num_models=2, population_size=16)
    before = list(warnings.filters)
    api.observe_models([nn.Linear(3, 2), nn.Linear(3, 2)], x, y, plan, white_box=True)
    assert warnings.filters == before
    with pytest.warns(UserWarning, match="performance drop"):
        warnings.warn(NOTE, UserWarning, stacklevel=1)

"""label_robustness took the predicted labels with one argmax over the [K, N, C] outputs: on
the read-only views the attack runner hands the attacks (92ded17), numpy's argmax copies the
whole array first, so label_only held a second [K, N, C] at the attacks' peak (+1.28 GB at
50,000 records, K=64, 100 classes; helper h213). It now takes them model by model."""

from __future__ import annotations

import tracemalloc
from dataclasses import replace

import numpy as np

from mia_defense.attacks.label_only import label_robustness
from mia_defense.attacks.runner import _read_only
from tests.helpers import synthetic_observations


def test_label_robustness_does_not_copy_the_read_only_outputs():
    obs = synthetic_observations(num_models=16, num_samples=2000, num_classes=50)
    obs = replace(obs, log_probs=np.ascontiguousarray(obs.log_probs, dtype=np.float32))
    shown = _read_only(obs)
    assert not shown.log_probs.flags.writeable
    expected = label_robustness(obs)
    tracemalloc.start()
    try:
        got = label_robustness(shown)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(got, expected)
    assert peak < shown.log_probs.nbytes / 4, (peak, shown.log_probs.nbytes)

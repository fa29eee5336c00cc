"""Probabilities given in float16 (a half-precision model's predict_proba, np.float16 arrays)
had their log taken in float16, three significant digits: 1,000 distinct probabilities in
[0.25, 0.5) became about 150 log-probabilities, members and non-members tied that the
outputs tell apart, and the loss attack read a lower TPR at low FPR than the same outputs
given in float32 (h580). The log is taken in float32 at least, as the observations hold."""

from __future__ import annotations

import numpy as np

from mia_defense import api
from mia_defense.attacks.signals import true_class_log_prob
from mia_defense.metrics.roc import roc_metrics


def _half_precision_outputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[2, 2000, 2] float16 probabilities, masks and labels: a member's true class a little
    more probable than a non-member's, every value a distinct float16."""
    rng = np.random.default_rng(0)
    masks = np.zeros((2, 2000), dtype=bool)
    masks[0, :1000] = masks[1, 1000:] = True
    p = rng.uniform(0.25, 0.45, (2, 2000)) + 0.04 * masks
    outputs = np.stack([p, 1 - p], axis=-1).astype(np.float16)
    return outputs, masks, np.zeros(2000, dtype=np.int64)


def test_float16_probabilities_keep_their_distinct_values() -> None:
    outputs, masks, labels = _half_precision_outputs()
    obs = api.observations_from_arrays(outputs, masks, labels, kind="probabilities")
    exact = np.log(outputs.astype(np.float64)).astype(np.float32)
    np.testing.assert_allclose(obs.log_probs, exact, rtol=1e-6)  # (float32's log: an ulp)
    assert len(np.unique(obs.log_probs[..., 0])) == len(np.unique(outputs[..., 0]))


def test_float16_probabilities_give_the_float32_figures() -> None:
    outputs, masks, labels = _half_precision_outputs()
    half = api.observations_from_arrays(outputs, masks, labels, kind="probabilities")
    single = api.observations_from_arrays(outputs.astype(np.float32), masks, labels,
                                          kind="probabilities")  # fmt: skip
    fprs = (0.1, 0.01, 0.001)
    read = [roc_metrics(true_class_log_prob(o.log_probs, labels), masks, fprs=fprs)
            for o in (half, single)]  # fmt: skip
    assert read[0].auc == read[1].auc
    assert read[0].tpr_at_fpr == read[1].tpr_at_fpr

"""A model trained on features used unscaled (an npz up to 5e4, dataset.standardize=false)
answered probability 1.0 in float32 to 83% of the records, the other class's log-probability
-500 to -50,000: the loss, confidence, entropy and RMIA signals tied on them, and the run read
TPR 0 at 0.1% FPR for those attacks (the same data standardised: RMIA 0.046) with only a log
warning at load. The attack stage now measures the share (``privacy.outputs_saturated``),
says it under the verdict and in mia-report's caveats; an overfit MLP's answers of 1.0,
whose other classes still rank them, and a rounding release's, tied by design, are left out."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.observations import Observations
from mia_defense.pipeline.trust_checks import _check_saturated
from mia_defense.report.checks import caveats


@pytest.mark.parametrize(("other", "flagged"), [
    (-1000.0, True),     # saturated: nothing left to the other class
    (-20.0, False),      # overfit: p_y rounds to 1.0, the other class still ranks it
    (-np.inf, False),    # a release that withholds the other class (rounding, top-k) ties them
])  # fmt: skip
def test_saturated_answers_are_a_caveat(other: float, flagged: bool) -> None:
    rng = np.random.default_rng(0)
    k, n = 4, 200
    labels = rng.integers(0, 2, n)
    masks = rng.random((k, n)) < 0.5
    # the other class's log-probability varies (the same everywhere reads as a label release)
    log_probs = np.repeat(other * (1 + rng.random((k, n, 1))), 2, axis=2).astype(np.float32)
    log_probs[:, np.arange(n), labels] = 0.0  # p_y == 1.0 in float32
    wrong = rng.random((k, n)) < 0.2  # a fifth answered wrongly, with confidence
    log_probs[wrong] = log_probs[wrong][:, ::-1]
    obs = Observations(log_probs=log_probs, masks=masks, labels=labels)
    privacy: dict = {}
    _check_saturated(privacy, obs, np.arange(k), np.ones(n, dtype=bool), fpr=0.001)
    assert ("outputs_saturated" in privacy) is flagged
    if flagged:
        share = f"{(~wrong).mean():.0%}"
        assert privacy["outputs_saturated"].startswith(f"{share} of the released answers (")
        assert "dataset.standardize=true" in privacy["outputs_saturated"]
        notes = caveats({"privacy": privacy, "attacks": {}})
        assert any(note.startswith(f"the models' outputs are saturated: {share}") for note in notes)

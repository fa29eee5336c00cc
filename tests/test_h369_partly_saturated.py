"""A 10-class npz of features up to 5e4 used unscaled (dataset.standardize=false, K=4, 100
epochs) answered probability 1.0 in float32, nothing left to the other classes, to 99.7% of
the members' records and 46% of the non-members': loss, confidence and RMIA read TPR 0 at
every FPR (AUC 0.77-0.80), yet with under half of the non-members' answers tied the run had
no SATURATED caveat and stood first on its Pareto front. A tie that spans the lowest FPR the
TPRs are read at and holds more of the members' answers than of the non-members' by over a
tenth now counts too; a tie as common among non-members as members, or below that FPR, does
not, and a run whose answers of 1.0 rule it out stops at the cheap first pass."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.observations import Observations
from mia_defense.pipeline import trust_checks
from mia_defense.pipeline.trust_checks import _check_saturated
from mia_defense.report.checks import caveats

FPR = 0.001  # the lowest of the default attack.fprs


def _observations(members: float, nonmembers: float, k: int = 4, n: int = 4000) -> Observations:
    """Binary answers, ``members`` of the members' and ``nonmembers`` of the non-members'
    saturated (p_y 1.0 in float32, the other class's log-probability below -500), the rest
    confident but ranked."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, n)
    masks = rng.random((k, n)) < 0.5
    other = -2 - 3 * rng.random((k, n))
    saturated = rng.random((k, n)) < np.where(masks, members, nonmembers)
    other[saturated] = -500 * (1 + rng.random(saturated.sum()))
    log_probs = np.empty((k, n, 2), dtype=np.float32)
    log_probs[:, np.arange(n), 1 - labels] = other
    log_probs[:, np.arange(n), labels] = np.log1p(-np.exp(other))
    return Observations(log_probs=log_probs, masks=masks, labels=labels)


@pytest.mark.parametrize(("members", "nonmembers", "flagged"), [
    (0.99, 0.45, True),    # the npz run's: the tie hides the members it holds
    (0.60, 0.05, True),    # every TPR at 0.1% or 1% FPR read outside the tie
    (0.40, 0.40, False),   # as many non-members as members tied: nothing hidden
    (0.99, 0.0, False),    # no non-member tied: a threshold at the tie reads its members
    (0.0, 0.0, False),     # the default run's
])  # fmt: skip
def test_a_tie_that_hides_members_is_a_caveat(
    members: float, nonmembers: float, flagged: bool
) -> None:
    obs = _observations(members, nonmembers)
    privacy: dict = {}
    _check_saturated(privacy, obs, np.arange(4), np.ones(len(obs.labels), dtype=bool), fpr=FPR)
    assert ("outputs_saturated" in privacy) is flagged
    if flagged:
        reason = privacy["outputs_saturated"]
        assert f"{members:.0%} of the members', {nonmembers:.0%} of the non-members'" in reason
        assert f"an FPR below {nonmembers:.0%}" in reason
        notes = caveats({"privacy": privacy, "attacks": {}})
        assert any(note.startswith("the models' outputs are saturated:") for note in notes)


def test_answers_below_one_stop_at_the_first_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """No answer of 1.0 in float32 (the default run's): the tied answers, O(T N C), are not
    computed."""
    def refuse(*_: object) -> None:
        raise AssertionError("the tied answers were computed")

    monkeypatch.setattr(trust_checks, "true_class_log_prob", refuse)
    obs = _observations(0.0, 0.0)
    privacy: dict = {}
    _check_saturated(privacy, obs, np.arange(4), np.ones(len(obs.labels), dtype=bool), fpr=FPR)
    assert "outputs_saturated" not in privacy

"""A DP-SGD of the user's own (a subclass of DPSGD outside mia-defense, e.g.
``defense.dp._target_=my_pkg.MyDP``) gets ``privacy.epsilon_valid: false``, as the run's
warning before training and mia-report (`epsilon_doubt`) already said. Measured: a subclass
that trained with a tenth of σ and recorded σ itself, ``mia-train defense=dp
defense.dp._target_=mydp.MyDP``, warned "ε will not be a guarantee (privacy.epsilon_valid:
false): trained beside defenses of your own (mydp.MyDP)", then wrote ε 7.995 with
``epsilon_valid: true``: `DPSGD.privacy_report` checked the other defenses of the stack
only."""

from __future__ import annotations

from mia_defense.defenses import DPSGD
from mia_defense.defenses.accounting import epsilon_spent

STATS = {"noise_multiplier": 1.0, "sample_rate": 0.125, "steps": 16.0, "delta": 1e-5}
UNSCALED = {"standardize": False}


class OwnDP(DPSGD):
    """A DP-SGD of the user's own: its mechanism is not mia-defense's."""


def _stats() -> dict[str, float]:
    return {**STATS, "epsilon": epsilon_spent("rdp", ((1.0, 0.125, 16),), 1e-5)}


def test_a_dp_sgd_subclass_of_your_own_says_epsilon_is_no_guarantee():
    report = OwnDP(noise_multiplier=1.0).privacy_report([_stats()], dataset=UNSCALED)
    assert report["epsilon_valid"] is False
    assert f"defenses of your own ({__name__}.OwnDP)" in report["epsilon_invalid_reason"]


def test_mia_defenses_own_dp_sgd_alone_keeps_its_guarantee():
    report = DPSGD(noise_multiplier=1.0).privacy_report([_stats()], dataset=UNSCALED)
    assert report["epsilon_valid"] is True
    assert "epsilon_invalid_reason" not in report

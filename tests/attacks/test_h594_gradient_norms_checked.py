"""Gradient norms given in Observations built directly were never checked (h594): one NaN
or infinite norm made every score of the gradient attack NaN (the pooled spread of the
references), and run_attacks skipped it as 'it returned NaN for every score', blaming
the attack; a negative norm was floored and scored as a perfect fit. The attack names
the array, the first bad entry and what to give."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks import gradient_norm, run_attacks
from mia_defense.errors import DataError
from tests.attacks.synthetic import full_observations


@pytest.mark.parametrize("bad", [np.nan, np.inf, -1.0])
@pytest.mark.parametrize("calibration", ["reference", "global"])
def test_a_bad_gradient_norm_is_refused_by_name(bad, calibration):
    obs = full_observations(num_models=4, num_samples=40)
    norms = obs.grad_norms.copy()
    norms[2, 7] = bad
    changed = type(obs)(obs.log_probs, obs.labels, obs.masks, grad_norms=norms)
    with pytest.raises(DataError, match=(rf"gradient_norm: observations\.grad_norms holds "
                                         rf"{bad:g} at \[2, 7\]; .*finite and >= 0")):
        gradient_norm(changed, np.arange(4), calibration=calibration)


def test_run_attacks_says_so_rather_than_skipping():
    obs = full_observations(num_models=4, num_samples=40)
    norms = obs.grad_norms.copy()
    norms[0, 0] = np.nan
    changed = type(obs)(obs.log_probs, obs.labels, obs.masks, grad_norms=norms)
    with pytest.raises(DataError, match=r"observations\.grad_norms holds nan at \[0, 0\]"):
        run_attacks(changed, {"gradient": gradient_norm}, targets=np.arange(4))

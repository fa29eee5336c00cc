"""Defense settings that a training loss adds or multiplies are refused beyond float32's
range, naming the key: ``defense.relaxloss.alpha=1e300`` and ``defense.advreg.strength=1e300``
became inf in the float32 loss and the run stopped on its first batch with the message for a
defense of one's own ('defense RelaxLoss: its loss is NaN or inf ... look in its loss for a
log of 0, a division by 0 or an overflow'), the key unnamed. DP-SGD's noise likewise: its
standard deviation σ·C must have a square within float32, which Adam's second moment takes."""

from __future__ import annotations

import re

import pytest

from mia_defense.defenses import DPSGD, AdversarialRegularization, RelaxLoss
from mia_defense.errors import ConfigError


@pytest.mark.parametrize(("build", "key"), [
    (lambda v: RelaxLoss(alpha=v), "defense.relaxloss.alpha"),
    (lambda v: AdversarialRegularization(strength=v), "defense.advreg.strength"),
])
@pytest.mark.parametrize("value", [1e300, 4e38, 10**39])
def test_a_loss_setting_beyond_float32_is_refused_naming_the_key(build, key, value):
    with pytest.raises(ConfigError, match=rf"^{key}=1e\+(300|39)|^{key}=4e\+38") as caught:
        build(value)
    assert "beyond float32's largest value (3.4e+38)" in str(caught.value)
    assert "choose" in str(caught.value)


@pytest.mark.parametrize("build", [
    lambda: RelaxLoss(alpha=3e38),
    lambda: AdversarialRegularization(strength=3e38),
])
def test_a_loss_setting_within_float32_still_builds(build):
    build()


@pytest.mark.parametrize(("sigma", "clip"), [(1e30, 1.0), (1e10, 1e10), (2e19, 1.0)])
def test_dp_noise_whose_square_overflows_float32_is_refused(sigma, clip):
    """mia-train defense=dp defense.dp.noise_multiplier=1e30 (target_epsilon=null) trained, and
    Adam's second moment of the noisy gradients was inf: no model took a step, and the run
    stopped after training with 'training changed none of its weights ... raise the learning
    rate (train.lr)', which no learning rate fixes."""
    start = f"defense.dp.noise_multiplier={sigma:g} with max_grad_norm={clip:g}: noise of"
    with pytest.raises(ConfigError, match="^" + re.escape(start)) as caught:
        DPSGD(noise_multiplier=sigma, max_grad_norm=clip)
    assert "whose square overflows float32" in str(caught.value)
    assert f"choose noise_multiplier <= {1.8e19 / clip:.2g}" in str(caught.value)


def test_dp_noise_within_float32_still_builds():
    # σ=1e19 trains (to chance: the run then gets no privacy verdict), as does σ=0
    for sigma in (1e19, 0.0, 1.0):
        assert DPSGD(noise_multiplier=sigma).noise_multiplier == sigma
    assert DPSGD(noise_multiplier=1e9, max_grad_norm=1e9).noise_multiplier == 1e9

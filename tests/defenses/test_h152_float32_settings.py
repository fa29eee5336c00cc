"""Defense settings that a training loss adds or multiplies are refused beyond float32's
range, naming the key: ``defense.relaxloss.alpha=1e300`` and ``defense.advreg.strength=1e300``
became inf in the float32 loss and the run stopped on its first batch with the message for a
defense of one's own ('defense RelaxLoss: its loss is NaN or inf ... look in its loss for a
log of 0, a division by 0 or an overflow'), the key unnamed."""

from __future__ import annotations

import pytest

from mia_defense.defenses import AdversarialRegularization, RelaxLoss
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

"""`api.audit` given its overrides as a mapping ({'attack.bootstrap': 0}): refused as no
list of strings, by the argument's name, not iterated into its keys alone."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError


def test_overrides_as_a_mapping_are_refused_by_name():
    # the keys alone were Hydra's overrides: "attack overrides ['attack.bootstrap']: Error
    # parsing override 'attack.bootstrap'", its value dropped without a word
    n = 40
    masks = np.stack([np.arange(n) % 2 == 0, np.arange(n) % 2 == 1])
    obs = api.observations_from_arrays(np.random.default_rng(0).normal(size=(2, n, 3)), masks,
                                       np.arange(n) % 3, kind="logits")  # fmt: skip
    with pytest.raises(ConfigError, match=r"^overrides=\{'attack\.bootstrap': 0\}: a list of "
                                          r"strings, one override each, e\.g\. "):
        api.audit(obs, overrides={"attack.bootstrap": 0})

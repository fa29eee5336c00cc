"""The warning before training of seeded DP-SGD noise whose float32 tail passes δ (h401:
mia-train defense=dp defense.dp.target_epsilon=50) said 'set it true for a guarantee, or
spend a lower ε', naming defense.dp.secure_mode but no key that spends a lower ε. It now
names them (h437): a lower defense.dp.target_epsilon or a larger defense.dp.noise_multiplier
(a larger σ lowers the tail: `seeded_tail_probability`)."""

from __future__ import annotations

import logging

from mia_defense.cli.build import build_experiment
from mia_defense.defenses.accounting import seeded_tail_probability
from mia_defense.pipeline.data import prepare_data

_WARNING = "defense.dp: ε will not be a guarantee (privacy.epsilon_valid: false): "
_KEYS = "a lower defense.dp.target_epsilon or a larger defense.dp.noise_multiplier"


def test_the_warning_before_training_names_the_keys_of_a_lower_epsilon(make_cfg, caplog):
    with caplog.at_level(logging.WARNING):
        prepare_data(build_experiment(make_cfg("defense=dp", "defense.dp.target_epsilon=50")))
    (warning,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith(_WARNING)]
    assert f"or spend a lower ε: {_KEYS})" in warning
    # (what the keys do: a larger σ, the same q and steps, a smaller tail)
    assert seeded_tail_probability(1.0, 0.01, 240) < seeded_tail_probability(0.5, 0.01, 240)

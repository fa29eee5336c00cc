"""rmia's warning on few population samples z and `few_z_ties` (the end-of-run and
mia-report notes on tied scores) say the same cause and the same fix: their words are one
source (`rmia._few_z_words`), each naming the setting its own way (the warning 'num_z', the
notes 'attack.attacks.NAME.num_z'), so neither can drift from the other."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense.attacks.rmia import few_z_ties, rmia
from tests.helpers import synthetic_observations


def test_the_warning_and_the_notes_say_one_cause_and_one_fix(caplog):
    obs = synthetic_observations(num_models=4, num_samples=300, signal=1.0)
    with caplog.at_level(logging.WARNING, logger="mia_defense.attacks.rmia"):
        rmia(obs, np.arange(2), num_z=12)
    (line,) = [r.getMessage() for r in caplog.records if "num_z=12" in r.getMessage()]
    cause, fix = few_z_ties("rmia", 12, 300)
    assert line.startswith(f"{cause}, so about 1 in 13 records")
    setting, _, instead = fix.partition(", ")
    assert setting == "attack.attacks.rmia.num_z=null"
    assert line.endswith(f"; set num_z null {instead}")
    assert instead == "to compare with all 300 population samples"

"""Observations of no records (or no classes) built directly ran through run_attacks (h594):
it returned no result, saying the targets had 'no non-member among the records judged'
and that each attack 'returned NaN for every score', neither of which was the matter."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks import loss_attack, run_attacks
from mia_defense.errors import DataError
from mia_defense.observations import Observations
from tests.helpers import synthetic_observations


@pytest.mark.parametrize(("rows", "classes", "said"), [
    (slice(0, 0), slice(None), r"no records \(N=0\)"),
    (slice(None), slice(0, 0), r"no classes \(C=0\)"),
])
def test_observations_without_records_or_classes_are_refused(rows, classes, said):
    obs = synthetic_observations(num_models=4, num_samples=20, num_classes=3)
    empty = Observations(obs.log_probs[:, rows, classes], obs.labels[rows], obs.masks[:, rows])
    with pytest.raises(DataError, match=rf"run_attacks: observations\.log_probs has shape "
                                        rf"\(4, \d+, \d\): {said}; give"):
        run_attacks(empty, {"loss": loss_attack}, targets=np.arange(4))

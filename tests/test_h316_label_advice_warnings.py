"""h316: mia-attack of a bare one-hot .npz (no augmented_predictions) was told by api's
labels-unattacked warning to keep attack.attacks.label_only (which then falls back on the gap
attack) and by label_only's own warning of attack.queries.num_augmented=0, neither a setting a
file can change: both now name the observations' own perturbed queries, as mia-report does.
api's Audit.table() gives mia-report's caveats as READ WITH CARE lines, as mia-train does."""

import logging

import numpy as np
import pytest

from mia_defense import api
from mia_defense.observations import QUERIES_IN_OBSERVATIONS, QUERIES_OF_MIA_TRAIN

LEAN = ["attack.bootstrap=0", "attack.num_targets=2", "~attack.attacks.shokri",
        "~attack.attacks.rmia", "~attack.attacks.lira_online", "~attack.attacks.lira_offline",
        "~attack.attacks.lira_online_augmented", "~attack.attacks.entropy",
        "~attack.attacks.modified_entropy", "~attack.attacks.modified_entropy_class",
        "~attack.attacks.gradient_norm"]  # fmt: skip


def _one_hot() -> api.Observations:
    rng = np.random.default_rng(0)
    masks = np.tile([True, False], (4, 20))
    masks[1::2] = ~masks[1::2]
    labels = rng.integers(0, 3, 40)
    predicted = np.where(masks, labels, rng.integers(0, 3, (4, 40)))
    outputs = np.where(np.arange(3) == predicted[..., None], 1.0, 0.0)
    return api.observations_from_arrays(outputs, masks, labels, kind="probabilities")


@pytest.mark.parametrize("of_run", [False, True])
@pytest.mark.parametrize("label_attack", [False, True])
def test_the_advice_names_where_perturbed_queries_come_from(caplog, of_run, label_attack):
    overrides = LEAN if label_attack else [*LEAN, "~attack.attacks.label_only"]
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        if of_run:  # mia-attack of a mia-train run: its facts given
            audit = api.run_audit(_one_hot(), api.attack_config(overrides), defended=False,
                                  defense={"defense": "none", "release": "label_only"})
        else:  # mia-attack of a file, api.audit of arrays
            audit = api.audit(_one_hot(), overrides=overrides)
    said = [m for m in (r.getMessage() for r in caplog.records)
            if m.startswith(("label_only:", "the observations attacked let out"))]  # fmt: skip
    assert len(said) == 1, caplog.text
    if label_attack:  # the attack itself cannot tell: both
        assert QUERIES_IN_OBSERVATIONS in said[0] and QUERIES_OF_MIA_TRAIN in said[0]
    else:
        assert (QUERIES_OF_MIA_TRAIN if of_run else QUERIES_IN_OBSERVATIONS) in said[0]
        assert (QUERIES_IN_OBSERVATIONS if of_run else "num_augmented") not in said[0]
    # Audit.table() gives mia-report's caveat as mia-train's end-of-run lines do (none before)
    [line] = [line for line in audit.table().splitlines() if "predicted label only" in line]
    assert line.startswith("READ WITH CARE: ")
    assert line.endswith(QUERIES_OF_MIA_TRAIN if of_run else QUERIES_IN_OBSERVATIONS), line

"""Observations of one record (K=2: one member score, one non-member score) gave every
attack's intervals as [1.000, 1.000] (an AUC of 1 read off two models' outputs on one
record, 'certain'), without a word: the bootstrap draws a record whole, so one record is one
draw. attack_observations now warns where the records judged are fewer than 10, as it does
for as few groups of copies (tests/test_h179_few_copy_groups.py)."""

from __future__ import annotations

import numpy as np

from mia_defense import api
from mia_defense.metrics.bootstrap import few_draws_note

_SETTINGS = ["attack.bootstrap=40", "~attack.attacks.shokri", "attack.queries.num_augmented=0"]


def test_one_record_is_said_to_give_intervals_of_no_width(caplog):
    obs = api.observations_from_arrays(np.array([[[3.0, 0, 0]], [[0.0, 0, 0]]]),
                                       np.array([[True], [False]]), np.array([0]),
                                       kind="logits")
    with caplog.at_level("WARNING"):
        loss = api.audit(obs, overrides=_SETTINGS).result.attacks["loss"]
    assert (loss["auc"], loss["auc_ci_low"], loss["auc_ci_high"]) == (1.0, 1.0, 1.0)
    assert "bootstrap: the intervals rest on the 1 record(s) judged" in caplog.text
    assert "intervals of no width" in caplog.text


def test_the_note_names_a_few_records_and_not_ten():
    assert "rest on the 9 record(s)" in few_draws_note(9, None, "95%")
    assert "no width" not in few_draws_note(9, None, "95%")
    assert few_draws_note(10, None, "95%") is None


def test_many_records_say_nothing(caplog):
    rng = np.random.default_rng(0)
    masks = np.zeros((4, 40), dtype=bool)
    for i in range(40):
        masks[rng.permutation(4)[:2], i] = True
    obs = api.observations_from_arrays(rng.normal(size=(4, 40, 3)), masks,
                                       rng.integers(0, 3, 40), kind="logits")
    with caplog.at_level("WARNING"):
        api.audit(obs, overrides=_SETTINGS)
    assert "bootstrap: the intervals rest on" not in caplog.text

"""h312: whether a release let out labels only is measured on the outputs the attacks saw
(results.json's ``released_labels_only``), not read from the release's name alone."""

import numpy as np
import pytest

from mia_defense import api
from mia_defense.observations import labels_only
from mia_defense.report.checks import caveats

LEAN = ["attack.bootstrap=0", "attack.num_targets=2", "~attack.attacks.shokri",
        "~attack.attacks.rmia", "~attack.attacks.label_only", "~attack.attacks.lira_online",
        "~attack.attacks.lira_offline"]  # fmt: skip


def _one_hot(predicted, classes=3):
    out = np.full((*predicted.shape, classes), -np.inf, np.float32)
    np.put_along_axis(out, predicted[..., None], 0.0, axis=-1)
    return out


@pytest.mark.parametrize(("outputs", "expected"), [
    (_one_hot(np.array([[0, 2], [1, 1]])), True),
    (np.log(np.array([[[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]] * 2, np.float32)), False),
    # topk at k=1 not renormalised: the label and its probability
    (np.array([[[np.log(0.7), -np.inf, -np.inf]]] * 2, np.float32), False),
    (np.concatenate([_one_hot(np.zeros((1, 2), int)), np.log([[[0.5, 0.3, 0.2]] * 2])]),
     True),  # (h316) a model collapsed to one output: no more than a label
    (np.concatenate([_one_hot(np.zeros((1, 2), int)), np.log([[[0.5, 0.3, 0.2],
                                                               [0.6, 0.3, 0.1]]])]),
     False),  # one model of full outputs
    # (h316) a label let out otherwise: a smoothed one-hot, log(1e-12) for -inf
    (np.log(np.where(_one_hot(np.array([[0, 2, 0], [1, 1, 2]])) == 0, 0.9, 0.05)), True),
    (np.maximum(_one_hot(np.array([[0, 2, 0], [1, 1, 2]])), np.log(1e-12)), True),
    (np.log(np.where(_one_hot(np.array([[0, 2, 0], [1, 1, 2]])) == 0, 0.9, 0.05))
     + np.array([[[0], [0], [1e-3]], [[0], [0], [0]]]), False),  # rows 0, 2 differ
])
def test_labels_only_rule(outputs, expected):
    assert labels_only(outputs) is expected


def test_one_hot_observations_record_it_and_the_report_marks_them():
    """mia-attack on a bare file of one-hot outputs (no release in its metadata: 'unknown')
    and a release of one's own that answers one-hot were ranked without a word: the caveat
    read the release's name only."""
    rng = np.random.default_rng(0)
    masks = np.tile([True, False], (4, 20))
    masks[1::2] = ~masks[1::2]
    labels = rng.integers(0, 3, 40)
    predicted = np.where(masks, labels, rng.integers(0, 3, (4, 40)))
    obs = api.observations_from_arrays(_one_hot(predicted), masks, labels,
                                       kind="log_probabilities")  # fmt: skip
    result = api.audit(obs, overrides=LEAN).result
    assert result.released_labels_only is True
    assert result.defense["release"] == "unknown"
    full = api.observations_from_arrays(np.log(rng.dirichlet(np.ones(3), (4, 40))), masks,
                                        labels, kind="log_probabilities")  # fmt: skip
    assert api.audit(full, overrides=LEAN).result.released_labels_only is False
    payload = {"defense": result.defense, "attacks": result.attacks, "privacy": {},
               "released_labels_only": True}  # fmt: skip
    for release in ("unknown", "MyLabelRelease"):
        payload["defense"] = {**result.defense, "release": release}
        notes = [n for n in caveats(payload) if "predicted label only" in n]
        assert len(notes) == 1 and "no attack of access label" in notes[0], release
    notes = [n for n in caveats({**payload, "released_labels_only": False})
             if "predicted label only" in n]  # fmt: skip
    assert notes == []

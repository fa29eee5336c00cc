"""h313: the caveat on a label-only release attacked without perturbed queries told mia-attack
of a bare one-hot .npz to rerun with attack.attacks.label_only (or attack.queries.
num_augmented=8, which mia-attack refuses for a file): the file needs its perturbed queries."""

import pytest

from mia_defense.report.checks import caveats

LABEL = {"access": "label", "auc": 0.6, "tpr@0.1%fpr": 0.0}
LOSS = {"access": "outputs", "auc": 0.6, "tpr@0.1%fpr": 0.0}


@pytest.mark.parametrize("attacks", [{"loss": LOSS}, {"loss": LOSS, "label_only": LABEL}])
@pytest.mark.parametrize("kind", ["observations", None])
def test_the_advice_names_the_files_queries(attacks, kind):
    payload = {"defense": {"defense": "unknown", "release": "unknown"}, "attacks": attacks,
               "privacy": {}, "released_labels_only": True,
               "config": {"attack": {"queries": {"num_augmented": 0}}}}  # fmt: skip
    if kind:
        payload["source"] = {"kind": kind, "path": "/x/onehot.npz", "metadata": {}}
    [note] = [n for n in caveats(payload) if "predicted label only" in n]
    said = note.rpartition("; rerun it with ")[2]
    if kind:
        assert "augmented_predictions" in said and "num_augmented" not in said, said
    else:
        assert "attack.queries.num_augmented=8" in said, said

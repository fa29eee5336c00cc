"""DP-SGD on a CSV or npz file with ``dataset.num_classes=null``: the loader takes the classes
from the distinct labels of the data, members included, so a label one member alone holds is
an output of every model (``mia-train defense=dp dataset=csv dataset.standardize=false`` on
1200 rows labelled a/b, one row c: log_probs [2, 900, 3], ``epsilon_valid: true``). Like
the one-hot categories (test_h146), ε does not cover it: results.json now says why."""

from __future__ import annotations

import pytest

from mia_defense.defenses.dp import preprocessing_reason


@pytest.mark.parametrize(("target", "num_classes", "invalid"), [
    ("mia_defense.data.load_csv", None, True),
    ("mia_defense.data.load_npz", None, True),
    ("mia_defense.data.load_csv", 3, False),
    ("mia_defense.data.load_npz", 10, False),
    ("mia_defense.data.load_digits", None, False),
])  # fmt: skip
def test_classes_taken_from_the_labels_make_epsilon_no_guarantee(target, num_classes, invalid):
    dataset = {"_target_": target, "standardize": False, "num_classes": num_classes}
    reason = preprocessing_reason(dataset, one_hot_columns=())
    assert (reason is not None) == invalid
    if invalid:
        assert reason.startswith("dataset.num_classes=null: the classes are the distinct "
                                 "labels found in the data, members included")
        assert reason.endswith("set dataset.num_classes to the public number of classes for "
                               "an ε that holds")

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


@pytest.mark.parametrize("num_classes", [None, 2])
def test_mia_report_doubts_an_older_run_that_took_its_classes_from_the_labels(tmp_path,
                                                                            num_classes):
    """A run recorded before mia-train said so (``epsilon_valid: true``) is read with care."""
    from mia_defense.report import load_runs, summarise
    from tests.report.fake_runs import make_run, rewrite_results

    make_run(tmp_path / "run", test_accuracy=0.8, signal=0.3, defense="dp")

    def edit(payload):
        payload["privacy"] = {"epsilon": 2.0, "delta": 1e-5, "noise_multiplier": 1.1,
                              "accountant": "rdp", "epsilon_valid": True}  # fmt: skip
        payload["config"]["dataset"].update(_target_="mia_defense.data.load_npz",
                                            num_classes=num_classes, standardize=False)

    rewrite_results(tmp_path / "run", edit)
    loaded = load_runs([tmp_path / "run"])
    (summary,) = summarise(loaded.runs)
    notes = [n for _, n in loaded.caveats if n.startswith("its ε 2 is not a guarantee")]
    assert summary.epsilon_valid is (num_classes is not None)
    assert bool(notes) is (num_classes is None)
    if notes:
        assert "dataset.num_classes=null: the classes were the distinct labels" in notes[0]

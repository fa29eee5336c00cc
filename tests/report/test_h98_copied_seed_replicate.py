"""A run folder copied, its seeds edited and its sha256 record and data_fingerprint edited
or deleted too (which the checks of the same trained models read) passed for a second seed
replicate: n=2 and a narrower interval for one run. Runs of two seeds train other models,
whose mean losses never agree to the last digit: such a copy is now counted once."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results

LOSSES = {"train_loss": 0.3141592653589793, "test_loss": 0.4142135623730951}


def test_a_copy_with_its_seeds_edited_is_no_second_replicate(tmp_path):
    root = tmp_path / "sweep"
    payload = make_run(root / "seed=0", test_accuracy=0.9, signal=2.0)
    rewrite_results(root / "seed=0", lambda p: p["utility"].update(LOSSES))
    make_run(root / "seed=1", test_accuracy=0.9, signal=2.0, seed=1)  # a real replicate
    rewrite_results(root / "seed=1", lambda p: p["utility"].update(
        train_loss=0.31, test_loss=0.41))
    make_run(root / "seed=2", test_accuracy=0.9, signal=2.0, seed=2)  # the copy of seed=0

    def copy(p):
        p.update(attacks=payload["attacks"], strongest_attack=payload["strongest_attack"])
        p["utility"].update(LOSSES)

    rewrite_results(root / "seed=2", copy)
    loaded = load_runs([root])
    assert [r.name for r in loaded.runs] == ["seed=0", "seed=1"]
    ((record, reason),) = loaded.unranked
    assert record.name == "seed=2" and reason.startswith(
        "the same train and test loss and attack AUCs, to the last digit, as seed=0 under "
        "seed 2, where seed=0 has seed 0")

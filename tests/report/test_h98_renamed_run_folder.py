"""A sweep's run folder renamed by hand (train.epochs=2 to train.epochs=50) was reported
under the new name: the front listed a 2-epoch run as 'train.epochs=50'. A key=value of the
folder's name that contradicts the number its results.json's config holds is now skipped,
naming both."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run


def test_a_run_folder_renamed_to_another_value_is_skipped(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "train.epochs=2,train.lr=0.37454", test_accuracy=0.8, signal=0.3,
             config={"train.lr": 0.37454011884736254})  # (a name keeps 6 digits of a float)
    make_run(root / "train.epochs=3", test_accuracy=0.8, signal=0.3, seed=1)
    (root / "train.epochs=3").rename(root / "train.epochs=50")
    loaded = load_runs([root])
    assert [r.name for r in loaded.runs] == ["train.epochs=2,train.lr=0.37454"]
    assert dict(loaded.skipped)[root / "train.epochs=50"] == (
        "its folder's name says train.epochs=50, but its results.json's config holds "
        "train.epochs=3: the folder was renamed, or another run's results.json copied in; "
        "give it back its name, or rerun the run")

"""Two different models of one class name (the package's MLP and a user's own MLP) are no
longer one front: both were named "MLP", so one Pareto front compared them as one model."""

from mia_defense.report import write_report
from tests.report.fake_runs import make_run


def test_models_of_one_class_name_but_other_targets_get_fronts_apart(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "ours", test_accuracy=0.9, signal=3.0)
    make_run(root / "theirs", test_accuracy=0.95, signal=1.0, seed=1,
             config={"model._target_": "mypkg.models.MLP"})  # fmt: skip
    make_run(root / "theirs_again", test_accuracy=0.8, signal=1.5, seed=2,
             config={"model._target_": "mypkg.models.MLP", "train.lr": 0.01})  # fmt: skip
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert set(report.fronts) == {("digits", "mia_defense.models.MLP"),
                                  ("digits", "mypkg.models.MLP")}  # fmt: skip
    # one model of that name alone keeps its short name
    alone = write_report([root / "ours"], out_dir=tmp_path / "out2", tensorboard=False,
                         charts=False)  # fmt: skip
    assert set(alone.fronts) == {("digits", "MLP")}

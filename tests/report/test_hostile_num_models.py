"""``num_models`` raised by hand (4 models written as 64) narrowed the test accuracy's
interval, a Student's t over the K models: the run trained config.plan.num_models models,
and a results.json that says otherwise is skipped as edited."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def test_a_model_count_other_than_the_plans_is_skipped(tmp_path):
    sweep = tmp_path / "sweep"
    make_run(sweep / "good", test_accuracy=0.9, signal=2.0)
    make_run(sweep / "raised", test_accuracy=0.9, signal=2.0, seed=1)
    rewrite_results(sweep / "raised", lambda p: p.update(num_models=64))
    loaded = load_runs([sweep])
    assert [r.name for r in loaded.runs] == ["good"]
    assert dict(loaded.skipped)[sweep / "raised"] == (
        "num_models is 64, but config.plan.num_models, which trained them, is 4: the file was "
        "edited; rerun the run"
    )

"""A run whose own results.json counts most of its models at chance
(``utility.test_accuracy_models_at_chance`` above half of ``num_models``: the median model,
which mia-train judges a run by, among them) gets no privacy verdict, whatever its
``utility_below_chance`` says and whether or not the file still holds its chance figures.

Measured: a real at-chance run (train.lr=1e-9 train.epochs=1 plan.num_models=4: test accuracy
0.102, the majority class 0.112, 3 of 4 models at chance) with utility_below_chance set to
false and utility.chance_accuracy and num_classes deleted was ranked, alone on its front as
the most private, with only a caveat on "3 of its 4 models".
"""

from __future__ import annotations

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, not_ranked_reasons, rewrite_results


def _at_chance(count):
    def change(payload):
        payload["utility"]["test_accuracy_models_at_chance"] = count
        payload["utility_below_chance"] = False

    return change


def test_a_run_with_most_models_at_chance_is_not_ranked(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=3.0)
    make_run(root / "b", test_accuracy=0.3, signal=0.0, seed=1, config={"train.lr": 1e-9})
    rewrite_results(root / "b", _at_chance(3))  # of its 4 models
    out = tmp_path / "out"
    report = write_report([root], out_dir=out, tensorboard=False, charts=False)
    assert [g.name for g in report.groups] == ["a"]
    reason = not_ranked_reasons(out)["b"]
    assert reason.startswith("3 of its 4 models' test accuracy is not above chance")
    assert "no privacy verdict" in reason


def test_a_run_with_some_models_at_chance_keeps_its_caveat(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=3.0)
    make_run(root / "b", test_accuracy=0.6, signal=0.0, seed=1, config={"train.lr": 1e-9})
    rewrite_results(root / "b", _at_chance(2))  # half: the median may be above chance
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert sorted(g.name for g in report.groups) == ["a", "b"]
    assert "2 of its 4 models' test accuracy" in dict(report.caveats)["b"]

"""roc.png of several fronts draws rows of each, and says how many front rows it left out.

Measured (mia-report of digits and cifar10, five runs each, every run on its front; the
default --roc-runs 6): roc.png drew the two baselines and cifar10's front rows 1-4, none of
digits' but its baseline, and said nothing of the six front rows it left out; the README
calls it "ROC curves of the baselines and the Pareto fronts".
"""

from __future__ import annotations

from mia_defense.report import write_report
from mia_defense.report.build import _roc_selection
from mia_defense.report.charts import runs_roc_figure
from tests.report.fake_runs import make_run


def _two_fronts(root):
    seed = 0
    for dataset in ("digits", "cifar10"):
        for i in range(5):
            seed += 1
            defense = "none" if i == 4 else "dropout"
            make_run(root / f"{dataset}_{i}", test_accuracy=0.6 + 0.07 * i, signal=0.2 + 0.7 * i,
                     dataset=dataset, seed=seed, defense=defense,
                     defense_hparams={} if i == 4 else {"dropout.p": i})  # fmt: skip


def test_each_front_gets_curves_and_the_rest_are_counted(tmp_path):
    _two_fronts(tmp_path / "sweep")
    report = write_report([tmp_path / "sweep"], out_dir=tmp_path / "out", tensorboard=False,
                          charts=False)  # fmt: skip
    selected, left = _roc_selection(report, 6)
    legends = [legend for _, legend in selected]
    assert sum(legend.startswith("digits") for legend in legends) == 3
    assert sum(legend.startswith("cifar10") for legend in legends) == 3
    assert left == 4  # (10 front rows, 6 drawn)
    figure = runs_roc_figure([run for run, _ in selected], labels=legends, left_out=left)
    assert figure.texts[-1].get_text() == (
        "Not drawn: 4 more rows of the fronts (at most 6 curves; mia-report --roc-runs N draws N)."
    )


def test_a_front_drawn_whole_says_nothing_more(tmp_path):
    _two_fronts(tmp_path / "sweep")
    report = write_report([tmp_path / "sweep"], out_dir=tmp_path / "out", tensorboard=False,
                          charts=False)  # fmt: skip
    selected, left = _roc_selection(report, 10)
    assert (len(selected), left) == (10, 0)
